// grpc-js (an independent gRPC implementation) against Numa.Grpc's server: every call shape, status codes and
// percent-encoded messages, metadata, deadlines, maximum message sizes, client cancellation, and malformed input
// (wrong content-type, broken framing, garbage bytes and frames) after which the server must keep serving.
// Usage: node client.mjs PORT. Prints "ok NAME" or "FAIL NAME: why" per test, then "N passed, N failed".
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import http2 from 'node:http2';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const port = Number(process.argv[2]);
const here = path.dirname(fileURLToPath(import.meta.url));
const def = protoLoader.loadSync(path.join(here, 'echo.proto'), { keepCase: false, longs: Number, defaults: true });
const Echo = grpc.loadPackageDefinition(def).numa.interop.Echo;
const address = `127.0.0.1:${port}`;
const client = new Echo(address, grpc.credentials.createInsecure(), {
  'grpc.max_receive_message_length': 32 * 1024 * 1024,
  'grpc.max_send_message_length': 32 * 1024 * 1024,
});

let passed = 0, failed = 0;
async function test(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e && e.message ? e.message : e}`);
  }
}
function assert(cond, why) { if (!cond) throw new Error(why); }
function eq(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}
const deadlineIn = ms => new Date(Date.now() + ms);

function unary(req, { metadata = new grpc.Metadata(), deadline } = {}) {
  return new Promise((resolve, reject) =>
    client.unary(req, metadata, deadline ? { deadline } : {}, (err, res) => (err ? reject(err) : resolve(res))));
}
async function expectStatus(promise, code, what) {
  try {
    await promise;
  } catch (e) {
    eq(e.code, code, `${what} status (${e.details})`);
    return e;
  }
  throw new Error(`${what}: expected status ${code}, the call succeeded`);
}
function collect(call) {
  return new Promise(resolve => {
    const messages = [];
    call.on('data', m => messages.push(m));
    call.on('error', error => resolve({ messages, error }));
    call.on('end', () => resolve({ messages, error: null }));
  });
}
function wasCancelled(callId, waitMs = 5000) {
  return new Promise((resolve, reject) =>
    client.wasCancelled({ callId, waitMs }, (err, res) => (err ? reject(err) : resolve(res))));
}

/** One raw HTTP/2 request: what the server answers to bytes grpc-js would never send. */
function raw(pathName, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${address}`);
    session.on('error', reject);
    const req = session.request({
      ':method': 'POST', ':path': pathName, 'content-type': 'application/grpc', te: 'trailers', ...headers,
    });
    const out = { status: 0, headers: {}, trailers: {}, body: Buffer.alloc(0) };
    req.on('response', h => { out.status = h[':status']; out.headers = h; });
    req.on('trailers', t => { out.trailers = t; });
    req.on('data', d => { out.body = Buffer.concat([out.body, d]); });
    req.on('end', () => { session.close(); resolve(out); });
    req.on('error', e => { session.close(); reject(e); });
    req.end(body);
  });
}
const grpcStatus = r => r.trailers['grpc-status'] ?? r.headers['grpc-status'];
function frame(payload, flag = 0, length = payload.length) {
  const b = Buffer.alloc(5 + payload.length);
  b[0] = flag;
  b.writeUInt32BE(length, 1);
  payload.copy(b, 5);
  return b;
}
const EchoRequest = {
  // message = 1 "hi": the protobuf bytes of EchoRequest { message: "hi" }
  hi: Buffer.from([0x0a, 0x02, 0x68, 0x69]),
};

/** Raw bytes on a TCP connection; resolves when the server closes it. */
function garbage(bytes) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('the server did not close the connection within 10 s')); }, 10000);
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => { clearTimeout(timer); resolve(); });
  });
}

await test('unary echo with authorization metadata visible to the handler', async () => {
  const md = new grpc.Metadata();
  md.set('authorization', 'Bearer secret-token');
  const res = await unary({ message: 'hello' }, { metadata: md });
  eq(res.message, 'hello', 'message');
  eq(res.authorization, 'Bearer secret-token', 'authorization');
});

await test('every non-OK status code and its message reach grpc-js', async () => {
  for (let code = 1; code <= 16; code++) {
    const e = await expectStatus(unary({ failCode: code, failMessage: `failure ${code}` }), code, `code ${code}`);
    eq(e.details, `failure ${code}`, `details of ${code}`);
  }
});

await test('a non-ASCII status message with % and newlines is percent-encoded and decoded', async () => {
  const text = 'nicht gefunden: 100% ✓\nzweite Zeile';
  const e = await expectStatus(unary({ failCode: 5, failMessage: text }), grpc.status.NOT_FOUND, 'NOT_FOUND');
  eq(e.details, text, 'details');
});

await test('server streaming delivers 200 messages in order', async () => {
  const { messages, error } = await collect(client.serverStream({ message: 's', count: 200 }));
  eq(error, null, 'error');
  eq(messages.length, 200, 'count');
  messages.forEach((m, i) => eq(m.index, i, `index ${i}`));
});

await test('server streaming error after 3 messages arrives in trailers after the messages', async () => {
  const { messages, error } = await collect(client.serverStream({ count: 3, failCode: 9, failMessage: 'after three' }));
  eq(messages.length, 3, 'messages before the error');
  eq(error && error.code, grpc.status.FAILED_PRECONDITION, 'code');
  eq(error.details, 'after three', 'details');
});

await test('client streaming: the handler reads all 50 requests', async () => {
  const res = await new Promise((resolve, reject) => {
    const call = client.clientStream((err, r) => (err ? reject(err) : resolve(r)));
    for (let i = 0; i < 50; i++) call.write({ message: `m${i}`, payload: Buffer.alloc(1000, i) });
    call.end();
  });
  eq(res.received, 50, 'received');
  eq(res.receivedBytes, 50000, 'receivedBytes');
});

await test('client streaming: a failing request ends the call with its status', async () => {
  const e = await new Promise(resolve => {
    const call = client.clientStream(err => resolve(err));
    call.write({ message: 'ok' });
    call.write({ failCode: 3, failMessage: 'bad item' });
    call.end();
  });
  eq(e && e.code, grpc.status.INVALID_ARGUMENT, 'code');
  eq(e.details, 'bad item', 'details');
});

await test('bidirectional streaming answers each request before the next is written', async () => {
  const call = client.bidi();
  const replies = [];
  let wake = null;
  call.on('data', m => { replies.push(m); if (wake) wake(); });
  for (let i = 0; i < 10; i++) {
    call.write({ message: `ping ${i}` });
    await new Promise((resolve, reject) => {
      wake = resolve;
      if (replies.length > i) resolve();
      setTimeout(() => reject(new Error(`no reply to ping ${i}`)), 10000);
    });
    eq(replies[i].message, `ping ${i}`, `reply ${i}`);
  }
  const done = new Promise((resolve, reject) => { call.on('end', resolve); call.on('error', reject); });
  call.end();
  await done;
});

await test('a deadline fails the call with DEADLINE_EXCEEDED and the handler sees cancellation', async () => {
  await expectStatus(unary({ sleepMs: 30000, callId: 'deadline-1' }, { deadline: deadlineIn(300) }),
    grpc.status.DEADLINE_EXCEEDED, 'deadline');
  const report = await wasCancelled('deadline-1');
  assert(report.cancelled, 'the handler was not cancelled');
});

await test('a generous deadline does not cut a call short', async () => {
  const res = await unary({ message: 'in time', sleepMs: 50 }, { deadline: deadlineIn(10000) });
  eq(res.message, 'in time', 'message');
});

await test('a request over the server receive limit (1 MiB) is RESOURCE_EXHAUSTED', async () => {
  await expectStatus(unary({ payload: Buffer.alloc(2 * 1024 * 1024, 7) }), grpc.status.RESOURCE_EXHAUSTED, 'oversized request');
});

await test('a response over the server send limit (16 MiB) is RESOURCE_EXHAUSTED', async () => {
  await expectStatus(unary({ responseBytes: 20 * 1024 * 1024 }), grpc.status.RESOURCE_EXHAUSTED, 'oversized response');
});

await test('an 8 MiB response arrives intact', async () => {
  const res = await unary({ responseBytes: 8 * 1024 * 1024 });
  eq(res.payload.length, 8 * 1024 * 1024, 'length');
  for (const i of [0, 1, 255, 256, 8 * 1024 * 1024 - 1]) eq(res.payload[i], i & 0xff, `byte ${i}`);
});

await test('a streaming response over grpc-js receive limit is refused by grpc-js', async () => {
  const small = new Echo(address, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 1024 });
  const { error } = await collect(small.serverStream({ count: 1, responseBytes: 4096 }));
  small.close();
  eq(error && error.code, grpc.status.RESOURCE_EXHAUSTED, 'code');
});

await test('client cancellation reaches the handler', async () => {
  const call = client.serverStream({ count: 1000, sleepMs: 200, callId: 'cancel-1' });
  const result = new Promise(resolve => call.on('error', e => resolve(e)));
  await new Promise(resolve => call.once('data', resolve));
  call.cancel();
  const e = await result;
  eq(e.code, grpc.status.CANCELLED, 'client status');
  const report = await wasCancelled('cancel-1');
  assert(report.cancelled, 'the handler was not cancelled');
  eq(report.reason, 'client cancelled', 'reason');
});

await test('an unknown method is UNIMPLEMENTED', async () => {
  const e = await new Promise(resolve => client.makeUnaryRequest('/numa.interop.Echo/Nope', x => x, x => x, Buffer.alloc(0),
    err => resolve(err)));
  eq(e && e.code, grpc.status.UNIMPLEMENTED, 'code');
});

await test('raw: an unknown method gets a Trailers-Only response', async () => {
  const r = await raw('/numa.interop.Echo/Nope', frame(EchoRequest.hi));
  eq(r.status, 200, ':status');
  eq(r.headers['grpc-status'], '12', 'grpc-status in the headers');
  eq(r.body.length, 0, 'body');
});

await test('raw: a non-gRPC content-type gets HTTP 415', async () => {
  const r = await raw('/numa.interop.Echo/Unary', frame(EchoRequest.hi), { 'content-type': 'application/json' });
  eq(r.status, 415, ':status');
});

for (const [name, body, headers, status] of [
  ['a truncated message', frame(EchoRequest.hi).subarray(0, 7), {}, '13'],
  ['a truncated prefix', Buffer.from([0, 0, 0]), {}, '13'],
  ['a length prefix past the receive limit', frame(EchoRequest.hi, 0, 0x7fffffff), {}, '8'],
  ['Compressed-Flag 1 without grpc-encoding', frame(EchoRequest.hi, 1), {}, '13'],
  ['a gzip-compressed message', frame(EchoRequest.hi, 1), { 'grpc-encoding': 'gzip' }, '12'],
  ['Compressed-Flag 9', frame(EchoRequest.hi, 9), {}, '13'],
  ['a body that is not protobuf', frame(Buffer.from([0xff, 0xff, 0xff, 0xff])), {}, '13'],
  ['two messages to a unary method', Buffer.concat([frame(EchoRequest.hi), frame(EchoRequest.hi)]), {}, '13'],
  ['a malformed grpc-timeout', frame(EchoRequest.hi), { 'grpc-timeout': '12345678901S' }, '13'],
]) {
  await test(`raw: ${name} ends the call with grpc-status ${status}`, async () => {
    const r = await raw('/numa.interop.Echo/Unary', body, headers);
    eq(grpcStatus(r), status, `grpc-status (${decodeURIComponent(r.trailers['grpc-message'] ?? r.headers['grpc-message'] ?? '')})`);
  });
}

await test('raw: a grpc-timeout in nanoseconds is honoured by the server itself', async () => {
  const sleep = Buffer.from([0x20, 0xb0, 0xea, 0x01]); // sleep_ms = 30000
  const r = await raw('/numa.interop.Echo/Unary', frame(sleep), { 'grpc-timeout': '50000000n' });
  eq(grpcStatus(r), '4', 'grpc-status');
});

await test('garbage bytes instead of the HTTP/2 preface: the server closes the connection', async () => {
  await garbage(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n' + '\x00\xff'.repeat(100), 'latin1'));
});

await test('garbage HTTP/2 frames after a valid preface: the server closes the connection', async () => {
  const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
  const settings = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
  const dataOnStreamZero = Buffer.from([0, 0, 4, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]); // DATA on stream 0: PROTOCOL_ERROR
  await garbage(Buffer.concat([preface, settings, dataOnStreamZero]));
});

await test('after all the malformed input the server still serves every call shape', async () => {
  eq((await unary({ message: 'still here' })).message, 'still here', 'unary');
  const { messages, error } = await collect(client.serverStream({ count: 5 }));
  eq(error, null, 'stream error');
  eq(messages.length, 5, 'stream count');
});

client.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
