#!/usr/bin/env bash
# Builds the libFuzzer targets (Tests/fuzz/Package.swift) with -sanitize=fuzzer,address and runs
# each for a while over its seed corpus.
#
#   Tests/fuzz/run.sh [seconds-per-target] [target...]     (default: 10 seconds, every target)
#
# Environment: FUZZ_SCRATCH (build directory, default .build-fuzz at the repository root),
# FUZZ_ARTIFACTS (where crashing inputs go, default a fresh temporary directory), FUZZ_JOBS
# (targets run at once, default 1), FUZZ_ARGS (extra libFuzzer flags).
# The committed corpus is only read: inputs the fuzzer finds go to a temporary directory.
# Exit status: 0 when no target crashed, hung or ran out of memory; 1 otherwise; 2 on a build error.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-10}
shift $(( $# > 0 ? 1 : 0 ))
all=(client_frames connect_request client_replies election_notification election_handshake quorum_packets
     snap_stream txn_log txn_entry snapshot_file zoo_cfg)
targets=("$@")
(( ${#targets[@]} )) || targets=("${all[@]}")
scratch=${FUZZ_SCRATCH:-$root/.build-fuzz}
artifacts=${FUZZ_ARTIFACTS:-$(mktemp -d "${TMPDIR:-/tmp}/swzk-fuzz-artifacts.XXXXXX")}
work=$(mktemp -d "${TMPDIR:-/tmp}/swzk-fuzz-work.XXXXXX")
trap 'rm -rf "$work"' EXIT

for t in "${targets[@]}"; do
    [[ " ${all[*]} " == *" $t "* ]] || { echo "run.sh: unknown target '$t' (known: ${all[*]})" >&2; exit 2; }
done

echo "== building fuzz targets (scratch $scratch)"
start=$SECONDS
# One -sanitize flag: swiftc keeps only the last -sanitize= it is given.
if ! swift build --package-path "$here" --scratch-path "$scratch" -c debug \
        -Xswiftc -sanitize=fuzzer,address > "$work/build.log" 2>&1; then
    grep -v "Cannot export local symbol" "$work/build.log" | tail -40
    echo "run.sh: build failed" >&2
    exit 2
fi
bin=$(swift build --package-path "$here" --scratch-path "$scratch" -c debug \
        -Xswiftc -sanitize=fuzzer,address --show-bin-path 2>/dev/null)
echo "   built in $((SECONDS - start)) s"

# LeakSanitizer is off: the Swift runtime's metadata caches look like leaks to it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=0}
# Swift's own backtracer would run inside ASan after a trap and report noise; libFuzzer's suffices.
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}

run_one() {
    local t=$1
    mkdir -p "$artifacts/$t" "$work/corpus-$t"
    "$bin/$t" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=1024 -malloc_limit_mb=1024 \
        -print_final_stats=1 -artifact_prefix="$artifacts/$t/" ${FUZZ_ARGS:-} \
        "$work/corpus-$t" "$here/corpus/$t" > "$work/$t.log" 2>&1
    echo $? > "$work/$t.rc"
}

jobs=${FUZZ_JOBS:-1}
echo "== fuzzing ${#targets[@]} target(s), $seconds s each, $jobs at a time; artifacts in $artifacts"
running=0
for t in "${targets[@]}"; do
    run_one "$t" &
    running=$((running + 1))
    if (( running >= jobs )); then wait -n; running=$((running - 1)); fi
done
wait

failed=0
printf '%-22s %12s %8s %8s  %s\n' target executions corpus crashes status
for t in "${targets[@]}"; do
    log=$work/$t.log
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    found=$(find "$artifacts/$t" -type f | wc -l)
    rc=$(cat "$work/$t.rc")
    status=ok
    if (( rc != 0 || found > 0 )); then
        status="FAILED (exit $rc)"
        failed=1
    fi
    printf '%-22s %12s %8s %8s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "$found" "$status"
    if [[ $status != ok ]]; then
        grep -E "ERROR:|SUMMARY:|Fatal error|Test unit written|panic|precondition" "$log" | head -12 | sed 's/^/    /'
        find "$artifacts/$t" -type f | sed 's/^/    input: /'
    fi
done
if (( failed )); then
    echo "run.sh: a target failed; reproduce with $bin/<target> <input>, minimize with -minimize_crash=1 -runs=10000 <input>" >&2
    exit 1
fi
rmdir "$artifacts"/* "$artifacts" 2>/dev/null || true
exit 0
