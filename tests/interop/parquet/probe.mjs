import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const q = async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJson();
const dim = 24, rows = 10007;
await c.run(`CREATE TABLE t AS SELECT (1000 + 7 * i)::BIGINT AS id,
  list_transform(range(${dim}), j -> (((i * ${dim} + j) % 1000) / 8 - 50)::FLOAT) AS vector,
  CASE WHEN i % 3 = 0 THEN NULL ELSE '{"row":' || i || ',"tag":"ü-' || (i % 17) || '"}' END AS metadata,
  make_timestamp_ns(1700000000123456789 + 1000003 * i) AS timestamp
  FROM range(${rows}) r(i) ORDER BY i`);
for (const codec of ['snappy','gzip','uncompressed']) {
  await c.run(`COPY t TO '/tmp/pq/duckdb-${codec}.parquet' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 2500)`);
}
const f='/tmp/pq/duckdb-snappy.parquet';
console.log(await q(`SELECT name, type, converted_type, logical_type, repetition_type FROM parquet_schema('${f}')`));
console.log((await q(`SELECT row_group_id, path_in_schema, compression, encodings, total_compressed_size, total_uncompressed_size, dictionary_page_offset, data_page_offset FROM parquet_metadata('${f}') LIMIT 4`)));
console.log(await q(`SELECT count(*) FROM parquet_metadata('${f}')`));
