#!/usr/bin/env bash
# Same-run comparison of PrivacyKernel's Paillier-2048 against python-paillier (phe + gmpy2) and
# the raw GMP floor (a small C program against Debian's GMP).
#
#   Benchmarks/peers/run-paillier-peers.sh [--runs N] [--rounds K] [--enc-batch N] [--dec-batch N]
#                                          [--add-batch N] [--skip-build] [--out FILE]
#
# 1. creates Benchmarks/peers/.venv-paillier if missing and pip-installs phe and gmpy2;
# 2. builds pk-bench-paillier (release) and compiles peers/paillier_gmp_floor.c with gcc -O2 -lgmp;
# 3. generates one 2048-bit key (our key generation) that every implementation uses;
# 4. in this one run, K interleaved rounds of: ours, phe, GMP floor (N timed batches each after a
#    warm-up) for encryption, CRT decryption and addition;
# 5. prints medians, rates (operations/s) and ratios ours/peer with peers/aggregate.py.
# JSON lines are kept in Benchmarks/.build/peer-results/paillier-*.jsonl. See Benchmarks/README.md.
set -euo pipefail

PEERS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_DIR="$(cd "$PEERS_DIR/.." && pwd)"
VENV="$PEERS_DIR/.venv-paillier"
PY="$VENV/bin/python"

RUNS=5
ROUNDS=1
ENC_BATCH=40
DEC_BATCH=100
ADD_BATCH=20000
SKIP_BUILD=0
OUT=""

usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) RUNS="$2"; shift 2 ;;
        --rounds) ROUNDS="$2"; shift 2 ;;
        --enc-batch) ENC_BATCH="$2"; shift 2 ;;
        --dec-batch) DEC_BATCH="$2"; shift 2 ;;
        --add-batch) ADD_BATCH="$2"; shift 2 ;;
        --skip-build) SKIP_BUILD=1; shift ;;
        --out) OUT="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run-paillier-peers.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done

log() { echo "run-paillier-peers.sh: $*" >&2; }

# --- 1. Python environment -----------------------------------------------------------------
if [[ ! -x "$PY" ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
fi
if ! "$PY" -c "import phe, gmpy2" 2>/dev/null; then
    log "installing phe and gmpy2 into $VENV"
    "$PY" -m pip install --quiet phe gmpy2 || log "warning: pip could not install phe/gmpy2; the phe peer will be skipped"
fi

# --- 2. Builds -----------------------------------------------------------------------------
if [[ "$SKIP_BUILD" == 0 ]]; then
    log "building pk-bench-paillier (release)"
    (cd "$BENCH_DIR" && swift build -c release --product pk-bench-paillier >&2)
fi
PROBE="$(cd "$BENCH_DIR" && swift build -c release --show-bin-path)/pk-bench-paillier"
[[ -x "$PROBE" ]] || { log "error: $PROBE not found (run without --skip-build)"; exit 1; }

RESULTS_DIR="$BENCH_DIR/.build/peer-results"
mkdir -p "$RESULTS_DIR"
FLOOR="$RESULTS_DIR/paillier_gmp_floor"
log "compiling $PEERS_DIR/paillier_gmp_floor.c (gcc -O2 -lgmp)"
gcc -O2 -o "$FLOOR" "$PEERS_DIR/paillier_gmp_floor.c" -lgmp
[[ -n "$OUT" ]] || OUT="$RESULTS_DIR/paillier-$(date +%Y%m%d-%H%M%S).jsonl"
: > "$OUT"

# --- 3. One key for everyone ---------------------------------------------------------------
KEY_JSON="$RESULTS_DIR/paillier-key.json"
KEY_LINES="$RESULTS_DIR/paillier-key.txt"
"$PROBE" --write-key "$KEY_JSON"
"$PY" -c 'import json, sys; k = json.load(open(sys.argv[1])); open(sys.argv[2], "w").write("\n".join([k["n"], k["p"], k["q"]]) + "\n")' \
    "$KEY_JSON" "$KEY_LINES"

log "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'), $(uname -srm)"
log "GMP: Debian $(dpkg-query -W -f='${Version}' libgmp10 2>/dev/null || echo '?') for ours and the C floor; gmpy2 wheel: $("$PY" -c 'import gmpy2; print(gmpy2.mp_version())' 2>/dev/null || echo 'not installed')"

# --- 4. Measurements -----------------------------------------------------------------------
for ((round = 1; round <= ROUNDS; round++)); do
    log "round $round of $ROUNDS"
    "$PROBE" --key "$KEY_JSON" --runs "$RUNS" --enc-batch "$ENC_BATCH" --dec-batch "$DEC_BATCH" \
        --add-batch "$ADD_BATCH" | tee -a "$OUT" >&2
    for op in encrypt decrypt add; do
        case "$op" in
            encrypt) batch="$ENC_BATCH" ;;
            decrypt) batch="$DEC_BATCH" ;;
            add) batch="$ADD_BATCH" ;;
        esac
        "$PY" "$PEERS_DIR/paillier_peers.py" --key "$KEY_JSON" --op "$op" --runs "$RUNS" --batch "$batch" \
            | tee -a "$OUT" >&2
    done
    "$FLOOR" "$KEY_LINES" "$RUNS" 1 "$ENC_BATCH" "$DEC_BATCH" "$ADD_BATCH" | tee -a "$OUT" >&2
done

# --- 5. Report (rates in operations per second: "bytes" holds the batch size) ---------------
echo
"$PY" - "$PEERS_DIR" "$OUT" "${OUT%.jsonl}.summary.json" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[1])
import aggregate
for op in ("paillier_encrypt", "paillier_encrypt_plain", "paillier_decrypt", "paillier_decrypt_threads", "paillier_add"):
    aggregate.UNITS[op] = ("ops/s", 1.0)
sys.exit(aggregate.main([sys.argv[2], "--json", sys.argv[3]]))
PYEOF
log "JSON lines: $OUT"
log "goals (issue 5): encrypt >= 3x phe; decrypt >= 0.9x gmp-c; add >= 1x gmp-c"
