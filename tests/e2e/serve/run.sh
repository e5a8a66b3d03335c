#!/usr/bin/env bash
# End to end: `numa serve` on free ports and a temporary data directory; `numa load` the 60,000 Fashion-MNIST train
# vectors; `numa bench` the 10,000 test queries (recall@10 >= 0.95); SIGTERM, restart from the saved graphs (no
# rebuild, no replay, the same answers, every row intact), the Flight-vs-in-process search comparison; then kill -9
# during a load and a restart that still holds every acknowledged row. Numbers go to the log (never asserted).
# Ends with "N skipped" (no dataset) and "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../../.."
config=${NUMA_CONFIG:-Release}
results=${NUMA_RESULTS:-$(mktemp -d)}
numa=$PWD/src/Numa.Cli/bin/$config/net10.0/numa
dataset=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
passed=0 failed=0
if [[ ! -f $dataset ]]; then
  echo "SKIP serve e2e: $dataset is missing (apt-get install dataset-fashion-mnist; eng/install-test-deps.sh does)"
  echo "1 skipped"; echo "0 passed, 0 failed"; exit 0
fi
[[ -x $numa ]] || dotnet build src/Numa.Cli -c "$config" -nologo -v quiet >/dev/null \
  || { echo "FAIL build: the CLI does not build"; echo "0 passed, 1 failed"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/numa-serve-e2e.XXXXXX")
server_pid=""
cleanup() { [[ -n $server_pid ]] && kill -9 "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }
expect() { if eval "$2"; then pass "$1"; else fail "$1 ($2)"; fi; }

# Starts `numa serve` on any free ports (port 0) over $1, logging to $2; waits for its ready line and sets
# data_address and admin_port from it. Returns 1 if it is not ready within 120 s.
start_server() {
  local data=$1 log=$2
  : >"$log"
  "$numa" serve --data "$data" --data-port 0 --meta-port 0 --admin-port 0 "${@:3}" >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 1200); do
    if grep -q 'Numa vector server ready' "$log"; then
      data_address=$(grep -o 'Flight data http://[0-9.]*:[0-9]*' "$log" | tail -1 | sed 's/Flight data //')
      admin_port=$(grep -o 'admin http://[0-9.]*:[0-9]*' "$log" | tail -1 | sed 's/.*://')
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || { tail -5 "$log"; return 1; }
    sleep 0.1
  done
  return 1
}

# Stops the server with $1 (TERM or KILL) and sets stop_rc to its exit status; a server still running 120 s after
# the signal is killed (stop_rc 137) and said so, so a shutdown that hangs fails its check instead of the run.
stop_server() {
  kill -"$1" "$server_pid" 2>/dev/null
  local state=""
  for _ in $(seq 1 1200); do
    state=$(awk '{ print $3 }' "/proc/$server_pid/stat" 2>/dev/null)
    [[ -z $state || $state == Z ]] && break
    sleep 0.1
  done
  if [[ -n $state && $state != Z ]]; then
    echo "numa serve (pid $server_pid) still runs 120 s after SIG$1; killing it"
    kill -9 "$server_pid" 2>/dev/null
  fi
  wait "$server_pid" 2>/dev/null; stop_rc=$?
  server_pid=""
}

# The clients: a run past 600 s is stopped (exit 124) and fails its check instead of hanging the suite.
client() { timeout -k 10 600 "$numa" "$@"; }

# GET from the admin API over bash's /dev/tcp (no curl needed on a fresh machine).
http_get() {
  exec 3<>"/dev/tcp/127.0.0.1/$admin_port" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$1" >&3
  timeout 30 sed '1,/^\r$/d' <&3
  exec 3<&-
}

recall_at() { grep "\"ef\":$2," "$1" | head -1 | sed 's/.*"recall":\([0-9.]*\).*/\1/'; }

echo "== serve, load, bench"
data=$work/data
if start_server "$data" "$results/serve-1.log"; then pass "numa serve starts ($data_address, admin :$admin_port)"; else fail "numa serve starts"; echo "$passed passed, $failed failed"; exit 1; fi
client load --collection fashion --fashion-mnist --address "$data_address" --progress plain >"$results/serve-load.log" 2>&1
rc=$?; grep -E '^(loaded|indexed)' "$results/serve-load.log"
expect "numa load of 60,000 vectors exits 0" "[[ $rc -eq 0 ]]"
expect "every row acknowledged" "grep -q '^acknowledged 60000 rows' '$results/serve-load.log'"
client bench --collection fashion --fashion-mnist --address "$data_address" --ef 10,20,40,80 --json >"$results/serve-bench-1.json" 2>"$results/serve-bench-1.log"
rc=$?; cat "$results/serve-bench-1.json"
expect "numa bench exits 0" "[[ $rc -eq 0 ]]"
r40=$(recall_at "$results/serve-bench-1.json" 40)
expect "recall@10 >= 0.95 at ef=40 (got ${r40:-none})" "awk 'BEGIN { exit !(${r40:-0} >= 0.95) }'"
http_get /api/v1/numa/stats >"$results/serve-stats.json"
expect "/api/v1/numa/stats counts 60,000 vectors" "grep -q '\"vectors\": 60000' '$results/serve-stats.json'"
http_get /metrics >"$results/serve-metrics.txt"
expect "/metrics counts 60,000 ingested rows" "grep -q '^numa_server_ingest_rows_total 60000' '$results/serve-metrics.txt'"
stop_server TERM
expect "SIGTERM: exit 0 after a snapshot" "[[ $stop_rc -eq 0 ]] && grep -q 'snapshot of 60000 rows' '$results/serve-1.log'"

echo "== restart"
started=$(date +%s.%N)
if start_server "$data" "$results/serve-2.log"; then
  ready=$(date +%s.%N)
  echo "restart: $(awk -v a="$started" -v b="$ready" 'BEGIN { printf "%.2f", b - a }') s from exec to ready; server: $(grep -o 'ready in [0-9.]* s' "$results/serve-2.log")"
  expect "the restart loads the saved graphs, replays nothing" "grep -q 'from saved graphs (LSN [0-9]*) + 0 WAL records' '$results/serve-2.log'"
  client bench --collection fashion --fashion-mnist --address "$data_address" --ef 10,20,40,80 --json >"$results/serve-bench-2.json" 2>"$results/serve-bench-2.log"
  same=1
  for ef in 10 20 40 80; do [[ $(recall_at "$results/serve-bench-1.json" $ef) == $(recall_at "$results/serve-bench-2.json" $ef) ]] || same=0; done
  expect "after the restart, recall at every ef is what it was (the same graph)" "[[ $same -eq 1 ]]"
  client load --collection fashion --fashion-mnist --address "$data_address" --verify >"$results/serve-verify-1.log" 2>&1
  rc=$?; cat "$results/serve-verify-1.log" | grep verified
  expect "every row is there with an identical vector" "[[ $rc -eq 0 ]]"
  graph=$(ls "$data"/shard-0/graphs/*.hnsw 2>/dev/null | head -1)
  if [[ -n $graph && ! -d $data/shard-1 ]]; then
    echo "== Flight vs the same index in-process (one shard; numbers, not assertions)"
    for protocol in doget doexchange "doexchange --batch 16"; do
      echo "-- by $protocol"
      client bench --collection fashion --fashion-mnist --address "$data_address" --ef 20,40,80 --protocol $protocol --in-process "$graph" --json 2>/dev/null
    done
  fi
  stop_server TERM
else
  fail "the server restarts"
fi

echo "== kill -9 during a load"
crash=$work/crash
if start_server "$crash" "$results/serve-3.log"; then
  client load --collection fashion --fashion-mnist --address "$data_address" --put-rows 2000 --progress plain >"$results/serve-load-crash.log" 2>&1 &
  loader=$!
  for _ in $(seq 1 1200); do grep -q '^acknowledged 8000 rows' "$results/serve-load-crash.log" && break; sleep 0.1; done
  stop_server KILL
  wait "$loader" 2>/dev/null
  acked=$(grep -o '^acknowledged [0-9]*' "$results/serve-load-crash.log" | tail -1 | awk '{print $2}')
  echo "killed the server after ${acked:-0} acknowledged rows"
  expect "the kill came in the middle of the load" "[[ ${acked:-0} -ge 8000 && ${acked:-0} -lt 60000 ]]"
  if start_server "$crash" "$results/serve-4.log"; then
    grep -o 'Shard .* in [0-9.]* s' "$results/serve-4.log" | head -4
    expect "the restart replays the WAL" "grep -q '[1-9][0-9]* WAL records' '$results/serve-4.log'"
    client load --collection fashion --fashion-mnist --address "$data_address" --verify --limit "${acked:-1}" >"$results/serve-verify-2.log" 2>&1
    rc=$?; grep verified "$results/serve-verify-2.log"
    expect "every acknowledged row survived kill -9, intact" "[[ $rc -eq 0 ]]"
    stop_server TERM
    expect "SIGTERM after recovery: exit 0" "[[ $stop_rc -eq 0 ]]"
  else
    fail "the server restarts after kill -9"
  fi
else
  fail "numa serve starts on a fresh directory"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
