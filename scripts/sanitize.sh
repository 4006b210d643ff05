#!/usr/bin/env bash
# Runs the test suite under a sanitizer, in its own build folder (.build-asan / .build-tsan) so
# the normal build stays valid.
# Usage: scripts/sanitize.sh address|thread [--filter REGEX] [other swift test options]
# TSan needs the whole process instrumented; the suite takes several times longer than plainly.
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-}"
case "$kind" in
  address) scratch=.build-asan ;;
  thread) scratch=.build-tsan ;;
  *) echo "usage: scripts/sanitize.sh address|thread [--filter REGEX]" >&2; exit 2 ;;
esac
shift
scripts/bootstrap.sh
swift build --build-tests --sanitize="$kind" --scratch-path "$scratch"
# halt_on_error=0 lets the run report every race/error instead of stopping at the first.
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=0 second_deadlock_stack=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0 halt_on_error=1}"
swift test --skip-build --disable-xctest --sanitize="$kind" --scratch-path "$scratch" "$@"
