#!/usr/bin/env bash
# Arrow IPC interop: Numa.Arrow against apache-arrow 21.2.0 (npm, pinned in package-lock.json).
#   1. ArrowInterop (C#) writes a stream and a file with every supported type, nulls, three batches and metadata;
#      apache-arrow reads both (tableFromIPC and RecordBatchReader) and compares every value.
#   2. apache-arrow writes a stream and a file of its own; ArrowInterop reads them (from memory, through a
#      System.IO.Stream, as a file, and as Flight-style (header, body) pairs) and compares every value.
# Run from the repository root after the build (eng/test.sh does both). Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
suite=$PWD
root=$(cd ../../.. && pwd)
config=${NUMA_CONFIG:-Release}
results=${NUMA_RESULTS:-$suite/out}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$results"
log="$results/arrow-interop.log"
: > "$log"

exe="$root/tests/interop/arrow/ArrowInterop/bin/$config/net10.0/ArrowInterop"
if [[ ! -x "$exe" ]]; then
  dotnet build "$suite/ArrowInterop" -c "$config" -nologo -v quiet >> "$log" 2>&1
fi
if [[ ! -d node_modules/apache-arrow ]]; then
  npm ci --no-audit --no-fund >> "$log" 2>&1
fi

out="$work/results.txt"
: > "$out"
step() {  # runs one step; its PASS/FAIL lines go to $out, a crash without them counts as one failure
  local name=$1; shift
  "$@" > "$work/step.txt" 2>> "$log"
  local rc=$?
  cat "$work/step.txt" >> "$log"
  grep -E '^(PASS|FAIL) ' "$work/step.txt" >> "$out"
  if [[ $rc -ne 0 && $(grep -c '^FAIL ' "$work/step.txt") -eq 0 ]]; then
    echo "FAIL $name: exited with status $rc (see $log)" >> "$out"
  fi
}

step "Numa.Arrow writes" "$exe" write "$work"
step "apache-arrow reads ours" node interop.mjs check-ours "$work"
step "apache-arrow writes" node interop.mjs write-theirs "$work"
step "Numa.Arrow reads theirs" "$exe" read "$work"
cp "$work"/*.arrow* "$work"/*.json "$results"/ 2>/dev/null

grep '^FAIL ' "$out"
grep '^PASS ' "$out"
passed=$(grep -c '^PASS ' "$out")
failed=$(grep -c '^FAIL ' "$out")
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
