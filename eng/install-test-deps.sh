#!/usr/bin/env bash
# Installs what the test tiers need on a fresh Debian 12 machine: QEMU, busybox and cpio for the
# multi-node guest (eng/numa-vm.sh), and the guest's kernel; Fashion-MNIST, hnswlib and numpy for the vector tests
# and `numa bench-index`; the npm packages of every suite under
# tests/interop and tests/fault that has a package-lock.json (`npm ci`, exact versions). The .NET SDK and NuGet packages come
# with the machine and `dotnet restore`. Versions are pinned to Debian 12's; when the mirror has moved
# on, the current bookworm version is installed instead and the script says so.
set -euo pipefail
cd "$(dirname "$0")/.."
pinned=(
  "qemu-system-x86=1:7.2+dfsg-7+deb12u18+b3"
  "busybox-static=1:1.35.0-4+deb12u1+b1"
  "cpio=2.13+dfsg-7.1"
  # Vectors (and the Parquet snapshot benchmark): the real data of the recall tests and `numa bench-index`, and the
  # peer it is measured against.
  "dataset-fashion-mnist=0.0~git20200523.55506a9-1"
  "python3-hnswlib=0.6.2-2+deb12u1"
  "python3-numpy=1:1.24.2-1+deb12u1"
)
need=()
for p in "${pinned[@]}"; do
  name=${p%%=*}
  dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [[ ${#need[@]} -gt 0 ]]; then
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
    echo "install-test-deps: pinned versions unavailable; installing bookworm's current ${need[*]%%=*}" >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]%%=*}" >/dev/null
  fi
fi
# Node packages (independent implementations to check against), pinned by each suite's package-lock.json.
# `npm ci` refuses a lock file that lacks optional platform packages the registry copy here does not serve
# (@duckdb/node-bindings-darwin-*, …); `npm install --no-save` installs exactly the locked versions without them.
npm_failed=()
for lock in tests/interop/*/package-lock.json tests/fault/*/package-lock.json; do
  [[ -f "$lock" ]] || continue
  dir=$(dirname "$lock")
  if ! (cd "$dir" && { npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-save --no-audit --no-fund --loglevel=error; }); then
    npm_failed+=("$dir")
  fi
done
# Boot the guest once: fetches and unpacks the kernel so the first test run does not time out on it.
eng/numa-vm.sh --nodes 2 -- true
if [[ ${#npm_failed[@]} -gt 0 ]]; then
  echo "install-test-deps: npm packages failed to install in: ${npm_failed[*]}" >&2
  exit 1
fi
echo "install-test-deps: qemu $(dpkg-query -W -f='${Version}' qemu-system-x86), guest kernel $(cat "${NUMA_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/numa/vm}/kernel/package")"
