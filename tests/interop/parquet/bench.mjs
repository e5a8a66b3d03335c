// DuckDB's side of the snapshot benchmark (bench.sh): the same 60,000 × 784 Fashion-MNIST rows, loaded from Numa's
// uncompressed file into a DuckDB table (not timed), then COPY … TO parquet (write) and CREATE TABLE AS SELECT
// FROM read_parquet (read, materialised in DuckDB's own columns) timed per codec, with 1 thread and with all.
//   node bench.mjs DIR REPEATS ROWGROUP LOGICAL_BYTES
import { DuckDBInstance } from '@duckdb/node-api';

const [dir, repeatsArg, rowGroupArg, bytesArg] = process.argv.slice(2);
const repeats = Number(repeatsArg), rowGroup = Number(rowGroupArg), logicalBytes = Number(bytesArg);
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const one = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson()[0];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = async (sql) => { const t = process.hrtime.bigint(); await con.run(sql); return Number(process.hrtime.bigint() - t) / 1e9; };

await con.run(`CREATE TABLE data AS SELECT * FROM read_parquet('${dir}/numa-uncompressed.parquet')`);
const { threads: allThreads } = await one(`SELECT current_setting('threads') AS threads`);
for (const threads of [1, Number(allThreads)]) {
  await con.run(`SET threads = ${threads}`);
  for (const codec of ['uncompressed', 'snappy', 'gzip']) {
    const file = `${dir}/duckdb-${codec}.parquet`;
    const write = [], read = [];
    for (let r = 0; r <= repeats; r++) {   // r = 0 warms up and is not counted
      const w = await time(`COPY data TO '${file}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE ${rowGroup})`);
      const rd = await time(`CREATE OR REPLACE TABLE back AS SELECT * FROM read_parquet('${file}')`);
      if (r > 0) { write.push(w); read.push(rd); }
    }
    const { n } = await one(`SELECT count(*) AS n FROM back`);
    if (Number(n) !== 60000) throw new Error(`DuckDB read back ${n} rows`);
    const { bytes } = await one(`SELECT sum(total_compressed_size) AS bytes FROM parquet_metadata('${file}')`);
    for (const [op, xs] of [['write', write], ['read', read]])
      console.log(JSON.stringify({ kind: 'duckdb', threads, codec, op, seconds: median(xs), mbps: logicalBytes / 1e6 / median(xs), columnChunkBytes: Number(bytes) }));
  }
}
// DuckDB reading Numa's files, for comparison with DuckDB reading its own.
await con.run(`SET threads = 1`);
for (const codec of ['uncompressed', 'snappy', 'gzip']) {
  const xs = [];
  for (let r = 0; r <= repeats; r++) {
    const t = await time(`CREATE OR REPLACE TABLE back AS SELECT * FROM read_parquet('${dir}/numa-${codec}.parquet')`);
    if (r > 0) xs.push(t);
  }
  console.log(JSON.stringify({ kind: 'duckdb-reads-numa', threads: 1, codec, op: 'read', seconds: median(xs), mbps: logicalBytes / 1e6 / median(xs) }));
}
