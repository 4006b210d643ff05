#!/usr/bin/env bash
# Same-run comparison of our accountants (pk-accounting-probe) with Google's dp-accounting.
#   Benchmarks/peers/run-accounting-peers.sh [--runs N] [--rounds R]
# Creates Benchmarks/peers/.venv-accounting with dp-accounting if missing, builds the probe in
# release, then for each round runs ours and dp-accounting one after the other and prints the
# aggregate table ("MB/s" = operations per second; ours/peer > 1 means ours is faster).
set -euo pipefail
PEERS_DIR="$(cd "$(dirname "$0")" && pwd)"
BENCH_DIR="$(dirname "$PEERS_DIR")"
RUNS=5; ROUNDS=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--rounds R]" >&2; exit 2 ;;
  esac
done
VENV="$PEERS_DIR/.venv-accounting"
if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet 'dp-accounting==0.6.0'
fi
(cd "$BENCH_DIR" && swift build -c release --product pk-accounting-probe >&2)
PROBE="$(cd "$BENCH_DIR" && swift build -c release --show-bin-path)/pk-accounting-probe"
OUT="$BENCH_DIR/.build/peer-results/accounting-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
mkdir -p "$(dirname "$OUT")"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ((round = 1; round <= ROUNDS; round++)); do
  "$PROBE" --runs "$RUNS" >> "$OUT"
  "$VENV/bin/python" "$PEERS_DIR/accounting_peers.py" --runs "$RUNS" >> "$OUT"
done
"$VENV/bin/python" "$PEERS_DIR/aggregate.py" --json "${OUT%.jsonl}.summary.json" "$OUT"
