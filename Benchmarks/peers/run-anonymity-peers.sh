#!/usr/bin/env bash
# Same-run comparison of the Anonymity module against pandas and pycanon on Adult.
#
#   Benchmarks/peers/run-anonymity-peers.sh [--runs N] [--slow-runs M] [--ops "adult_kanon ..."]
#                                           [--adult-dir DIR] [--skip-build] [--out FILE]
#
# 1. creates Benchmarks/peers/.venv-anonymity if missing and pip-installs pandas and pycanon;
# 2. builds pk-bench-anonymity in release;
# 3. in this one run, measures ours, pandas and pycanon per operation (N timed runs after one
#    warm-up; pycanon's slow operations — everything except adult_kanon — get M runs, no warm-up);
#    our optimal searches (adult_flash0, adult_flash5) have no Python peer and are listed alone;
# 4. prints medians, rates and ratios (ours/peer) with peers/aggregate.py.
# Operations: adult_kanon adult100_kanon adult_ldiv adult_tclose adult_flash0 adult_flash5.
# JSON lines are kept in Benchmarks/.build/peer-results/. See Benchmarks/README.md.
set -euo pipefail

PEERS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_DIR="$(cd "$PEERS_DIR/.." && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
VENV="$PEERS_DIR/.venv-anonymity"
PY="$VENV/bin/python"

RUNS=5
SLOW_RUNS=1
OPS="adult_kanon adult100_kanon adult_ldiv adult_tclose adult_flash0 adult_flash5"
ADULT_DIR="${PK_BENCH_ADULT_DIR:-$REPO_ROOT/../shared/datasets/adult}"
SKIP_BUILD=0
OUT=""

usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) RUNS="$2"; shift 2 ;;
        --slow-runs) SLOW_RUNS="$2"; shift 2 ;;
        --ops) OPS="$2"; shift 2 ;;
        --adult-dir) ADULT_DIR="$2"; shift 2 ;;
        --skip-build) SKIP_BUILD=1; shift ;;
        --out) OUT="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run-anonymity-peers.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done

log() { echo "run-anonymity-peers.sh: $*" >&2; }
[[ -f "$ADULT_DIR/adult.csv" ]] || { log "error: $ADULT_DIR/adult.csv not found (use --adult-dir)"; exit 1; }
ADULT_DIR="$(cd "$ADULT_DIR" && pwd)"

# --- 1. Python environment -----------------------------------------------------------------
if [[ ! -x "$PY" ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
fi
if [[ ! -f "$VENV/.pk-anonymity-peers-installed" ]]; then
    log "installing pandas and pycanon into $VENV"
    "$PY" -m pip install --quiet pandas pycanon
    touch "$VENV/.pk-anonymity-peers-installed"
fi

# --- 2. Our probe --------------------------------------------------------------------------
if [[ "$SKIP_BUILD" == 0 ]]; then
    log "building pk-bench-anonymity (release)"
    (cd "$BENCH_DIR" && swift build -c release --product pk-bench-anonymity >&2)
fi
PROBE="$(cd "$BENCH_DIR" && swift build -c release --show-bin-path)/pk-bench-anonymity"
[[ -x "$PROBE" ]] || { log "error: $PROBE not found (run without --skip-build)"; exit 1; }

RESULTS_DIR="$BENCH_DIR/.build/peer-results"
mkdir -p "$RESULTS_DIR"
[[ -n "$OUT" ]] || OUT="$RESULTS_DIR/anonymity-$(date +%Y%m%d-%H%M%S).jsonl"
: > "$OUT"
log "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'), $(uname -srm)"
log "adult: $ADULT_DIR"

ours() { PK_BENCH_ADULT_DIR="$ADULT_DIR" "$PROBE" --runs "$RUNS" --ops "$1" | tee -a "$OUT" >&2; }
peer() { "$PY" "$PEERS_DIR/anonymity_peers.py" --adult-dir "$ADULT_DIR" "$@" | tee -a "$OUT" >&2; }

for op in $OPS; do
    case "$op" in
        adult_kanon)
            ours "$op"; peer --op "$op" --impl pandas --runs "$RUNS"; peer --op "$op" --impl pycanon --runs "$RUNS" ;;
        adult100_kanon|adult_ldiv|adult_tclose)
            ours "$op"; peer --op "$op" --impl pandas --runs "$RUNS"
            peer --op "$op" --impl pycanon --runs "$SLOW_RUNS" --warmup 0 ;;
        adult_flash0|adult_flash5)
            ours "$op" ;;
        *) log "error: unknown operation $op"; exit 2 ;;
    esac
done

echo
"$PY" "$PEERS_DIR/aggregate.py" --json "${OUT%.jsonl}.summary.json" "$OUT"
log "JSON lines: $OUT"
