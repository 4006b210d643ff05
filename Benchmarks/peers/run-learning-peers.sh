#!/usr/bin/env bash
# Same-run comparison of PrivacyKernel's private learning (PrivateLearning) against diffprivlib's
# LinearRegression and LogisticRegression.
#
#   Benchmarks/peers/run-learning-peers.sh [--runs N] [--rounds K] [--epsilons 0.5,1,4]
#                                          [--rows N] [--skip-build] [--out FILE]
#
# 1. creates Benchmarks/peers/.venv-learning if missing and pip-installs numpy,
#    scikit-learn<1.6 and diffprivlib;
# 2. writes the synthetic data once (default 1,000,000 training rows + 200,000 test rows,
#    20 standard-normal features, seed 7) to .build-bench-data/learning-<rows>.f64, read by both;
# 3. builds pk-bench-learning in release;
# 4. in one run, K rounds of: ours (every model and ε), then diffprivlib (every model and ε),
#    N timed fits each after one warm-up; the first round also fits non-private scikit-learn as
#    the accuracy ceiling;
# 5. prints the table (learning_peers.py summarize): test-set R² / AUC (mean ± sd over fits),
#    median wall and CPU seconds of `fit`, and diffprivlib/ours ratios (> 1: ours faster).
# Both sides run with OPENBLAS_NUM_THREADS=1 (BLAS single-threaded; our fits still use
# DispatchQueue.concurrentPerform over row chunks, hence the CPU column) and without this
# machine's OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE overrides.
set -euo pipefail

PEERS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_DIR="$(cd "$PEERS_DIR/.." && pwd)"
ROOT_DIR="$(cd "$BENCH_DIR/.." && pwd)"
VENV="$PEERS_DIR/.venv-learning"
PY="$VENV/bin/python"

RUNS=3
ROUNDS=1
EPSILONS="0.5,1,4"
ROWS=1000000
SKIP_BUILD=0
OUT=""

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) RUNS="$2"; shift 2 ;;
        --rounds) ROUNDS="$2"; shift 2 ;;
        --epsilons) EPSILONS="$2"; shift 2 ;;
        --rows) ROWS="$2"; shift 2 ;;
        --skip-build) SKIP_BUILD=1; shift ;;
        --out) OUT="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run-learning-peers.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done

log() { echo "run-learning-peers.sh: $*" >&2; }

if [[ ! -x "$PY" ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
fi
if ! "$PY" -c "import numpy, sklearn, diffprivlib" 2>/dev/null; then
    log "installing numpy, scikit-learn<1.6, diffprivlib"
    "$PY" -m pip install --quiet numpy "scikit-learn<1.6" diffprivlib
fi

DATA_DIR="$ROOT_DIR/.build-bench-data"
DATA="$DATA_DIR/learning-$ROWS.f64"
mkdir -p "$DATA_DIR"
if [[ ! -f "$DATA" || ! -f "$DATA.json" ]]; then
    log "writing $DATA"
    "$PY" "$PEERS_DIR/learning_peers.py" generate --rows "$ROWS" --test-rows 200000 --features 20 --seed 7 --out "$DATA"
fi

if [[ "$SKIP_BUILD" == 0 ]]; then
    log "building pk-bench-learning (release)"
    (cd "$BENCH_DIR" && swift build -c release --product pk-bench-learning >&2)
fi
PROBE="$(cd "$BENCH_DIR" && swift build -c release --show-bin-path)/pk-bench-learning"
[[ -x "$PROBE" ]] || { log "error: $PROBE not found (run without --skip-build)"; exit 1; }

RESULTS_DIR="$BENCH_DIR/.build/peer-results"
mkdir -p "$RESULTS_DIR"
[[ -n "$OUT" ]] || OUT="$RESULTS_DIR/learning-run-$(date +%Y%m%d-%H%M%S).jsonl"
: > "$OUT"
log "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'), $(uname -srm)"

run_env() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 "$@"; }

for ((round = 1; round <= ROUNDS; round++)); do
    log "round $round of $ROUNDS"
    run_env "$PROBE" --data "$DATA" --runs "$RUNS" --warmup 1 --epsilons "$EPSILONS" | tee -a "$OUT" >&2
    ops="linreg,logreg"
    [[ "$round" == 1 ]] && ops="linreg,logreg,exact"
    run_env "$PY" "$PEERS_DIR/learning_peers.py" run --data "$DATA" --runs "$RUNS" --warmup 1 \
        --epsilons "$EPSILONS" --ops "$ops" | tee -a "$OUT" >&2
done

echo
"$PY" "$PEERS_DIR/learning_peers.py" summarize "$OUT"
log "JSON lines: $OUT"
