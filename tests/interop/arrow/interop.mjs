// Arrow IPC interop, apache-arrow (JS) side.
//   node interop.mjs check-ours DIR    reads ours.arrows / ours.arrow (written by Numa.Arrow) with apache-arrow and
//                                      compares them with ours.json
//   node interop.mjs write-theirs DIR  writes theirs.arrows / theirs.arrow with apache-arrow, and theirs.json
// Both sides describe data in the same canonical JSON (see ArrowInterop/CanonicalJson.cs). Prints "PASS name" or
// "FAIL name: why" per check; exits 1 when a check failed.
import fs from 'node:fs';
import path from 'node:path';
import * as arrow from 'apache-arrow';

const [command, dir] = process.argv.slice(2);
let failures = 0;

function check(name, fn) {
  let problem;
  try { problem = fn(); } catch (e) { problem = `${e.name}: ${e.message}`; }
  if (problem == null) console.log(`PASS ${name}`);
  else { failures++; console.log(`FAIL ${name}: ${problem}`); }
}

const unitName = { [arrow.TimeUnit.SECOND]: 's', [arrow.TimeUnit.MILLISECOND]: 'ms', [arrow.TimeUnit.MICROSECOND]: 'us', [arrow.TimeUnit.NANOSECOND]: 'ns' };

function typeName(t) {
  if (arrow.DataType.isInt(t)) {
    if (t.bitWidth === 32 && t.isSigned) return 'Int32';
    if (t.bitWidth === 64) return t.isSigned ? 'Int64' : 'UInt64';
  }
  if (arrow.DataType.isFloat(t)) return t.precision === arrow.Precision.SINGLE ? 'Float32' : t.precision === arrow.Precision.DOUBLE ? 'Float64' : 'Float16';
  if (arrow.DataType.isBool(t)) return 'Bool';
  if (arrow.DataType.isUtf8(t)) return 'Utf8';
  if (arrow.DataType.isBinary(t)) return 'Binary';
  if (arrow.DataType.isTimestamp(t)) return t.timezone ? `Timestamp(${unitName[t.unit]},${t.timezone})` : `Timestamp(${unitName[t.unit]})`;
  const item = (f) => typeName(f.type) + (f.nullable ? '' : ' not null');
  if (arrow.DataType.isFixedSizeList(t)) return `FixedSizeList[${t.listSize}]<${item(t.children[0])}>`;
  if (arrow.DataType.isList(t)) return `List<${item(t.children[0])}>`;
  return `unsupported ${t}`;
}

const hex = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

// One value of a vector in canonical form.
function canon(vector, i, type) {
  if (!vector.isValid(i)) return null;
  if (arrow.DataType.isTimestamp(type)) {
    // get() converts to milliseconds (a float); the raw int64 keeps every nanosecond.
    const data = vector.data[0];
    return BigInt.asIntN(64, BigInt(data.values[data.offset + i])).toString();
  }
  const v = vector.get(i);
  if (arrow.DataType.isInt(type)) return v.toString();
  if (arrow.DataType.isBinary(type)) return hex(v);
  if (arrow.DataType.isFixedSizeList(type) || arrow.DataType.isList(type)) {
    const itemType = type.children[0].type;
    return Array.from({ length: v.length }, (_, k) => canon(v, k, itemType));
  }
  return v;
}

function describe(table) {
  const pairs = (m) => [...(m ?? new Map())];
  return {
    metadata: pairs(table.schema.metadata),
    fields: table.schema.fields.map((f) => ({ name: f.name, type: typeName(f.type), nullable: f.nullable, metadata: pairs(f.metadata) })),
    batches: table.batches.map((b) => ({
      length: b.numRows,
      columns: table.schema.fields.map((f, j) => Array.from({ length: b.numRows }, (_, i) => canon(b.getChildAt(j), i, f.type))),
    })),
  };
}

// The first difference between two canonical descriptions, or null.
function diff(expected, actual, at = '$') {
  if (expected === null || typeof expected !== 'object') {
    return Object.is(expected, actual) || expected === actual ? null : `${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${at}: expected an array, got ${JSON.stringify(actual)}`;
    if (actual.length !== expected.length) return `${at}: ${actual.length} items, expected ${expected.length}`;
    for (let i = 0; i < expected.length; i++) { const d = diff(expected[i], actual[i], `${at}[${i}]`); if (d) return d; }
    return null;
  }
  if (actual === null || typeof actual !== 'object') return `${at}: expected an object, got ${JSON.stringify(actual)}`;
  for (const k of Object.keys(expected)) { const d = diff(expected[k], actual[k], `${at}.${k}`); if (d) return d; }
  return null;
}

if (command === 'check-ours') {
  const expected = JSON.parse(fs.readFileSync(path.join(dir, 'ours.json'), 'utf8'));
  for (const [file, format] of [['ours.arrows', 'stream'], ['ours.arrow', 'file']]) {
    check(`apache-arrow reads Numa.Arrow ${format} (tableFromIPC)`, () => diff(expected, describe(arrow.tableFromIPC(fs.readFileSync(path.join(dir, file))))));
    check(`apache-arrow reads Numa.Arrow ${format} batch by batch (RecordBatchReader)`, () => {
      const reader = arrow.RecordBatchReader.from(fs.readFileSync(path.join(dir, file)));
      const batches = [...reader];
      if (format === 'file' && !reader.isFile()) return 'not recognised as an IPC file';
      return diff(expected, describe(new arrow.Table(batches)));
    });
  }
} else if (command === 'write-theirs') {
  const { table, expected } = theirs();
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'theirs.arrows'), arrow.tableToIPC(table, 'stream'));
  fs.writeFileSync(path.join(dir, 'theirs.arrow'), arrow.tableToIPC(table, 'file'));
  fs.writeFileSync(path.join(dir, 'theirs.json'), JSON.stringify(expected, null, 1));
  check('apache-arrow writes what it was given (self-check of the JS fixture)', () => diff(expected, describe(arrow.tableFromIPC(arrow.tableToIPC(table, 'stream')))));
} else {
  console.error('usage: node interop.mjs check-ours|write-theirs DIR');
  process.exit(2);
}
process.exit(failures === 0 ? 0 : 1);

// apache-arrow's data: every supported type, nulls (also inside lists), metadata, three batches of 5, 1 and 6 rows.
function theirs() {
  const vectorType = new arrow.FixedSizeList(3, new arrow.Field('item', new arrow.Float32(), false));
  const listType = new arrow.List(new arrow.Field('item', new arrow.Float32(), true));
  const fields = [
    new arrow.Field('i32', new arrow.Int32(), true),
    new arrow.Field('i64', new arrow.Int64(), false),
    new arrow.Field('u64', new arrow.Uint64(), true),
    new arrow.Field('f32', new arrow.Float32(), true),
    new arrow.Field('f64', new arrow.Float64(), true),
    new arrow.Field('flag', new arrow.Bool(), true),
    new arrow.Field('name', new arrow.Utf8(), true),
    new arrow.Field('blob', new arrow.Binary(), true),
    new arrow.Field('ts', new arrow.TimestampNanosecond('Europe/Paris'), true),
    new arrow.Field('ts_naive', new arrow.TimestampNanosecond(), false),
    new arrow.Field('vector', vectorType, true, new Map([['dim', '3']])),
    new arrow.Field('list', listType, true),
  ];
  const schema = new arrow.Schema(fields, new Map([['source', 'apache-arrow'], ['version', '21.2.0']]));
  const columns = {
    i32: (g) => (g % 3 === 1 ? null : g * 3 - 7),
    i64: (g) => BigInt(g) * 123456789012345n - 5n,
    u64: (g) => (g % 4 === 0 ? null : (1n << 63n) + BigInt(g)),
    f32: (g) => (g % 5 === 2 ? null : g / 4),
    f64: (g) => g * 1.5e-7,
    flag: (g) => (g % 4 === 3 ? null : g % 2 === 0),
    name: (g) => (g % 5 === 4 ? null : g === 2 ? '' : `név-${g}-日本`),
    blob: (g) => (g % 4 === 1 ? null : Uint8Array.from([g, 255 - g].slice(0, g % 3))),
    ts: (g) => (g % 3 === 2 ? null : 1600000000000000000n + BigInt(g) * 7n),
    ts_naive: (g) => BigInt(g) * -1000000007n,
    vector: (g) => (g % 4 === 2 ? null : [g, g + 0.5, -g]),
    list: (g) => (g % 5 === 3 ? null : Array.from({ length: g % 3 }, (_, k) => (k === 1 ? null : g + k * 0.25))),
  };
  const canonValue = (name, v) => {
    if (v === null) return null;
    if (typeof v === 'bigint' || name === 'i32') return v.toString();
    if (v instanceof Uint8Array) return hex(v);
    return v;
  };
  const batches = [];
  const expectedBatches = [];
  let g0 = 0;
  for (const n of [5, 1, 6]) {
    const rows = Array.from({ length: n }, (_, i) => g0 + i);
    g0 += n;
    const children = fields.map((f) => {
      const values = rows.map(columns[f.name]);
      if (arrow.DataType.isTimestamp(f.type)) {
        // The timestamp builder takes milliseconds; build the int64 nanoseconds directly.
        const valid = values.map((v) => v !== null);
        const bitmap = new Uint8Array(Math.ceil(n / 8));
        valid.forEach((ok, i) => { if (ok) bitmap[i >> 3] |= 1 << (i & 7); });
        const nullCount = valid.filter((ok) => !ok).length;
        return arrow.makeData({ type: f.type, length: n, nullCount, nullBitmap: nullCount ? bitmap : null, data: BigInt64Array.from(values.map((v) => v ?? 0n)) });
      }
      return arrow.vectorFromArray(values, f.type).data[0];
    });
    batches.push(new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(fields), length: n, nullCount: 0, children })));
    expectedBatches.push({ length: n, columns: fields.map((f) => rows.map((g) => canonValue(f.name, columns[f.name](g)))) });
  }
  const expected = {
    metadata: [...schema.metadata],
    fields: fields.map((f) => ({ name: f.name, type: typeName(f.type), nullable: f.nullable, metadata: [...f.metadata] })),
    batches: expectedBatches,
  };
  return { table: new arrow.Table(batches), expected };
}
