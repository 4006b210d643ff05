#!/usr/bin/env bash
# Same-run comparison of PrivacyKernel against Python peers (numpy, pandas, polars, pyarrow).
#
#   Benchmarks/peers/run-peers.sh [--runs N] [--rounds K] [--csv PATH] [--ops "csv_load f64_sum"]
#                                 [--f64-count N] [--skip-build] [--out FILE]
#
# 1. creates Benchmarks/peers/.venv if missing and pip-installs numpy, pandas, polars, pyarrow
#    (polars and pyarrow are optional: a peer whose library is missing is skipped with a message);
# 2. makes the 10M-row transport CSV if missing (release CLI, from the repository root), unless
#    --csv or $PK_BENCH_TRANSPORT_CSV names another file;
# 3. builds pk-bench-probe in release and, in this one run, measures ours and every peer
#    (K rounds, interleaved: ours, then each peer, per operation; N timed runs each, after a
#    warm-up; f64_sum times 10 x N sums);
# 4. prints medians, rates and ratios (ours/peer throughput) with peers/aggregate.py.
# JSON lines are kept in Benchmarks/.build/peer-results/. See Benchmarks/README.md.
set -euo pipefail

PEERS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_DIR="$(cd "$PEERS_DIR/.." && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
VENV="$PEERS_DIR/.venv"
PY="$VENV/bin/python"

RUNS=5
ROUNDS=1
OPS="csv_load f64_sum"
F64_COUNT=10000000
SKIP_BUILD=0
CSV="${PK_BENCH_TRANSPORT_CSV:-}"
CSV_EXPLICIT=0
[[ -n "$CSV" ]] && CSV_EXPLICIT=1
OUT=""

usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) RUNS="$2"; shift 2 ;;
        --rounds) ROUNDS="$2"; shift 2 ;;
        --csv) CSV="$2"; CSV_EXPLICIT=1; shift 2 ;;
        --ops) OPS="$2"; shift 2 ;;
        --f64-count) F64_COUNT="$2"; shift 2 ;;
        --skip-build) SKIP_BUILD=1; shift ;;
        --out) OUT="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run-peers.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done

log() { echo "run-peers.sh: $*" >&2; }

# --- 1. Python environment -----------------------------------------------------------------
if [[ ! -x "$PY" ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
fi
if [[ ! -f "$VENV/.pk-peers-installed" ]]; then
    log "installing numpy, pandas (required) and polars, pyarrow (optional) into $VENV"
    "$PY" -m pip install --quiet --upgrade pip || log "warning: could not upgrade pip; continuing"
    "$PY" -m pip install --quiet numpy pandas
    for optional in polars pyarrow; do
        "$PY" -m pip install --quiet "$optional" || log "warning: pip could not install $optional; its peers will be skipped"
    done
    touch "$VENV/.pk-peers-installed"
fi

# --- 2. Input data -------------------------------------------------------------------------
if [[ " $OPS " == *" csv_load "* ]]; then
    if [[ -z "$CSV" ]]; then
        CSV="$REPO_ROOT/.build-bench-data/transport-10M.csv"
    fi
    if [[ ! -f "$CSV" ]]; then
        if [[ "$CSV_EXPLICIT" == 1 ]]; then
            log "error: $CSV does not exist (from --csv or PK_BENCH_TRANSPORT_CSV)"
            exit 1
        fi
        log "making $CSV (10M rows; takes a while)"
        mkdir -p "$(dirname "$CSV")"
        (cd "$REPO_ROOT" && swift run -c release privacy-kernel datasets generate transport \
            --rows 10000000 --seed 42 --out "$CSV")
        [[ -f "$CSV" ]] || { log "error: the generator did not write $CSV"; exit 1; }
    fi
    CSV="$(cd "$(dirname "$CSV")" && pwd)/$(basename "$CSV")"
fi

# --- 3. Our probe --------------------------------------------------------------------------
if [[ "$SKIP_BUILD" == 0 ]]; then
    log "building pk-bench-probe (release)"
    (cd "$BENCH_DIR" && swift build -c release --product pk-bench-probe >&2)
fi
PROBE="$(cd "$BENCH_DIR" && swift build -c release --show-bin-path)/pk-bench-probe"
[[ -x "$PROBE" ]] || { log "error: $PROBE not found (run without --skip-build)"; exit 1; }

RESULTS_DIR="$BENCH_DIR/.build/peer-results"
mkdir -p "$RESULTS_DIR"
[[ -n "$OUT" ]] || OUT="$RESULTS_DIR/run-$(date +%Y%m%d-%H%M%S).jsonl"
: > "$OUT"

log "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'), $(uname -srm)"
[[ -n "$CSV" ]] && log "csv: $CSV ($(stat -c %s "$CSV") bytes)"

ours() { "$PROBE" --runs "$RUNS" --ops "$1" --f64-count "$F64_COUNT" ${CSV:+--csv "$CSV"} | tee -a "$OUT" >&2; }
peer() { "$PY" "$PEERS_DIR/peers.py" --runs "$RUNS" --f64-count "$F64_COUNT" ${CSV:+--csv "$CSV"} "$@" | tee -a "$OUT" >&2; }

for ((round = 1; round <= ROUNDS; round++)); do
    log "round $round of $ROUNDS"
    for op in $OPS; do
        case "$op" in
            csv_load)
                cat "$CSV" > /dev/null   # same page-cache state for everyone
                ours csv_load
                peer --op csv_load --impl pandas
                peer --op csv_load --impl pandas-pyarrow
                peer --op csv_load --impl polars
                ;;
            f64_sum)
                ours f64_sum
                # The machine's OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE slow numpy; unset them here only.
                env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
                    "$PY" "$PEERS_DIR/peers.py" --runs "$RUNS" --f64-count "$F64_COUNT" --op f64_sum --impl numpy | tee -a "$OUT" >&2
                peer --op f64_sum --impl pandas
                peer --op f64_sum --impl polars
                ;;
            *) log "error: unknown operation $op (known: csv_load f64_sum)"; exit 2 ;;
        esac
    done
done

echo
"$PY" "$PEERS_DIR/aggregate.py" --json "${OUT%.jsonl}.summary.json" "$OUT"
log "JSON lines: $OUT"
