#!/usr/bin/env bash
# Black-box differential-privacy audit (issue 13): for every release path, a lower bound on ε
# with confidence 1 − 10⁻⁵ from outputs on neighbouring inputs; fails when a bound exceeds the
# claimed ε. Method, event families and last figures: docs/dp-audit.md.
#
# Usage: scripts/dp-audit.sh [--long] [--filter SUBSTRING[,SUBSTRING…]] [--samples N] [--debug|--release]
#   --long      10⁶ samples per side and path (10⁴ for CLI paths); builds in release by default
#   --filter    audit only the paths whose name contains one of the substrings
#               (e.g. --filter gate/mean/selected,planted/)
#   --samples   samples per side for every path (overrides the mode's counts)
#   --debug / --release   build configuration (default: debug for short, release for long)
# Prints the per-path table (path | claimed ε | δ | samples | ε_lb | best event | verdict | s).
# Exits non-zero when any test fails: a path whose bound exceeds its claim, or a planted bad
# variant that the audit did not catch.
set -euo pipefail
cd "$(dirname "$0")/.."

long=0; filter=""; samples=""; config=""
while [ $# -gt 0 ]; do
    case "$1" in
        --long) long=1 ;;
        --filter) filter="${2:?--filter needs a value}"; shift ;;
        --samples) samples="${2:?--samples needs a value}"; shift ;;
        --debug) config=debug ;;
        --release) config=release ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "dp-audit.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if [ -z "$config" ]; then
    if [ "$long" = 1 ]; then config=release; else config=debug; fi
fi

scripts/bootstrap.sh >/dev/null
report="$(mktemp /tmp/dp-audit-report.XXXXXX)"
log="$(mktemp /tmp/dp-audit-log.XXXXXX)"
export DP_AUDIT_REPORT="$report"
if [ "$long" = 1 ]; then export DP_AUDIT_LONG=1; fi
if [ -n "$filter" ]; then export DP_AUDIT_FILTER="$filter"; fi
if [ -n "$samples" ]; then export DP_AUDIT_SAMPLES="$samples"; fi

echo "dp-audit: building ($config)…" >&2
# Other test targets use @testable imports, which a release build allows only with -enable-testing.
testing=(); if [ "$config" = release ]; then testing=(-Xswiftc -enable-testing); fi
swift build -c "$config" --build-tests "${testing[@]}" >&2
start=$(date +%s)
status=0
swift test -c "$config" "${testing[@]}" --skip-build --disable-xctest --filter 'DPAuditTests\.' >"$log" 2>&1 || status=$?
end=$(date +%s)

echo "| path | claimed ε | δ | samples per side | ε lower bound | best event | verdict | seconds |"
echo "|---|---|---|---|---|---|---|---|"
sort "$report"
paths=$(grep -c '' "$report" || true)
planted=$(grep -c '^| planted/' "$report" || true)
caught=$(grep '^| planted/' "$report" | grep -c '| FAIL |' || true)
failing=$(grep -v '^| planted/' "$report" | grep -c '| FAIL |' || true)
echo
echo "dp-audit: $paths paths audited in $((end - start)) s ($config$([ "$long" = 1 ] && echo ', long')):" \
     "$failing real path(s) over their claim; $caught of $planted planted bad variant(s) caught."
if [ "$status" != 0 ]; then
    echo "dp-audit: FAILED — failing tests:" >&2
    grep -E '✘' "$log" | grep -v 'Suite' | head -40 >&2 || true
    echo "full log: $log" >&2
else
    rm -f "$log"
fi
rm -f "$report"
exit "$status"
