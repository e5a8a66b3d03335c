#!/usr/bin/env bash
# Interop suite: a grpc-js Arrow Flight client (@grpc/grpc-js 1.14.7, @grpc/proto-loader 0.8.1, apache-arrow 21.2.0,
# pinned in package-lock.json) against Numa.Flight. Starts tests/interop/flight/FlightInteropServer (an open and a
# token-guarded pair of data/meta servers on free loopback ports), runs client.mjs against it, stops the server.
# Env: NUMA_CONFIG (default Release), NUMA_RESULTS (folder for the server log). Last line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
suite=$PWD
config=${NUMA_CONFIG:-Release}
results=${NUMA_RESULTS:-${TMPDIR:-/tmp}}
mkdir -p "$results"
log="$results/interop-flight-server.log"
server_dll="FlightInteropServer/bin/$config/net10.0/FlightInteropServer.dll"

if [[ ! -f "$server_dll" ]]; then
  dotnet build FlightInteropServer -c "$config" -nologo -v quiet >"$results/interop-flight-build.log" 2>&1 \
    || { echo "FAIL build: see $results/interop-flight-build.log"; echo "0 passed, 1 failed"; exit 1; }
fi
if [[ ! -d node_modules/apache-arrow || ! -d node_modules/@grpc/grpc-js ]]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1 || { echo "FAIL npm ci"; echo "0 passed, 1 failed"; exit 1; }
fi

fifo=$(mktemp -u); mkfifo "$fifo"
dotnet "$server_dll" >"$fifo" 2>"$log" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -f "$fifo"' EXIT
ports=""
if read -r -t 60 word data meta auth_data auth_meta <"$fifo" && [[ $word == listening ]]; then ports="$data $meta $auth_data $auth_meta"; fi
if [[ -z $ports ]]; then
  echo "FAIL server: did not start (log: $log)"; cat "$log"; echo "0 passed, 1 failed"; exit 1
fi
echo "server pid $server: data $data, meta $meta, token-guarded data $auth_data, meta $auth_meta"

node "$suite/client.mjs" $ports "$server"
rc=$?
if ! kill -0 "$server" 2>/dev/null; then
  echo "FAIL server: it exited during the suite (log: $log)"; echo "0 passed, 1 failed"; exit 1
fi
exit $rc
