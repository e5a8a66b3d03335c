#!/usr/bin/env bash
# Snapshot write/read speed: Numa's Parquet writer, reader and snapshot store against DuckDB's own COPY … TO parquet
# and read_parquet, on Fashion-MNIST's 60,000 × 784 training images (apt dataset-fashion-mnist), in one run.
#   tests/interop/parquet/bench.sh [REPEATS]      (default 5; medians; prints a table of MB/s and ratios)
# MB/s = the rows' in-memory column bytes (ids, timestamps, 4-byte floats, metadata) / 1e6 / seconds.
set -euo pipefail
cd "$(dirname "$0")"
repeats=${1:-5}
config=${NUMA_CONFIG:-Release}
images=${FASHION_MNIST:-/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz}
[[ -f "$images" ]] || { echo "bench: $images missing (apt-get install dataset-fashion-mnist)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/numa-parquet-bench.XXXXXX")
free_mb=$(df -Pm "$work" | awk 'NR == 2 { print $4 }')
if (( free_mb < 800 )); then echo "bench: $work has ${free_mb} MB free; the files need about 800 MB (set TMPDIR)" >&2; rmdir "$work"; exit 2; fi
trap 'rm -rf "$work"' EXIT
dotnet build ParquetInterop -c "$config" -nologo -v quiet >/dev/null
dotnet "ParquetInterop/bin/$config/net10.0/ParquetInterop.dll" bench "$images" "$work" "$repeats" | tee "$work/numa.jsonl"
bytes=$(grep '"kind":"data"' "$work/numa.jsonl" | sed 's/.*"logicalBytes":\([0-9]*\).*/\1/')
node bench.mjs "$work" "$repeats" 32768 "$bytes" | tee "$work/duckdb.jsonl"
node -e '
const fs = require("fs");
const lines = (f) => fs.readFileSync(f, "utf8").trim().split("\n").map((l) => JSON.parse(l));
const numa = lines(process.argv[1]), duck = lines(process.argv[2]);
const get = (xs, k, c, op, t) => xs.find((x) => x.kind === k && x.codec === c && x.op === op && (t === undefined || x.threads === t));
const cpu = require("os").cpus()[0].model, n = require("os").cpus().length;
console.log(`\n${cpu}, ${n} CPUs; medians of '"$repeats"' runs; MB/s of in-memory column data`);
console.log("codec        op      numa MB/s  duckdb 1t MB/s  ratio  duckdb " + Math.max(...duck.map((d) => d.threads)) + "t MB/s  ratio  numa file  duckdb file");
for (const c of ["uncompressed", "snappy", "gzip"]) for (const op of ["write", "read"]) {
  const a = get(numa, "numa", c, op), d1 = get(duck, "duckdb", c, op, 1), dn = duck.filter((d) => d.kind === "duckdb" && d.codec === c && d.op === op).pop();
  console.log(`${c.padEnd(12)} ${op.padEnd(6)} ${a.mbps.toFixed(0).padStart(9)} ${d1.mbps.toFixed(0).padStart(15)} ${(a.mbps / d1.mbps).toFixed(2).padStart(6)} ${dn.mbps.toFixed(0).padStart(15)} ${(a.mbps / dn.mbps).toFixed(2).padStart(6)} ${(a.fileBytes / 1e6).toFixed(1).padStart(8)}MB ${(d1.columnChunkBytes / 1e6).toFixed(1).padStart(9)}MB`);
}
for (const c of ["uncompressed", "snappy", "gzip"]) {
  const w = get(numa, "numa", c, "snapshot-write"), r = get(numa, "numa", c, "snapshot-restore"), dr = get(duck, "duckdb-reads-numa", c, "read");
  console.log(`${c.padEnd(12)} numa snapshot write (fsync, rename) ${w.mbps.toFixed(0)} MB/s, restore (CRC check + read) ${r.mbps.toFixed(0)} MB/s; duckdb 1t reads numa file ${dr.mbps.toFixed(0)} MB/s`);
}' "$work/numa.jsonl" "$work/duckdb.jsonl"
