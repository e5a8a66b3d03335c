#!/usr/bin/env bash
# Fault suite for the write-ahead log (docs/wal.md): kill -9 during durable appends, random bit flips and truncations,
# a full disk, bad input, and the `numa wal` commands on clean, torn and damaged logs.
# Ends with "N skipped" (when a small file system cannot be mounted) and "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../../.."
config=${NUMA_CONFIG:-Release}
results=${NUMA_RESULTS:-$(mktemp -d)}
crash_trials=${WAL_CRASH_TRIALS:-60}
corrupt_trials=${WAL_CORRUPT_TRIALS:-150}
host=tests/fault/WalCrashHost/bin/$config/net10.0/WalCrashHost
numa=src/Numa.Cli/bin/$config/net10.0/numa
if [[ ! -x $host || ! -x $numa ]]; then
  dotnet build tests/fault/WalCrashHost -c "$config" -nologo -v quiet >/dev/null && dotnet build src/Numa.Cli -c "$config" -nologo -v quiet >/dev/null \
    || { echo "FAIL build: the host or the CLI does not build"; echo "0 passed, 1 failed"; exit 1; }
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/numa-wal-fault.XXXXXX")
mnt=""
cleanup() { [[ -n $mnt ]] && umount "$mnt" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
passed=0 failed=0 skipped=0

# Runs the host and tallies its PASS/FAIL lines; its other lines are shown as they are.
tally() {
  local out
  out=$("$host" "$@" 2>&1)
  echo "$out" | tee -a "$results/wal-fault-host.log" | grep -v '^PASS '
  passed=$((passed + $(grep -c '^PASS ' <<<"$out")))
  failed=$((failed + $(grep -c '^FAIL ' <<<"$out")))
  if ! grep -qE '^(PASS|FAIL) ' <<<"$out"; then echo "FAIL host $1: no results"; failed=$((failed + 1)); fi
}
check() {  # name, expected exit code, command...
  local name=$1 want=$2; shift 2
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [[ $rc -eq $want ]]; then passed=$((passed + 1)); echo "PASS $name"
  else failed=$((failed + 1)); echo "FAIL $name: exit $rc, expected $want: $out"; fi
  last_output=$out
}

echo "== crash: $crash_trials kill -9 trials with the Always policy, 8 appenders"
tally crash "$work/crash" "$crash_trials"

echo "== corruption: $corrupt_trials random bit flips and truncations"
tally corrupt "$work/corrupt" "$corrupt_trials"

echo "== bad input"
tally badinput "$work/badinput"

echo "== disk full"
mnt="$work/small"; mkdir -p "$mnt"
if mount -t tmpfs -o size=2m numa-wal-full "$mnt" 2>/dev/null; then
  tally diskfull "$mnt"
  umount "$mnt"; mnt=""
else
  loop="$work/fs.img"
  if truncate -s 4m "$loop" && mkfs.ext4 -q "$loop" 2>/dev/null && mount -o loop "$loop" "$mnt" 2>/dev/null; then
    tally diskfull "$mnt"
    umount "$mnt"; mnt=""
  else
    mnt=""
    echo "disk full: skipped: neither a tmpfs nor a loop file system can be mounted here (needs root or CAP_SYS_ADMIN)"
    skipped=$((skipped + 5))   # the host's five disk-full checks
  fi
fi

echo "== numa wal verify / inspect / repair"
log="$work/crash"
check "wal verify: a log after crashes verifies (0) or shows only a torn tail (1)" 0 bash -c "'$numa' wal verify '$log'; rc=\$?; [[ \$rc -le 1 ]]"
check "wal repair --truncate cuts any torn tail" 0 "$numa" wal repair --truncate "$log"
check "wal verify: clean after repair" 0 "$numa" wal verify "$log"
check "wal inspect lists segments and the LSN range" 0 bash -c "'$numa' wal inspect '$log' | grep -q 'records, LSN 1\.\.'"
seg=$(ls "$log"/*.wal | tail -1)
size=$(stat -c %s "$seg")
truncate -s $((size - 3)) "$seg"
check "wal verify: a cut last record is a torn tail (exit 1)" 1 "$numa" wal verify "$log"
check "wal repair --truncate removes the torn tail" 0 "$numa" wal repair --truncate "$log"
first=$(ls "$log"/*.wal | head -1)
byte=$(od -An -tu1 -j100 -N1 "$first" | tr -d ' ')
printf "\\$(printf '%03o' $((byte ^ 0x10)))" | dd of="$first" bs=1 seek=100 conv=notrunc status=none   # flip one bit
check "wal verify: a flipped byte in the first segment is damage (exit 2)" 2 "$numa" wal verify "$log"
if [[ $last_output == *"$(basename "$first")"*"offset"* ]]; then passed=$((passed + 1)); echo "PASS wal verify names the segment and offset"
else failed=$((failed + 1)); echo "FAIL wal verify names the segment and offset: $last_output"; fi
check "wal repair without --truncate refuses (exit 2)" 2 "$numa" wal repair "$log"
check "wal repair --truncate cuts at the damage" 0 "$numa" wal repair --truncate "$log"
check "wal verify: clean after the repair" 0 "$numa" wal verify "$log"
check "wal verify: a missing directory is an error (exit 2)" 2 "$numa" wal verify "$work/nowhere"

echo "$skipped skipped"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
