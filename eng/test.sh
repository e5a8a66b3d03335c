#!/usr/bin/env bash
# Runs every test tier and ends with one line "N passed, N failed" summing them all.
#
#   eng/test.sh                 build, unit tier on this machine, multi-node tier in the emulated guests
#   eng/test.sh --unit          only the unit tier (any machine, one node is enough)
#   eng/test.sh --multinode     only the multi-node tier (2-node guest; 4-node guest with a memory-less
#                               node 2 and a CPU-less node 3), each also running `numa check`, the
#                               Quickstart pipeline with --check and `numa graph`
#   eng/test.sh --interop       only tests/interop/*/run.sh (our formats against independent implementations)
#   eng/test.sh --fault         only tests/fault/*/run.sh (crashes, torn and corrupted files, malformed input)
#   eng/test.sh --e2e           only tests/e2e/*/run.sh (whole programs: `numa serve` with `numa load` and
#                               `numa bench` on Fashion-MNIST, restart, kill -9 during a load)
#
# A suite script under tests/interop/, tests/fault/ or tests/e2e/ runs from the repository root after the build, gets
# NUMA_CONFIG (Release) and NUMA_RESULTS (a folder for its logs), and ends its output with the line
# "N passed, N failed" (optionally preceded by "N skipped"); a script that exits non-zero without that line
# counts as one failure.
#
# Test projects are xunit v3 executables: they run directly here and inside the guest. Per-tier xUnit XML
# lands in artifacts/test-results/. Skipped tests are reported, not counted as passed.
#
# Every step has a time limit (a test executable 600 s, a suite script 1200 s, a guest run 900 s, a whole-program
# check 300 s) and all of them share one budget from the build on, NUMA_TEST_BUDGET_S (default 4500 s, which leaves
# CI's 5400 s room for the installs): a step that runs past its limit is stopped and counts as one failure with the
# tests still running named (xUnit's -longRunning report); steps left when the budget is spent count as one failure
# each. Each step prints its seconds.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tiers="unit interop fault e2e multinode"
case "${1:-}" in
  --unit) tiers="unit" ;;
  --multinode) tiers="multinode" ;;
  --interop) tiers="interop" ;;
  --fault) tiers="fault" ;;
  --e2e) tiers="e2e" ;;
  "") ;;
  *) echo "usage: eng/test.sh [--unit|--interop|--fault|--e2e|--multinode]" >&2; exit 2 ;;
esac
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# No MSBuild worker nodes left behind by the build or by the suites' own builds (they outlive the run otherwise).
export MSBUILDDISABLENODEREUSE=1
config=Release
results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"
passed=0 failed=0 skipped=0
deadline=$(( $(date +%s) + ${NUMA_TEST_BUDGET_S:-4500} ))
step_seconds=0

# LIMIT, or the seconds the budget has left when fewer.
within_budget() {
  local left=$(( deadline - $(date +%s) ))
  (( $1 < left )) && echo "$1" || echo "$left"
}

# Runs "$@" for at most LIMIT seconds (less when the budget has less left), output to LOG; sets step_seconds.
# Returns the command's exit code, 124 when it was stopped at its limit, 125 when no budget was left to start it.
bounded() {
  local limit log=$2 rc start
  limit=$(within_budget "$1")
  shift 2
  if (( limit < 30 )); then
    echo "not started: the test budget (NUMA_TEST_BUDGET_S) is spent" >"$log"
    echo "   $(basename "$log" .log): not started, the test budget is spent"
    step_seconds=0; return 125
  fi
  start=$(date +%s)
  timeout -k 30 "$limit" "$@" >"$log" 2>&1 </dev/null
  rc=$?
  step_seconds=$(( $(date +%s) - start ))
  if (( rc == 124 || (rc == 137 && step_seconds >= limit) )); then   # 137 alone may be the OOM killer
    echo "   $(basename "$log" .log): stopped after its limit of $limit s; last lines:"
    grep -h 'Long Running Test' "$log" | tail -5 | sed 's/^/     /'
    tail -5 "$log" | sed 's/^/     /'
    rc=124
  fi
  return $rc
}

echo "== build ($config)"
if ! dotnet build Numa.sln -c "$config" -nologo -v quiet; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

test_exes=()
for proj in tests/*/*.Tests.csproj; do
  name=$(basename "$proj" .csproj)
  test_exes+=("$root/$(dirname "$proj")/bin/$config/net10.0/$name")
done
numa="$root/src/Numa.Cli/bin/$config/net10.0/numa"
quickstart="$root/samples/Quickstart/bin/$config/net10.0/Quickstart"
# Whole-program checks, each counted as one test, run on this machine and inside each guest: `numa check`, the
# Quickstart pipeline (generated NumaApp; exits 1 if a counter's Local state or a ring is off its node or a
# message is lost), and `numa graph` on the Quickstart assembly.
checks=("numa-check:$numa check" "quickstart:$quickstart --check" "numa-graph:$numa graph $quickstart.dll")

# Prints each failed test with its message and stack, and each skipped test with its reason.
show_outcomes() {
  awk '/\[FAIL\]/ { n = 15 } /\[SKIP\]/ { n = 2 } n > 0 && !/TEST EXECUTION SUMMARY|Finished:/ { print; n-- }' "$1"
}

# Adds the counts of one xUnit XML file; a missing file (the runner crashed) counts as one failure.
count_xml() {
  local label=$1 xml=$2
  if [[ ! -s "$xml" ]]; then
    echo "   $label: no results (the test run crashed or did not start)"
    failed=$((failed + 1)); return
  fi
  local p f e s
  read -r p f e s < <(grep -o '<assembly [^>]*>' "$xml" | awk '
    { for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) { gsub(/"/, "", kv[2]); sum[kv[1]] += kv[2] } }
    END { printf "%d %d %d %d\n", sum["passed"], sum["failed"], sum["errors"], sum["skipped"] }')
  echo "   $label: $p passed, $((f + e)) failed, $s skipped ($step_seconds s)"
  passed=$((passed + p)); failed=$((failed + f + e)); skipped=$((skipped + s))
}

# A whole-program check counts as one test: it passes when the command exits 0.
count_check() {
  local label=$1 name=$2 rc=$3
  if [[ $rc -eq 0 ]]; then passed=$((passed + 1)); echo "   $label: $name passed ($step_seconds s)"
  else failed=$((failed + 1)); echo "   $label: $name FAILED (exit $rc, $step_seconds s)"; fi
}

if [[ " $tiers " == *" unit "* ]]; then
  echo "== unit tier (this machine)"
  for exe in "${test_exes[@]}"; do
    name=$(basename "$exe")
    bounded 600 "$results/unit-$name.log" "$exe" -noColor -noLogo -longRunning 120 -xml "$results/unit-$name.xml"
    show_outcomes "$results/unit-$name.log"
    count_xml "unit $name" "$results/unit-$name.xml"
  done
  for check in "${checks[@]}"; do
    name=${check%%:*}
    # shellcheck disable=SC2086
    bounded 300 "$results/unit-$name.log" ${check#*:}
    rc=$?
    [[ $rc -ne 0 && $rc -ne 124 && $rc -ne 125 ]] && tail -20 "$results/unit-$name.log"
    count_check "unit" "$name" $rc
  done
fi

# Runs one suite script and adds the counts from its last "N passed, N failed" line.
run_suite() {
  local tier=$1 script=$2 name log
  name=$(basename "$(dirname "$script")")
  log="$results/$tier-$name.log"
  NUMA_CONFIG=$config NUMA_RESULTS="$results" bounded 1200 "$log" "$script"
  local rc=$? line p f s
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
  s=$(grep -E '^[0-9]+ skipped' "$log" | tail -1 | awk '{print $1}')
  if [[ -z "$line" ]]; then
    echo "   $tier $name: no result line (exit $rc); last lines:"; tail -15 "$log" | sed 's/^/     /'
    failed=$((failed + 1)); return
  fi
  read -r p _ f _ <<<"$line"
  if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; fi
  [[ $f -ne 0 ]] && grep -E '^(FAIL|not ok)' "$log" | sed 's/^/     /'
  echo "   $tier $name: $p passed, $f failed, ${s:-0} skipped ($step_seconds s)"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + ${s:-0}))
}

for tier in interop fault e2e; do
  [[ " $tiers " == *" $tier "* ]] || continue
  shopt -s nullglob
  scripts=(tests/$tier/*/run.sh)
  shopt -u nullglob
  [[ ${#scripts[@]} -eq 0 ]] && continue
  echo "== $tier tier"
  for script in "${scripts[@]}"; do run_suite "$tier" "$script"; done
done

if [[ " $tiers " == *" multinode "* ]]; then
  layouts=("2node:--nodes 2" "4node:--nodes 4 --memoryless 2 --cpuless 3")
  for layout in "${layouts[@]}"; do
    label=${layout%%:*}; vmargs=${layout#*:}
    echo "== multi-node tier: $label guest ($vmargs)"
    for exe in "${test_exes[@]}"; do
      name=$(basename "$exe")
      # Only executables that have multi-node tests boot a guest (each boot costs 10-25 s).
      timeout 120 "$exe" -list traits 2>/dev/null </dev/null | grep -q '"Tier".*"MultiNode"' || continue
      # shellcheck disable=SC2086
      # The guest's own limit fires first: qemu runs under numa-vm.sh's timeout, in a process group of its own.
      bounded 900 "$results/$label-$name.log" eng/numa-vm.sh $vmargs --timeout "$(within_budget 840)" -- \
        "$exe" -trait "Tier=MultiNode" -noColor -noLogo -longRunning 120 -xml "$results/$label-$name.xml"
      show_outcomes "$results/$label-$name.log"
      grep -h '^numa-vm.sh:' "$results/$label-$name.log"
      count_xml "$label $name" "$results/$label-$name.xml"
    done
    for check in "${checks[@]}"; do
      name=${check%%:*}
      # shellcheck disable=SC2086
      bounded 900 "$results/$label-$name.log" eng/numa-vm.sh $vmargs --timeout "$(within_budget 840)" -- ${check#*:}
      rc=$?
      [[ $rc -ne 0 && $rc -ne 124 && $rc -ne 125 ]] && tail -20 "$results/$label-$name.log"
      count_check "$label" "$name" $rc
    done
  done
fi

echo "== $skipped skipped (see the reasons above)"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
