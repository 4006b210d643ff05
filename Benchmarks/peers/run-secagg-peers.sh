#!/usr/bin/env bash
# Same-run comparison of our secure aggregation against Flower's SecAgg+ (flwr).
#
#   Benchmarks/peers/run-secagg-peers.sh [--runs N] [--rounds K] [--parties 100] [--dim 100000]
#                                        [--dropout 0.1] [--skip-build] [--out FILE]
#
# 1. creates Benchmarks/peers/.venv-secagg if missing and pip-installs flwr (and numpy) there;
# 2. builds pk-bench-secagg in release (the Benchmarks package);
# 3. in this one run, K interleaved rounds of: ours (N sessions), then Flower (N sessions), both
#    SecAgg+ with the same parties, dimension, dropouts (before the masked input), neighbourhood
#    size (our degree + 1 = Flower's num_shares) and threshold;
# 4. prints medians and ratios with peers/aggregate.py (per-party and server-unmasking times).
# JSON lines are kept in Benchmarks/.build/peer-results/secagg-<time>.jsonl.
set -euo pipefail

PEERS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_DIR="$(cd "$PEERS_DIR/.." && pwd)"
VENV="$PEERS_DIR/.venv-secagg"
PY="$VENV/bin/python"
RUNS=3; ROUNDS=1; PARTIES=100; DIM=100000; DROPOUT=0.1; SKIP_BUILD=0; OUT=""

while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) RUNS="$2"; shift 2 ;;
        --rounds) ROUNDS="$2"; shift 2 ;;
        --parties) PARTIES="$2"; shift 2 ;;
        --dim) DIM="$2"; shift 2 ;;
        --dropout) DROPOUT="$2"; shift 2 ;;
        --skip-build) SKIP_BUILD=1; shift ;;
        --out) OUT="$2"; shift 2 ;;
        -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run-secagg-peers.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
log() { echo "run-secagg-peers.sh: $*" >&2; }

if [[ ! -x "$PY" ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
fi
if [[ ! -f "$VENV/.pk-secagg-installed" ]]; then
    log "installing flwr and numpy into $VENV"
    "$PY" -m pip install --quiet flwr numpy
    touch "$VENV/.pk-secagg-installed"
fi
FLWR_VERSION="$("$PY" -c 'import flwr; print(flwr.__version__)')"
log "flwr $FLWR_VERSION"

if [[ "$SKIP_BUILD" == 0 ]]; then
    log "building pk-bench-secagg (release)"
    (cd "$BENCH_DIR" && swift build -c release --product pk-bench-secagg >&2)
fi
PROBE="$BENCH_DIR/.build/release/pk-bench-secagg"
[[ -x "$PROBE" ]] || { log "error: $PROBE is missing (build it: cd Benchmarks && swift build -c release --product pk-bench-secagg)"; exit 1; }

# Neighbourhood and threshold as ours chooses them (degree = even ≥ 3·log2 n, t = majority).
read -r DEGREE THRESHOLD < <(python3 - "$PARTIES" <<'PY'
import math, sys
n = int(sys.argv[1])
d = 3 * math.ceil(math.log2(n)) if n > 2 else 1
d += d % 2
d = min(d, n - 1)
print(d, (d + 1) // 2 + 1)
PY
)
mkdir -p "$BENCH_DIR/.build/peer-results"
RESULTS="${OUT:-$BENCH_DIR/.build/peer-results/secagg-$(date -u +%Y%m%dT%H%M%SZ).jsonl}"
: > "$RESULTS"
log "parties $PARTIES, dim $DIM, dropout $DROPOUT, degree $DEGREE (num_shares $((DEGREE + 1))), threshold $THRESHOLD"
for round in $(seq 1 "$ROUNDS"); do
    log "round $round/$ROUNDS: ours"
    "$PROBE" --runs "$RUNS" --parties "$PARTIES" --dim "$DIM" --dropout "$DROPOUT" --graph sparse >> "$RESULTS"
    log "round $round/$ROUNDS: flower"
    "$PY" "$PEERS_DIR/secagg_flower_peer.py" --runs "$RUNS" --parties "$PARTIES" --dim "$DIM" --dropout "$DROPOUT" \
        --num-shares "$((DEGREE + 1))" --threshold "$THRESHOLD" >> "$RESULTS"
done
log "results in $RESULTS"
python3 "$PEERS_DIR/aggregate.py" --ours privacykernel "$RESULTS"
