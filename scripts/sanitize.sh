#!/usr/bin/env bash
# Runs the test suite under a sanitizer, in its own build folder (.build-asan / .build-tsan) so
# the normal build stays valid.
#
#   scripts/sanitize.sh address|thread [--subset | --per-target] [--filter REGEX] [other swift test options]
#
# --per-target runs the whole suite one test target at a time, each in its own process (TSan's
# internal allocator runs out of memory when every suite runs in one process: docs/sanitizers.md).
# --subset runs the fast subset CI uses (docs/sanitizers.md): every suite over a hand-written
# concurrentPerform loop, the parsers, the wire format and the big integers.
# The address build is the one scripts/fuzz.sh --debug uses as well (scripts/lib/asan-build.sh).
# TSan needs the whole process instrumented; the suite takes several times longer than plainly.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/asan-build.sh
kind="${1:-}"
case "$kind" in
  address|thread) ;;
  *) echo "usage: scripts/sanitize.sh address|thread [--subset] [--filter REGEX]" >&2; exit 2 ;;
esac
shift
# The fast subset: suites over every user of the parallel runner (Tabular.ParallelChunks) (chunked partials, CSV
# regions, byte dictionary, dataset generator, anonymity group table, design matrix and BLAS
# streaming, SecAgg server and simulation, Paillier batches) plus parsers, wire and big integers.
subset='ParallelChunksTests|PartialTests|CSVReaderTests|ByteDictionaryTests|DeterminismTests|CheckTests|MondrianRiskTests|SecAggProtocolTests|SecAggTransportTests|PaillierTests|LinearRegressionTests|LogisticRegressionTests|SecAggWireTests|SecAggValidationTests|BigIntegerTests|Issue12PaillierTests|QueryCrashTests|Issue13FuzzTests'
arguments=()
per_target=0
for argument in "$@"; do
  case "$argument" in
    --subset) arguments+=(--filter "$subset") ;;
    --per-target) per_target=1 ;;
    *) arguments+=("$argument") ;;
  esac
done
scripts/bootstrap.sh
started=$(date +%s)
if [ "$kind" = address ]; then
  asan_swift build debug .build-asan --build-tests
else
  swift build --build-tests --sanitize=thread --scratch-path .build-tsan
fi
echo "sanitize.sh: $kind build took $(( $(date +%s) - started )) s" >&2
# Under TSan the repetition-heavy property suites (fresh keys, the DP audit's passing paths, the
# CLI's fresh-key runs) run a tenth of their repetitions: the point is interleavings, and fewer
# repetitions can only weaken those tests, never fail a correct build. Override by setting it.
if [ "$kind" = thread ]; then export PRIVACYKERNEL_REPETITION_SCALE="${PRIVACYKERNEL_REPETITION_SCALE:-0.1}"; fi
# Tells the tests which sanitizer runs them (the resource-limit tests then skip their peak-memory
# comparisons: ASan's quarantine and shadow memory are not the program's own).
export PRIVACYKERNEL_SANITIZER="$kind"
# halt_on_error=0 lets TSan report every race instead of stopping at the first.
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=0 second_deadlock_stack=1}"
# LeakSanitizer is off: the Swift runtime's one-time allocations would be reported as leaks.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0 halt_on_error=1}"
# Swift's own backtracer would run inside a sanitizer report and trip over it.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"
run_tests() {
  if [ "$kind" = address ]; then
    asan_swift test debug .build-asan "$@"
  else
    swift test --skip-build --disable-xctest --sanitize=thread --scratch-path .build-tsan "$@"
  fi
}
started=$(date +%s)
if [ "$per_target" = 1 ]; then
  status=0
  for target in $(ls Tests); do
    [ -d "Tests/$target" ] || continue
    case "$target" in _*) continue ;; esac   # support targets (Tests/_TestSupport) hold no tests
    target_started=$(date +%s)
    if run_tests --filter "^$target\\." ${arguments[@]+"${arguments[@]}"}; then result=passed; else result=FAILED; status=1; fi
    echo "sanitize.sh: $kind $target $result in $(( $(date +%s) - target_started )) s" >&2
  done
else
  run_tests ${arguments[@]+"${arguments[@]}"} && status=0 || status=$?
fi
echo "sanitize.sh: $kind tests took $(( $(date +%s) - started )) s" >&2
exit "$status"
