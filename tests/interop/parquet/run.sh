#!/usr/bin/env bash
# Parquet interop suite: Numa's Parquet writer checked by DuckDB (@duckdb/node-api) and hyparquet, and Numa's
# reader checked on files DuckDB writes. Run from the repository root after the build (eng/test.sh does both);
# needs `npm ci` here (eng/install-test-deps.sh). Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
config=${NUMA_CONFIG:-Release}
work=$(mktemp -d "${TMPDIR:-/tmp}/numa-parquet-interop.XXXXXX")
trap 'rm -rf "$work"' EXIT
rows=10007 dim=24 rowgroup=2500
passed=0 failed=0

fail() { echo "FAIL $1"; failed=$((failed + 1)); }
pass() { echo "ok $1"; passed=$((passed + 1)); }

if [[ ! -d node_modules/@duckdb/node-api || ! -d node_modules/hyparquet ]]; then
  echo "FAIL setup: node_modules missing (run eng/install-test-deps.sh or npm ci in $(pwd))"
  echo "0 passed, 1 failed"; exit 1
fi
if ! dotnet build ParquetInterop -c "$config" -nologo -v quiet >"$work/build.log" 2>&1; then
  cat "$work/build.log"; echo "FAIL build: ParquetInterop"; echo "0 passed, 1 failed"; exit 1
fi
interop=(dotnet "ParquetInterop/bin/$config/net10.0/ParquetInterop.dll")

# 1. Numa writes one file per codec: several row groups, pages of 16 KiB, a third of the metadata null.
if "${interop[@]}" write "$work" $rows $dim $rowgroup; then pass "numa writes uncompressed, snappy and gzip files"
else fail "numa write: exit $?"; fi

# 2. DuckDB and hyparquet read them; DuckDB writes its own files of the same schema.
while IFS= read -r line; do
  echo "$line"
  case "$line" in
    ok\ *) passed=$((passed + 1)) ;;
    FAIL\ *) failed=$((failed + 1)) ;;
  esac
done < <(node check.mjs "$work" $rows $dim $rowgroup 2>&1)

# 3. Numa reads DuckDB's files and compares every row with the formulas.
for codec in uncompressed snappy gzip; do
  if out=$("${interop[@]}" read "$work/duckdb-$codec.parquet" $rows $dim 2>&1); then pass "numa reads ${out#read }"
  else fail "numa reads duckdb-$codec.parquet: $out"; fi
done
if out=$("${interop[@]}" read "$work/duckdb-dictionary.parquet" $rows $dim low 2>&1); then pass "numa reads dictionary pages: ${out#read }"
else fail "numa reads duckdb-dictionary.parquet: $out"; fi

# 4. Files that break the schema's rules are refused with a message that names the column and the row.
expect_refusal() {
  local file=$1 rows=$2 dim=$3 want=$4 out
  if out=$("${interop[@]}" read "$work/$file" "$rows" "$dim" 2>&1); then fail "numa accepted $file: $out"
  elif [[ "$out" == *"$want"* ]]; then pass "numa refuses $file: ${out#FAIL }"
  else fail "numa refused $file with an unexpected message: $out"; fi
}
expect_refusal duckdb-null-id.parquet 10 2 "column 'id': row 5 is null"
expect_refusal duckdb-ragged.parquet 10 2 "row 7 has 1 elements, the file's dimension is 2"
expect_refusal duckdb-null-element.parquet 10 2 "row 3 has a null or empty vector"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
