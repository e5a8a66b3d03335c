// A Flight client assembled from independent parts — @grpc/grpc-js, Flight.proto through @grpc/proto-loader, and
// apache-arrow for the Arrow data — against Numa.Flight's data and meta servers: DoPut of an apache-arrow table, DoGet
// of a search and a scan, DoExchange, ListFlights, GetFlightInfo, GetSchema, DoAction, ListActions, Handshake, tokens;
// refused requests and malformed input (truncated IPC, lying lengths, wrong schema, oversized messages, garbage
// frames) must end with the right gRPC status while the server keeps serving with bounded memory.
// Usage: node client.mjs DATA META AUTHDATA AUTHMETA SERVERPID. Prints "ok NAME" / "FAIL NAME: why", then "N passed, N failed".
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import {
  Field, FixedSizeList, Float32, Int64, Table, TimestampNanosecond, Utf8, makeData, makeVector, tableFromIPC, tableToIPC,
  vectorFromArray,
} from 'apache-arrow';
import fs from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [dataPort, metaPort, authDataPort, authMetaPort, serverPid] = process.argv.slice(2).map(Number);
const here = path.dirname(fileURLToPath(import.meta.url));
const def = protoLoader.loadSync(path.join(here, '../../../src/Numa.Runtime/Flight/Flight.proto'),
  { keepCase: true, longs: String, enums: String, defaults: true });
const FlightService = grpc.loadPackageDefinition(def).arrow.flight.protocol.FlightService;
const channelOptions = { 'grpc.max_receive_message_length': 64 << 20, 'grpc.max_send_message_length': 64 << 20 };
const connect = p => new FlightService(`127.0.0.1:${p}`, grpc.credentials.createInsecure(), channelOptions);
const data = connect(dataPort), meta = connect(metaPort), authData = connect(authDataPort), authMeta = connect(authMetaPort);
const S = grpc.status;

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
function expectCode(error, code, what, detail) {
  assert(error, `${what}: expected status ${code}, the call succeeded`);
  eq(error.code, code, `${what} status (${error.details})`);
  if (detail) assert(error.details.includes(detail), `${what}: details "${error.details}" lack "${detail}"`);
}

// ---- Arrow IPC <-> FlightData, by the recipe of ENVIRONMENT.md ----------------------------------------------------
/** Message.bodyLength (Message.fbs field 3) read from a Message FlatBuffer: root table, vtable slot 3. */
function bodyLengthOf(h) {
  const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
  const table = dv.getUint32(0, true);
  const vtable = table - dv.getInt32(table, true);
  const slot = 4 + 2 * 3;
  if (slot >= dv.getUint16(vtable, true)) return 0;
  const at = dv.getUint16(vtable + slot, true);
  return at === 0 ? 0 : Number(dv.getBigInt64(table + at, true));
}
/** An IPC stream split into Flight's (data_header, data_body) pairs. */
function splitIpc(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = [];
  let pos = 0;
  while (pos + 4 <= bytes.length) {
    let len = dv.getInt32(pos, true); pos += 4;
    if (len === -1) { len = dv.getInt32(pos, true); pos += 4; }
    if (len === 0) break;
    const header = Buffer.from(bytes.subarray(pos, pos + len)); pos += len;
    const n = bodyLengthOf(header);
    out.push({ header, body: Buffer.from(bytes.subarray(pos, pos + n)) }); pos += n;
  }
  return out;
}
/** FlightData messages rebuilt into an IPC stream: 0xFFFFFFFF, int32 padded length, header, padding, body; EOS. */
function toIpc(messages) {
  const parts = [];
  for (const m of messages) {
    if (!m.data_header || m.data_header.length === 0) continue;
    const padded = (m.data_header.length + 7) & ~7;
    const prefix = Buffer.alloc(8);
    prefix.writeInt32LE(-1, 0);
    prefix.writeInt32LE(padded, 4);
    parts.push(prefix, m.data_header, Buffer.alloc(padded - m.data_header.length), m.data_body ?? Buffer.alloc(0));
  }
  parts.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
  return Buffer.concat(parts);
}
const path_ = name => ({ type: 'PATH', path: [name] });
/** FlightData for DoPut of `table` to `name`: descriptor with the schema message, then one message per batch. */
function putMessages(table, name) {
  return splitIpc(tableToIPC(table, 'stream')).map((m, i) =>
    ({ flight_descriptor: i === 0 ? path_(name) : null, data_header: m.header, data_body: m.body }));
}

// ---- calls ---------------------------------------------------------------------------------------------------------
function withToken(token) { const md = new grpc.Metadata(); if (token) md.set('authorization', `Bearer ${token}`); return md; }
function finish(call, map = x => x) {
  return new Promise(resolve => {
    const messages = [];
    let done = false;
    call.on('data', m => messages.push(map(m)));
    call.on('error', error => { if (!done) { done = true; resolve({ messages, error }); } });
    call.on('end', () => setImmediate(() => { if (!done) { done = true; resolve({ messages, error: null }); } }));
    call.on('status', s => { if (s.code !== 0 && !done) { done = true; resolve({ messages, error: s }); } });
  });
}
function doPut(client, messages, md = new grpc.Metadata()) {
  const call = client.DoPut(md);
  const result = finish(call, r => JSON.parse(r.app_metadata.toString()));
  for (const m of messages) call.write(m);
  call.end();
  return result;
}
const doGet = (client, ticket, md = new grpc.Metadata()) => finish(client.DoGet({ ticket: Buffer.from(ticket) }, md));
const doAction = (client, type, body, md = new grpc.Metadata()) =>
  finish(client.DoAction({ type, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body ?? {})) }, md),
    r => r.body);
const unary = (client, method, request, md = new grpc.Metadata()) =>
  new Promise(resolve => client[method](request, md, (error, response) => resolve({ error, response })));

// ---- the data ------------------------------------------------------------------------------------------------------
const dim = 16, rows = 3000;
let seed = 42;
const rand = () => {   // mulberry32: distinct, reproducible vectors
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const floats = Float32Array.from({ length: rows * dim }, rand);
function vectorTable(from, count, { column = 'vector', d = dim, values = floats } = {}) {
  const type = new FixedSizeList(d, new Field('item', new Float32(), false));
  const child = makeData({ type: new Float32(), length: count * d, data: values.subarray(from * d, (from + count) * d) });
  return new Table({
    id: makeVector(BigInt64Array.from({ length: count }, (_, i) => BigInt(from + i))),
    [column]: makeVector(makeData({ type, length: count, nullCount: 0, child })),
    metadata: vectorFromArray(Array.from({ length: count }, (_, i) => `{"n":${from + i}}`), new Utf8()),
    timestamp: makeVector(makeData({ type: new TimestampNanosecond(), length: count,
      data: BigInt64Array.from({ length: count }, (_, i) => stampOf(from + i)) })),
  });
}
// Nanoseconds past 2025-12-02T00:00:00Z, with odd low digits that a round trip through milliseconds would lose.
function stampOf(row) { return 1764633600000000000n + BigInt(row) * 1000000007n; }
// The int64 nanosecond counts of a timestamp column, read from its buffers (Vector.get converts to milliseconds).
function stampsOf(column) { return column.data.flatMap(d => Array.from(d.values.subarray(0, d.length))); }
const table = vectorTable(0, 1000).concat(vectorTable(1000, 2000));
const l2 = (q, i) => { let s = 0; for (let j = 0; j < dim; j++) { const d = q[j] - floats[i * dim + j]; s += d * d; } return Math.sqrt(s); };

// ---- tests ---------------------------------------------------------------------------------------------------------
await test('DoPut of an apache-arrow table (2 batches: id int64, vector FixedSizeList<float32>[16], metadata utf8, timestamp ns)', async () => {
  const messages = putMessages(table, 'interop');
  eq(messages.length, 3, 'schema + 2 batch messages');
  const { messages: results, error } = await doPut(data, messages);
  eq(error, null, 'error');
  const last = results.at(-1);
  eq(last.status, 'ok', 'status');
  eq(last.rows, rows, 'rows');
  eq(last.batches, 2, 'batches');
});

await test('DoGet of a search ticket: exact nearest ids and L2 scores as (id uint64, score float32)', async () => {
  const q = Array.from(floats.subarray(1234 * dim, 1235 * dim));
  const { messages, error } = await doGet(data, JSON.stringify({ search: { dataset: 'interop', vector: q, k: 10 } }));
  eq(error, null, 'error');
  const t = tableFromIPC(toIpc(messages));
  eq(t.schema.fields.map(f => `${f.name}:${f.type}`).join(','), 'id:Uint64,score:Float32', 'schema');
  const expected = Array.from({ length: rows }, (_, i) => [i, l2(q, i)]).sort((a, b) => a[1] - b[1]).slice(0, 10);
  const ids = Array.from(t.getChild('id').toArray(), Number);
  const scores = Array.from(t.getChild('score').toArray());
  eq(ids.join(','), expected.map(e => e[0]).join(','), 'ids');
  eq(ids[0], 1234, 'the query row itself first');
  for (let i = 0; i < 10; i++) assert(Math.abs(scores[i] - expected[i][1]) < 1e-4, `score ${i}: ${scores[i]} vs ${expected[i][1]}`);
});

await test('DoGet of the plain ticket scans the table back: ids, vectors, metadata and timestamps equal', async () => {
  const { messages, error } = await doGet(data, 'interop');
  eq(error, null, 'error');
  const t = tableFromIPC(toIpc(messages));
  eq(t.numRows, rows, 'rows');
  eq(t.schema.fields.map(f => f.name).join(','), 'id,vector,metadata,timestamp', 'columns');
  eq(String(t.schema.fields[3].type), 'Timestamp<NANOSECOND>', 'timestamp type');
  const stamps = stampsOf(t.getChild('timestamp'));
  eq(t.schema.fields[1].type.listSize, dim, 'listSize');
  const id = t.getChild('id'), vector = t.getChild('vector'), metadata = t.getChild('metadata');
  for (const i of [0, 999, 1000, 2999]) {
    eq(id.get(i), BigInt(i), `id ${i}`);
    eq(Array.from(vector.get(i)).join(','), Array.from(floats.subarray(i * dim, (i + 1) * dim)).join(','), `vector ${i}`);
    eq(metadata.get(i), `{"n":${i}}`, `metadata ${i}`);
    eq(stamps[i], stampOf(i), `timestamp ${i}`);
  }
});

await test('DoGet of a JSON scan ticket with filters and a limit', async () => {
  const ticket = { name: 'interop', limit: 5, filters: [{ field: 'id', operator: '>=', value: '2500' }] };
  const { messages, error } = await doGet(meta, JSON.stringify(ticket));
  eq(error, null, 'error');
  const t = tableFromIPC(toIpc(messages));
  eq(Array.from(t.getChild('id').toArray(), Number).join(','), '2500,2501,2502,2503,2504', 'ids');
});

await test('ListFlights lists the collection with total_records and a ticket that scans it', async () => {
  const { messages, error } = await finish(meta.ListFlights({ expression: Buffer.alloc(0) }));
  eq(error, null, 'error');
  const info = messages.find(f => f.flight_descriptor.path[0] === 'interop');
  assert(info, `no flight 'interop' in ${JSON.stringify(messages.map(f => f.flight_descriptor.path))}`);
  eq(info.flight_descriptor.type, 'PATH', 'descriptor type');
  eq(info.total_records, String(rows), 'total_records');
  eq(info.endpoint[0].ticket.ticket.toString(), 'interop', 'ticket');
  const filtered = await finish(meta.ListFlights({ expression: Buffer.from(JSON.stringify(
    { filters: [{ field: 'name', operator: 'contains', value: 'zzz' }] })) }));
  eq(filtered.messages.length, 0, 'filtered out');
});

await test('GetFlightInfo and GetSchema carry a schema apache-arrow reads', async () => {
  const { error, response } = await unary(meta, 'GetFlightInfo', path_('interop'));
  eq(error, null, 'GetFlightInfo error');
  eq(response.total_records, String(rows), 'total_records');
  const fromInfo = tableFromIPC(Buffer.concat([response.schema, Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])])).schema;
  eq(fromInfo.fields.map(f => f.name).join(','), 'id,vector,metadata,timestamp', 'FlightInfo.schema');
  const schema = await unary(meta, 'GetSchema', path_('interop'));
  eq(schema.error, null, 'GetSchema error');
  const fromSchema = tableFromIPC(Buffer.concat([schema.response.schema, Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])])).schema;
  eq(String(fromSchema.fields[1].type), String(table.schema.fields[1].type), 'vector type');
});

await test('DoAction: CreateNamespace, ListNamespaces, VectorSearch (Arrow IPC result), delete, GetGraphStats, ForceSnapshot, DeleteNamespace', async () => {
  let r = await doAction(meta, 'CreateNamespace', { name: 'scratch' });
  eq(r.error, null, 'CreateNamespace');
  eq(JSON.parse(r.messages[0]).status, 'created', 'created');
  r = await doAction(meta, 'ListNamespaces');
  const listed = JSON.parse(r.messages[0]);
  assert(listed.namespaces.includes('scratch') && listed.namespaces.includes('interop'), `namespaces ${listed.namespaces}`);
  const q = Array.from(floats.subarray(77 * dim, 78 * dim));
  r = await doAction(meta, 'VectorSearch', { dataset: 'interop', vector: q, k: 3 });
  eq(r.error, null, 'VectorSearch');
  eq(Number(tableFromIPC(r.messages[0]).getChild('id').get(0)), 77, 'VectorSearch nearest');
  r = await doAction(data, 'delete', { dataset: 'interop', id: '77' });
  eq(JSON.parse(r.messages[0]).status, 'deleted', 'delete');
  const after = await doGet(data, JSON.stringify({ search: { dataset: 'interop', vector: q, k: 3 } }));
  assert(!Array.from(tableFromIPC(toIpc(after.messages)).getChild('id').toArray(), Number).includes(77), 'deleted row still found');
  r = await doAction(meta, 'GetGraphStats', { dataset: 'interop' });
  eq(JSON.parse(r.messages[0]).rows, rows - 1, 'stats rows');
  r = await doAction(meta, 'ForceSnapshot');
  eq(JSON.parse(r.messages[0]).status, 'ok', 'ForceSnapshot');
  r = await doAction(meta, 'DeleteNamespace', { name: 'scratch' });
  eq(JSON.parse(r.messages[0]).status, 'deleted', 'DeleteNamespace');
  r = await unary(meta, 'GetFlightInfo', path_('scratch'));
  expectCode(r.error, S.NOT_FOUND, 'GetFlightInfo after DeleteNamespace');
});

await test('DoExchange: query batches in, (query, id, score) batches out, k from app_metadata', async () => {
  const queries = splitIpc(tableToIPC(vectorTable(100, 2), 'stream'));
  const call = data.DoExchange();
  const done = finish(call);
  call.write({ flight_descriptor: path_('interop'), data_header: queries[0].header, app_metadata: Buffer.from('{"k":3}') });
  call.write({ data_header: queries[1].header, data_body: queries[1].body });
  call.end();
  const { messages, error } = await done;
  eq(error, null, 'error');
  const t = tableFromIPC(toIpc(messages));
  eq(Array.from(t.getChild('query').toArray()).join(','), '0,0,0,1,1,1', 'query column');
  const ids = Array.from(t.getChild('id').toArray(), Number);
  eq(ids[0], 100, 'nearest to query 0');
  eq(ids[3], 101, 'nearest to query 1');
});

await test('ListActions lists the seven action types', async () => {
  const { messages, error } = await finish(meta.ListActions({}));
  eq(error, null, 'error');
  eq(messages.map(a => a.type).join(','), 'CreateNamespace,DeleteNamespace,ListNamespaces,VectorSearch,delete,GetGraphStats,ForceSnapshot', 'types');
});

await test('bearer token: missing or wrong → UNAUTHENTICATED; Handshake returns it; calls with it succeed', async () => {
  expectCode((await finish(authMeta.ListActions({}))).error, S.UNAUTHENTICATED, 'no token', 'authorization');
  expectCode((await finish(authMeta.ListActions({}, withToken('nope')))).error, S.UNAUTHENTICATED, 'wrong token');
  const hs = authMeta.Handshake();
  const shaken = finish(hs);
  hs.write({ protocol_version: 0, payload: Buffer.from('interop-token') });
  hs.end();
  const { messages, error } = await shaken;
  eq(error, null, 'handshake error');
  eq(messages[0].payload.toString(), 'interop-token', 'handshake payload');
  eq((await finish(authMeta.ListActions({}, withToken('interop-token')))).messages.length, 7, 'actions with token');
  const put = await doPut(authData, putMessages(vectorTable(0, 10), 'guarded'), withToken('interop-token'));
  eq(put.error, null, 'DoPut with token');
  expectCode((await doPut(authData, putMessages(vectorTable(0, 10), 'guarded'))).error, S.UNAUTHENTICATED, 'DoPut without token');
});

await test('refused requests: NOT_FOUND, INVALID_ARGUMENT (dimension, ticket JSON, k, schema, path), UNIMPLEMENTED', async () => {
  expectCode((await doGet(data, JSON.stringify({ search: { dataset: 'nope', vector: [1], k: 1 } }))).error, S.NOT_FOUND, 'unknown collection', "'nope'");
  expectCode((await unary(meta, 'GetFlightInfo', path_('nope'))).error, S.NOT_FOUND, 'GetFlightInfo unknown');
  expectCode((await doGet(data, JSON.stringify({ search: { dataset: 'interop', vector: [1, 2, 3], k: 1 } }))).error,
    S.INVALID_ARGUMENT, 'dimension', 'dimension mismatch: expected 16, got 3');
  expectCode((await doGet(data, '{"search": {"dataset": "interop", ')).error, S.INVALID_ARGUMENT, 'bad JSON', 'not valid JSON');
  expectCode((await doGet(data, JSON.stringify({ search: { dataset: 'interop', vector: Array(dim).fill(0), k: 0 } }))).error,
    S.INVALID_ARGUMENT, 'k = 0', 'k must be at least 1');
  expectCode((await doPut(data, putMessages(vectorTable(0, 10, { column: 'embedding' }), 'interop'))).error,
    S.INVALID_ARGUMENT, 'wrong schema', "'embedding'");
  const eight = Float32Array.from({ length: 80 }, rand);
  expectCode((await doPut(data, putMessages(vectorTable(0, 10, { d: 8, values: eight }), 'interop'))).error,
    S.INVALID_ARGUMENT, 'wrong dimension', 'dimension mismatch: expected 16, got 8');
  const noPath = putMessages(vectorTable(0, 10), 'x');
  noPath[0].flight_descriptor = { type: 'CMD', cmd: Buffer.from('x') };
  expectCode((await doPut(data, noPath)).error, S.INVALID_ARGUMENT, 'no path', 'missing flight descriptor path');
  expectCode((await doPut(meta, putMessages(vectorTable(0, 10), 'interop'))).error, S.UNIMPLEMENTED, 'DoPut on the meta server', 'data server');
  expectCode((await doAction(meta, 'Frobnicate')).error, S.UNIMPLEMENTED, 'unknown action', 'Frobnicate');
  expectCode((await doAction(meta, 'CreateNamespace', '{not json')).error, S.INVALID_ARGUMENT, 'action body', 'not valid JSON');
});

// ---- malformed input -------------------------------------------------------------------------------------------------
const good = putMessages(vectorTable(0, 50), 'malformed');
await test('malformed: a truncated IPC header → INVALID_ARGUMENT', async () => {
  const m = good.map(x => ({ ...x }));
  m[1].data_header = m[1].data_header.subarray(0, m[1].data_header.length >> 1);
  expectCode((await doPut(data, m)).error, S.INVALID_ARGUMENT, 'truncated header', 'FlightData message 2');
});
await test('malformed: a body shorter than the header declares (lying length) → INVALID_ARGUMENT', async () => {
  const m = good.map(x => ({ ...x }));
  m[1].data_body = m[1].data_body.subarray(0, 64);
  expectCode((await doPut(data, m)).error, S.INVALID_ARGUMENT, 'short body', 'bodyLength');
});
await test('malformed: a header whose buffer lengths point past the body → INVALID_ARGUMENT', async () => {
  const m = good.map(x => ({ ...x }));
  // Drop the body entirely and declare none: the batch's buffers now lie outside it.
  m[1].data_body = Buffer.alloc(0);
  expectCode((await doPut(data, m)).error, S.INVALID_ARGUMENT, 'buffers past the body');
});
await test('malformed: garbage bytes as data_header → INVALID_ARGUMENT', async () => {
  const m = good.map(x => ({ ...x }));
  m[1].data_header = Buffer.from(Array.from({ length: 256 }, () => Math.floor(rand() * 256)));
  expectCode((await doPut(data, m)).error, S.INVALID_ARGUMENT, 'garbage header');
  m[0].data_header = Buffer.from('not a flatbuffer at all');
  expectCode((await doPut(data, m)).error, S.INVALID_ARGUMENT, 'garbage schema');
});
await test('malformed: a record batch where the schema should be → INVALID_ARGUMENT', async () => {
  const m = [{ ...good[1], flight_descriptor: path_('malformed') }];
  expectCode((await doPut(data, m)).error, S.INVALID_ARGUMENT, 'batch first', 'Expected a Schema message');
});
await test('malformed: a FlightData over the 4 MiB receive limit → RESOURCE_EXHAUSTED', async () => {
  const big = good.map(x => ({ ...x }));
  big[1].data_body = Buffer.alloc(5 * 1024 * 1024);
  expectCode((await doPut(data, big)).error, S.RESOURCE_EXHAUSTED, 'oversized');
});

/** One raw HTTP/2 DoPut with `body` as the request bytes. */
function rawDoPut(body) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${dataPort}`);
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': '/arrow.flight.protocol.FlightService/DoPut',
      'content-type': 'application/grpc', te: 'trailers' });
    const out = { headers: {}, trailers: {} };
    req.on('response', h => { out.headers = h; });
    req.on('trailers', t => { out.trailers = t; });
    req.on('data', () => {});
    req.on('end', () => { session.close(); resolve(out.trailers['grpc-status'] ?? out.headers['grpc-status']); });
    req.on('error', e => { session.close(); reject(e); });
    req.end(body);
  });
}
function frame(payload, length = payload.length) {
  const b = Buffer.alloc(5 + payload.length);
  b.writeUInt32BE(length, 1);
  payload.copy(b, 5);
  return b;
}
await test('malformed: FlightData that is not protobuf (truncated field, bad wire type) → INTERNAL', async () => {
  eq(await rawDoPut(frame(Buffer.from([0xc2, 0x3e, 0xff, 0xff, 0x03, 1, 2, 3]))), '13', 'data_body longer than the message');
  eq(await rawDoPut(frame(Buffer.from([0x0f, 0x01]))), '13', 'wire type 7');
});
await test('malformed: gRPC length prefixes that lie (1 GiB declared, 20 times) → RESOURCE_EXHAUSTED, nothing buffered', async () => {
  for (let i = 0; i < 20; i++) eq(await rawDoPut(frame(Buffer.from([1, 2, 3]), 0x40000000)), '8', `attempt ${i}`);
  eq(await rawDoPut(frame(Buffer.from([0x12, 0x10, 1, 2]), 5).subarray(0, 8)), '13', 'stream ends inside a message');
});
function garbage(bytes) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(dataPort, '127.0.0.1', () => socket.write(bytes));
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('the server did not close the connection within 10 s')); }, 10000);
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => { clearTimeout(timer); resolve(); });
  });
}
await test('malformed: garbage bytes and garbage HTTP/2 frames → the server closes that connection', async () => {
  await garbage(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n' + '\x00\xff'.repeat(100), 'latin1'));
  const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
  await garbage(Buffer.concat([preface, Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]), Buffer.from([0, 0, 4, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4])]));
});
await test('after all the malformed input the server still serves, nothing half-applied, memory bounded', async () => {
  const { response, error } = await unary(meta, 'GetFlightInfo', path_('interop'));
  eq(error, null, 'GetFlightInfo');
  eq(response.total_records, String(rows - 1), 'interop rows unchanged');
  const m = await unary(meta, 'GetFlightInfo', path_('malformed'));
  // Every malformed put failed on its first batch, so the collection exists (its schema was valid) but holds no rows.
  eq(m.response?.total_records, '0', 'malformed rows');
  const { messages } = await doGet(data, JSON.stringify({ search: { dataset: 'interop', vector: Array.from(floats.subarray(5 * dim, 6 * dim)), k: 1 } }));
  eq(Number(tableFromIPC(toIpc(messages)).getChild('id').get(0)), 5, 'search');
  if (serverPid) {
    const status = fs.readFileSync(`/proc/${serverPid}/status`, 'utf8');
    const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) / 1024;
    console.log(`server peak RSS ${hwm.toFixed(0)} MiB`);
    assert(hwm < 1024, `peak RSS ${hwm.toFixed(0)} MiB (20 × 1 GiB declared lengths must not be buffered)`);
  }
});

for (const c of [data, meta, authData, authMeta]) c.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
