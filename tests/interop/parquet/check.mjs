// Checks Numa's Parquet files with two independent readers, DuckDB (@duckdb/node-api) and hyparquet, and has
// DuckDB write files of the same schema for Numa to read. Prints "ok NAME" or "FAIL NAME: why" per check.
//   node check.mjs DIR ROWS DIM ROWGROUP
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import * as expected from './expected.mjs';

const [dir, rowsArg, dimArg, rowGroupArg] = process.argv.slice(2);
const rows = Number(rowsArg), dim = Number(dimArg), rowGroup = Number(rowGroupArg);
const codecs = ['uncompressed', 'snappy', 'gzip'];
const samples = expected.sampleRows(rows, rowGroup);
let failures = 0;

function report(name, problem) {
  if (problem) { failures++; console.log(`FAIL ${name}: ${problem}`); } else console.log(`ok ${name}`);
}
async function check(name, fn) {
  try { report(name, await fn()); } catch (e) { report(name, `threw ${e.stack ?? e}`); }
}
const sameVector = (actual, i) => {
  const want = expected.vector(i, dim);
  if (!actual || actual.length !== dim) return `row ${i}: vector has ${actual?.length} elements, expected ${dim}`;
  for (let j = 0; j < dim; j++) if (Number(actual[j]) !== want[j]) return `row ${i}: vector[${j}] = ${actual[j]}, expected ${want[j]}`;
  return null;
};

let expectedSum = 0n, expectedNulls = 0;
for (let i = 0; i < rows; i++) { expectedSum += expected.id(i); if (expected.metadata(i) === null) expectedNulls++; }

const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const q = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson();

for (const codec of codecs) {
  const file = `${dir}/numa-${codec}.parquet`;
  const src = `read_parquet('${file}')`;

  await check(`duckdb ${codec}: parquet_schema`, async () => {
    const s = await q(`SELECT name, type, repetition_type, converted_type, logical_type FROM parquet_schema('${file}')`);
    const got = s.map((r) => [r.name, r.type, r.repetition_type, r.converted_type, r.logical_type ?? null].join('|'));
    const want = [
      'schema||||', 'id|INT64|REQUIRED||', 'vector||REQUIRED|LIST|ListType()', 'list||REPEATED||', 'element|FLOAT|REQUIRED||',
      'metadata|BYTE_ARRAY|OPTIONAL|UTF8|StringType()',
      'timestamp|INT64|REQUIRED||TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=<null>, MICROS=<null>, NANOS=NanoSeconds()))',
    ];
    return JSON.stringify(got) === JSON.stringify(want) ? null : `schema ${JSON.stringify(got)}`;
  });
  await check(`duckdb ${codec}: DESCRIBE types`, async () => {
    const d = await q(`DESCRIBE SELECT * FROM ${src}`);
    const got = d.map((r) => `${r.column_name} ${r.column_type}`).join(', ');
    return got === 'id BIGINT, vector FLOAT[], metadata VARCHAR, timestamp TIMESTAMP WITH TIME ZONE' ? null : got;
  });
  await check(`duckdb ${codec}: parquet_metadata (row groups, codec, id statistics, created_by)`, async () => {
    const m = await q(`SELECT row_group_id, row_group_num_rows, path_in_schema, compression, stats_min_value, stats_max_value
                       FROM parquet_metadata('${file}') ORDER BY row_group_id, column_id`);
    const groups = Math.ceil(rows / rowGroup);
    if (m.length !== groups * 4) return `${m.length} column chunks, expected ${groups * 4}`;
    for (const r of m) {
      if (r.compression !== codec.toUpperCase()) return `row group ${r.row_group_id} ${r.path_in_schema}: compression ${r.compression}`;
      const g = Number(r.row_group_id);
      const n = Math.min(rowGroup, rows - g * rowGroup);
      if (Number(r.row_group_num_rows) !== n) return `row group ${g}: ${r.row_group_num_rows} rows, expected ${n}`;
      if (r.path_in_schema === 'id') {
        const lo = expected.id(g * rowGroup), hi = expected.id(g * rowGroup + n - 1);
        if (BigInt(r.stats_min_value) !== lo || BigInt(r.stats_max_value) !== hi)
          return `row group ${g}: id statistics ${r.stats_min_value}..${r.stats_max_value}, expected ${lo}..${hi}`;
      }
    }
    const [f] = await q(`SELECT created_by, num_rows FROM parquet_file_metadata('${file}')`);
    if (!String(f.created_by).startsWith('numa version ')) return `created_by '${f.created_by}'`;
    return Number(f.num_rows) === rows ? null : `num_rows ${f.num_rows}`;
  });
  await check(`duckdb ${codec}: count(*), sum(id), nulls`, async () => {
    const [r] = await q(`SELECT count(*) AS n, sum(id) AS s, count(*) FILTER (WHERE metadata IS NULL) AS nulls,
                                count(*) FILTER (WHERE len(vector) <> ${dim}) AS bad FROM ${src}`);
    if (Number(r.n) !== rows) return `count ${r.n}, expected ${rows}`;
    if (BigInt(r.s) !== expectedSum) return `sum(id) ${r.s}, expected ${expectedSum}`;
    if (Number(r.nulls) !== expectedNulls) return `${r.nulls} null metadata, expected ${expectedNulls}`;
    return Number(r.bad) === 0 ? null : `${r.bad} vectors without ${dim} elements`;
  });
  await check(`duckdb ${codec}: sample rows equal (vector, metadata, timestamp)`, async () => {
    const got = await q(`SELECT row_number() OVER () - 1 AS i, id, vector, metadata, epoch_us(timestamp) AS us FROM ${src}`);
    for (const i of samples) {
      const r = got[i];
      if (BigInt(r.id) !== expected.id(i)) return `row ${i}: id ${r.id}`;
      const v = sameVector(r.vector, i);
      if (v) return v;
      if (r.metadata !== expected.metadata(i)) return `row ${i}: metadata ${r.metadata}, expected ${expected.metadata(i)}`;
      // DuckDB reads TIMESTAMP(NANOS, isAdjustedToUTC) as TIMESTAMPTZ, whose resolution is a microsecond.
      if (BigInt(r.us) !== expected.timestampNs(i) / 1000n) return `row ${i}: timestamp ${r.us} us, expected ${expected.timestampNs(i) / 1000n}`;
    }
    return null;
  });
  await check(`hyparquet ${codec}: metadata and rows`, async () => {
    const asyncBuffer = await asyncBufferFromFile(file);
    const meta = await parquetMetadataAsync(asyncBuffer);
    if (Number(meta.num_rows) !== rows) return `num_rows ${meta.num_rows}`;
    if (meta.row_groups.length !== Math.ceil(rows / rowGroup)) return `${meta.row_groups.length} row groups`;
    const objects = await parquetReadObjects({ file: asyncBuffer, compressors });
    if (objects.length !== rows) return `${objects.length} rows`;
    let sum = 0n, nulls = 0;
    for (const o of objects) { sum += BigInt(o.id); if (o.metadata === null || o.metadata === undefined) nulls++; }
    if (sum !== expectedSum) return `sum(id) ${sum}`;
    if (nulls !== expectedNulls) return `${nulls} null metadata, expected ${expectedNulls}`;
    for (const i of samples) {
      const o = objects[i];
      const v = sameVector(o.vector, i);
      if (v) return v;
      if ((o.metadata ?? null) !== expected.metadata(i)) return `row ${i}: metadata ${o.metadata}`;
      const ns = typeof o.timestamp === 'bigint' ? o.timestamp : BigInt(o.timestamp.getTime()) * 1000000n;
      const want = typeof o.timestamp === 'bigint' ? expected.timestampNs(i) : expected.timestampNs(i) / 1000000n * 1000000n;
      if (ns !== want) return `row ${i}: timestamp ${ns}, expected ${want}`;
    }
    return null;
  });
}

// DuckDB writes the same rows with its own writer, one file per codec, for ParquetInterop to read back.
await con.run(`CREATE TABLE rows AS ${expected.duckdbRowsSql(rows, dim)}`);
for (const codec of codecs) {
  await check(`duckdb writes duckdb-${codec}.parquet`, async () => {
    await con.run(`COPY rows TO '${dir}/duckdb-${codec}.parquet' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE ${rowGroup})`);
    const [r] = await q(`SELECT count(*) AS n FROM read_parquet('${dir}/duckdb-${codec}.parquet')`);
    return Number(r.n) === rows ? null : `count ${r.n}`;
  });
}
await con.run(`CREATE TABLE low AS ${expected.duckdbRowsSql(rows, dim, true)}`);
await check('duckdb writes duckdb-dictionary.parquet (dictionary pages)', async () => {
  const file = `${dir}/duckdb-dictionary.parquet`;
  await con.run(`COPY low TO '${file}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${rowGroup})`);
  const m = await q(`SELECT DISTINCT path_in_schema, encodings FROM parquet_metadata('${file}') WHERE dictionary_page_offset IS NOT NULL`);
  const paths = m.map((r) => r.path_in_schema).sort().join('; ');
  return paths === 'metadata; vector, list, element' ? null : `dictionary pages in: ${paths || 'none'}`;
});
// Files of the schema that break its rules (a null id; vectors of other lengths, 20 floats for 10 rows in all; a null element): Numa's reader must refuse them.
for (const [name, sql] of [
  ['null-id', `SELECT CASE WHEN i = 5 THEN NULL ELSE i END::BIGINT AS id, [1.0, 2.0]::FLOAT[] AS vector, NULL::VARCHAR AS metadata,
                      make_timestamp_ns(i) AS timestamp FROM range(10) r(i)`],
  ['ragged', `SELECT i::BIGINT AS id, CASE WHEN i = 7 THEN [1.0]::FLOAT[] WHEN i = 8 THEN [1.0, 2.0, 3.0]::FLOAT[] ELSE [1.0, 2.0]::FLOAT[] END AS vector, NULL::VARCHAR AS metadata,
                     make_timestamp_ns(i) AS timestamp FROM range(10) r(i)`],
  ['null-element', `SELECT i::BIGINT AS id, CASE WHEN i = 3 THEN [1.0, NULL]::FLOAT[] ELSE [1.0, 2.0]::FLOAT[] END AS vector,
                          NULL::VARCHAR AS metadata, make_timestamp_ns(i) AS timestamp FROM range(10) r(i)`],
]) {
  await check(`duckdb writes duckdb-${name}.parquet`, async () => {
    await con.run(`COPY (${sql}) TO '${dir}/duckdb-${name}.parquet' (FORMAT parquet)`);
    return null;
  });
}
process.exitCode = failures === 0 ? 0 : 1;
