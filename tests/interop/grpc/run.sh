#!/usr/bin/env bash
# Interop suite: grpc-js (@grpc/grpc-js 1.14.7, pinned in package-lock.json) against Numa.Grpc.
# Starts tests/interop/grpc/GrpcInteropServer on a free loopback port, runs client.mjs against it, stops the server.
# Env: NUMA_CONFIG (default Release), NUMA_RESULTS (folder for the server log). Last line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
suite=$PWD
config=${NUMA_CONFIG:-Release}
results=${NUMA_RESULTS:-${TMPDIR:-/tmp}}
mkdir -p "$results"
log="$results/interop-grpc-server.log"
server_dll="GrpcInteropServer/bin/$config/net10.0/GrpcInteropServer.dll"

if [[ ! -f "$server_dll" ]]; then
  dotnet build GrpcInteropServer -c "$config" -nologo -v quiet >"$results/interop-grpc-build.log" 2>&1 \
    || { echo "FAIL build: see $results/interop-grpc-build.log"; echo "0 passed, 1 failed"; exit 1; }
fi
if [[ ! -d node_modules/@grpc/grpc-js ]]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1 || { echo "FAIL npm ci"; echo "0 passed, 1 failed"; exit 1; }
fi

fifo=$(mktemp -u); mkfifo "$fifo"
dotnet "$server_dll" 0 >"$fifo" 2>"$log" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -f "$fifo"' EXIT
port=""
if read -r -t 60 word value <"$fifo" && [[ $word == listening ]]; then port=$value; fi
if [[ -z $port ]]; then
  echo "FAIL server: did not start (log: $log)"; cat "$log"; echo "0 passed, 1 failed"; exit 1
fi
echo "server pid $server listening on 127.0.0.1:$port"

node "$suite/client.mjs" "$port"
rc=$?
if ! kill -0 "$server" 2>/dev/null; then
  echo "FAIL server: it exited during the suite (log: $log)"; echo "0 passed, 1 failed"; exit 1
fi
exit $rc
