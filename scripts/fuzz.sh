#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/, docs/fuzzing.md) with AddressSanitizer and libFuzzer's
# coverage instrumentation into their own scratch path and runs them.
#
#   scripts/fuzz.sh [TARGET|all] [--seconds N] [--jobs J] [--debug] [--build-only] [--list]
#
# TARGET is one of the names printed by --list (default: all); N is each target's
# -max_total_time in seconds (default 60); J targets run at once (default 1). The default build
# is release in .build-fuzz (for long campaigns); --debug uses the debug AddressSanitizer build
# in .build-asan that scripts/sanitize.sh address also uses (CI's smoke run: no second build).
# Per target it prints the CPU seconds fuzzed (user + system of the fuzzing process), the
# executions and the crashes found. Inputs that crash, time out (> 10 s) or exceed 2 GiB go to
# Fuzz/Crashes/<target>/ (ignored by git: a crash is committed only as a regression test's
# input). The growing working corpus lives in <scratch>/corpus/<target>/; the seeds kept in the
# repository are Fuzz/Corpus/<target>/. Exits 1 when any target found a crash.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(csv hierarchy secagg-wire paillier ledger cli-json cli-args)
target=all
seconds=60
build_only=0
jobs=1
config=release
scratch=.build-fuzz
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
        --seconds=*) seconds="${1#--seconds=}"; shift ;;
        --build-only) build_only=1; shift ;;
        --jobs) jobs="${2:?--jobs needs a number}"; shift 2 ;;
        --debug) config=debug; scratch=.build-asan; shift ;;
        --list) printf '%s\n' "${targets[@]}"; exit 0 ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
        *) target="$1"; shift ;;
    esac
done
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: --seconds must be a whole number of seconds" >&2; exit 2 ;; esac
case "$jobs" in ''|0|*[!0-9]*) echo "fuzz.sh: --jobs must be a whole number ≥ 1" >&2; exit 2 ;; esac
if [ "$target" = all ]; then
    selected=("${targets[@]}")
else
    found=0
    for t in "${targets[@]}"; do [ "$t" = "$target" ] && found=1; done
    [ "$found" = 1 ] || { echo "fuzz.sh: unknown target '$target' (one of: ${targets[*]}, all)" >&2; exit 2; }
    selected=("$target")
fi

scripts/bootstrap.sh
source scripts/lib/asan-build.sh
echo "fuzz.sh: building privacy-kernel-fuzz ($config, AddressSanitizer + libFuzzer coverage, --scratch-path $scratch)" >&2
build_started=$(date +%s)
asan_swift build "$config" "$scratch" --product privacy-kernel-fuzz >&2
echo "fuzz.sh: build took $(( $(date +%s) - build_started )) s" >&2
binary="$scratch/$config/privacy-kernel-fuzz"
[ -x "$binary" ] || { echo "fuzz.sh: build produced no $binary" >&2; exit 1; }
[ "$build_only" = 1 ] && exit 0

# Seeds only the library can make (honest secure-aggregation frames with this process's keys).
"$binary" --write-seeds "$scratch/seeds" >/dev/null

# LeakSanitizer is off: Swift's runtime keeps metadata caches for the life of the process.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
# Swift's own backtracer would run inside the ASan report and trip over it.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"
count_findings() { find "$1" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l; }
mkdir -p "$scratch/logs"
# One target: fuzzes it and writes "target cpu_s executions findings" to its .result file.
run_target() {
    local t="$1"
    local work="$scratch/corpus/$t" crashes="Fuzz/Crashes/$t" log="$scratch/logs/$t.log"
    mkdir -p "$work" "$crashes" "$scratch/seeds/$t"
    local before after cpu runs
    before=$(count_findings "$crashes")
    /usr/bin/time -f "%U %S" -o "$scratch/logs/$t.time" \
        nice -n 10 "$binary" "$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$crashes/" "$work" "Fuzz/Corpus/$t" "$scratch/seeds/$t" >"$log" 2>&1 || true
    cpu=$(tail -1 "$scratch/logs/$t.time" 2>/dev/null | awk '{ printf "%.1f", $1 + $2 }')
    runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log" | tail -1)
    after=$(count_findings "$crashes")
    printf '%s %s %s %s\n' "$t" "${cpu:-?}" "${runs:-?}" "$(( after - before ))" > "$scratch/logs/$t.result"
}
running=0
for t in "${selected[@]}"; do
    rm -f "$scratch/logs/$t.result"
    run_target "$t" &
    running=$(( running + 1 ))
    if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$(( running - 1 )); fi
done
wait
status=0
printf '%-12s %10s %14s %8s\n' target cpu_s executions crashes
for t in "${selected[@]}"; do
    read -r name cpu runs found < "$scratch/logs/$t.result" || { name=$t; cpu='?'; runs='?'; found=1; }
    printf '%-12s %10s %14s %8s\n' "$name" "$cpu" "$runs" "$found"
    if [ "$found" != 0 ]; then
        status=1
        echo "  see $scratch/logs/$t.log; inputs in Fuzz/Crashes/$t/ (replay: $binary $t <file>)"
    fi
done
exit $status
