#!/usr/bin/env bash
# Same-run comparison of PrivacyKernel's differential privacy against numpy, diffprivlib, OpenDP
# and python-dp (Google's DP library).
#
#   Benchmarks/peers/run-dp-peers.sh [--runs N] [--slow-runs M] [--rounds K] [--ops "dp_sum ..."]
#                                    [--count N] [--skip-build] [--out FILE]
#
# 1. creates Benchmarks/peers/.venv-dp if missing and pip-installs numpy, diffprivlib (with a
#    scikit-learn it imports with), opendp and python-dp; a peer that cannot be installed or
#    imported is skipped with a message;
# 2. builds pk-bench-dp in release;
# 3. in one run, K interleaved rounds: for each operation ours, then each peer. Fast
#    implementations get N timed runs (default 10), OpenDP and python-dp M (default 3);
# 4. prints medians, rates and ours/peer ratios with peers/aggregate.py (ratio > 1: ours faster).
# Operations: dp_sum dp_mean dp_count_by_key dp_median dlap_samples dgauss_samples (see dp_peers.py).
set -euo pipefail

PEERS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_DIR="$(cd "$PEERS_DIR/.." && pwd)"
VENV="$PEERS_DIR/.venv-dp"
PY="$VENV/bin/python"

RUNS=10
SLOW_RUNS=3
ROUNDS=1
OPS="dp_sum dp_mean dp_count_by_key dp_median dlap_samples dgauss_samples"
COUNT=10000000
SKIP_BUILD=0
OUT=""

usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) RUNS="$2"; shift 2 ;;
        --slow-runs) SLOW_RUNS="$2"; shift 2 ;;
        --rounds) ROUNDS="$2"; shift 2 ;;
        --ops) OPS="$2"; shift 2 ;;
        --count) COUNT="$2"; shift 2 ;;
        --skip-build) SKIP_BUILD=1; shift ;;
        --out) OUT="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run-dp-peers.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done

log() { echo "run-dp-peers.sh: $*" >&2; }

if [[ ! -x "$PY" ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
fi
if [[ ! -f "$VENV/.pk-dp-peers-installed" ]]; then
    log "installing numpy, diffprivlib (+ scikit-learn<1.6, which it imports with), opendp, python-dp"
    "$PY" -m pip install --quiet --upgrade pip || log "warning: could not upgrade pip; continuing"
    "$PY" -m pip install --quiet numpy
    for optional in "diffprivlib scikit-learn<1.6" opendp python-dp; do
        # shellcheck disable=SC2086
        "$PY" -m pip install --quiet $optional || log "warning: pip could not install $optional; its peers will be skipped"
    done
    touch "$VENV/.pk-dp-peers-installed"
fi

if [[ "$SKIP_BUILD" == 0 ]]; then
    log "building pk-bench-dp (release)"
    (cd "$BENCH_DIR" && swift build -c release --product pk-bench-dp >&2)
fi
PROBE="$(cd "$BENCH_DIR" && swift build -c release --show-bin-path)/pk-bench-dp"
[[ -x "$PROBE" ]] || { log "error: $PROBE not found (run without --skip-build)"; exit 1; }

RESULTS_DIR="$BENCH_DIR/.build/peer-results"
mkdir -p "$RESULTS_DIR"
[[ -n "$OUT" ]] || OUT="$RESULTS_DIR/dp-run-$(date +%Y%m%d-%H%M%S).jsonl"
: > "$OUT"
log "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'), $(uname -srm)"

ours() { "$PROBE" --runs "$RUNS" --warmup 1 --count "$COUNT" --ops "$1" | tee -a "$OUT" >&2; }
peer() {
    local op="$1" impl="$2" runs="$3"
    # The machine's OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE slow numpy; unset them here only.
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" "$PEERS_DIR/dp_peers.py" --op "$op" --impl "$impl" \
        --runs "$runs" --count "$COUNT" --samples 100000 | tee -a "$OUT" >&2
}

for ((round = 1; round <= ROUNDS; round++)); do
    log "round $round of $ROUNDS"
    for op in $OPS; do
        ours "$op"
        case "$op" in
            dp_sum|dp_mean|dp_median)
                peer "$op" numpy "$RUNS"; peer "$op" diffprivlib "$RUNS"
                peer "$op" opendp "$SLOW_RUNS"; peer "$op" python-dp "$SLOW_RUNS" ;;
            dp_count_by_key)
                peer "$op" numpy "$RUNS"; peer "$op" diffprivlib "$RUNS"; peer "$op" opendp "$SLOW_RUNS" ;;
            dlap_samples|dgauss_samples)
                peer "$op" opendp "$SLOW_RUNS" ;;
            *) log "error: unknown operation $op"; exit 2 ;;
        esac
    done
done

echo
"$PY" "$PEERS_DIR/aggregate.py" --json "${OUT%.jsonl}.summary.json" "$OUT"
log "JSON lines: $OUT"
