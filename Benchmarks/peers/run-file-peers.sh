#!/usr/bin/env bash
# Same-run comparison of whole processes on one big CSV file: wall time and peak resident memory
# of the privacy-kernel CLI against DuckDB and pandas + diffprivlib (the "bigger than memory" issue).
#
#   [ROWS=N] [RUNS=N] [BIG=1] [COLD=0|1] [WORK=DIR] [KEEP=1] [PK_BIN=FILE] [PK_ARGS="..."] \
#   [DUCKDB_MEMORY_LIMIT=SIZE] Benchmarks/peers/run-file-peers.sh
#
# 1. creates Benchmarks/peers/.venv-file if missing and pip-installs duckdb, pandas, pyarrow and
#    diffprivlib (with a scikit-learn it imports with);
# 2. uses the CLI at PK_BIN (default .build/release/privacy-kernel of this repository; when PK_BIN
#    is not set and that file is missing, builds it: swift build -c release --product privacy-kernel);
# 3. generates the transport CSV (privacy-kernel datasets generate transport --seed 42) with ROWS
#    rows (default 10,000,000, ≈1.2 GB) in WORK (default: a new temporary folder), and with BIG=1
#    also a 100,000,000-row one (≈12 GB), measured after the first and deleted right after;
#    a file of that name already in WORK is reused (and kept);
# 4. RUNS times (default 3), interleaved: for each query, ours, DuckDB, pandas, each one process
#    under /usr/bin/time -v ("Elapsed (wall clock)", "Maximum resident set size"):
#      mean:  privacy-kernel dp mean --data FILE --column fare --bounds 0:50 --epsilon 1 $PK_ARGS
#             DuckDB: select avg(least(greatest(fare,0),50)) from read_csv(FILE)   (not private)
#             pandas (pyarrow engine, usecols) + diffprivlib tools.mean(bounds=(0,50), epsilon=1)
#      count: privacy-kernel dp count --data FILE --by origin_district --select-partitions
#                 --epsilon 1 --delta 1e-6 $PK_ARGS
#             DuckDB: select origin_district, count(*) from read_csv(FILE) group by 1 (not private)
#             pandas value_counts + diffprivlib's Laplace noise per key and the same partition
#             selection threshold as ours (see file_peers.py);
# 5. prints a markdown table: query | engine | median wall s | peak RSS MiB | ratio to DuckDB.
# ANONYMITY=1 also measures `anonymity check` (8 QIs, l and t on salary-class) on Adult from
# ../shared repeated ADULT_COPIES times (default 100: 3.0 M rows, ≈250 MB), streamed (default
# limit) and loaded whole (--memory-limit 8GiB), against DuckDB and pandas computing the class
# sizes (not private); ANONYMITY=only measures just that.
# COLD=1 evicts the file from the page cache before every run (posix_fadvise DONTNEED); the
# default is warm for ROWS and cold for the BIG file (set COLD=0 or 1 to force either).
# PK_ARGS is appended word-split to our two queries (e.g. PK_ARGS="--memory-limit 256MiB");
# DUCKDB_MEMORY_LIMIT is given to DuckDB as SET memory_limit. Generated files are deleted at exit
# unless KEEP=1. The per-run TSV is kept in Benchmarks/.build/peer-results/.
# Peak RSS is the kernel's ru_maxrss of the process: anonymous memory and also the touched pages
# of a memory-mapped input (our whole-file CSV load maps the file), which are clean page cache the
# kernel can drop; the Python peers' figures include the interpreter and its imports.
set -euo pipefail

PEERS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_DIR="$(cd "$PEERS_DIR/.." && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
VENV="$PEERS_DIR/.venv-file"
PY="$VENV/bin/python"

ROWS="${ROWS:-10000000}"
RUNS="${RUNS:-3}"
BIG="${BIG:-0}"
COLD_SET="${COLD:-}"
COLD="${COLD:-0}"
KEEP="${KEEP:-0}"
PK_ARGS="${PK_ARGS:-}"
ANONYMITY="${ANONYMITY:-0}"
ADULT_COPIES="${ADULT_COPIES:-100}"
BIG_ROWS=100000000

usage() { sed -n '2,36p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
case "${1:-}" in
    -h|--help) usage; exit 0 ;;
    "") ;;
    *) echo "run-file-peers.sh: takes no arguments (settings are environment variables)" >&2; usage >&2; exit 2 ;;
esac

log() { echo "run-file-peers.sh: $*" >&2; }
[[ "$ROWS" =~ ^[0-9]+$ && "$ROWS" -gt 0 ]] || { log "error: ROWS must be a positive integer, not '$ROWS'"; exit 2; }
[[ "$RUNS" =~ ^[0-9]+$ && "$RUNS" -gt 0 ]] || { log "error: RUNS must be a positive integer, not '$RUNS'"; exit 2; }
[[ "$ANONYMITY" =~ ^(0|1|only)$ ]] || { log "error: ANONYMITY must be 0, 1 or only, not '$ANONYMITY'"; exit 2; }
[[ "$ADULT_COPIES" =~ ^[0-9]+$ && "$ADULT_COPIES" -gt 0 ]] || { log "error: ADULT_COPIES must be a positive integer"; exit 2; }
[[ -x /usr/bin/time ]] || { log "error: /usr/bin/time not found (apt-get install time)"; exit 1; }

# --- 1. Python environment -----------------------------------------------------------------
if [[ ! -x "$PY" ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
fi
if [[ ! -f "$VENV/.pk-file-peers-installed" ]]; then
    log "installing duckdb, pandas, pyarrow, diffprivlib (+ scikit-learn<1.6, which it imports with) into $VENV"
    "$PY" -m pip install --quiet --upgrade pip || log "warning: could not upgrade pip; continuing"
    "$PY" -m pip install --quiet duckdb pandas pyarrow diffprivlib "scikit-learn<1.6"
    touch "$VENV/.pk-file-peers-installed"
fi

# --- 2. Our CLI ----------------------------------------------------------------------------
if [[ -z "${PK_BIN:-}" ]]; then
    PK_BIN="$REPO_ROOT/.build/release/privacy-kernel"
    if [[ ! -x "$PK_BIN" ]]; then
        log "building privacy-kernel (release)"
        (cd "$REPO_ROOT" && swift build -c release --product privacy-kernel >&2)
    fi
fi
[[ -x "$PK_BIN" ]] || { log "error: PK_BIN=$PK_BIN is not an executable file"; exit 1; }
PK_BIN="$(cd "$(dirname "$PK_BIN")" && pwd)/$(basename "$PK_BIN")"

# --- 3. Work folder and clean-up -----------------------------------------------------------
MADE_WORK=0
if [[ -z "${WORK:-}" ]]; then
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/pk-file-peers.XXXXXX")"
    MADE_WORK=1
fi
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
GENERATED=()
SCRATCH="$(mktemp -d "$WORK/scratch.XXXXXX")"
cleanup() {
    rm -rf "$SCRATCH"
    if [[ "$KEEP" == 1 ]]; then
        [[ ${#GENERATED[@]} -eq 0 ]] || log "KEEP=1: kept ${GENERATED[*]}"
        return
    fi
    if [[ ${#GENERATED[@]} -gt 0 ]]; then rm -f "${GENERATED[@]}"; fi
    if [[ "$MADE_WORK" == 1 ]]; then rmdir "$WORK" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RESULTS_DIR="$BENCH_DIR/.build/peer-results"
mkdir -p "$RESULTS_DIR"
TSV="$RESULTS_DIR/file-$(date +%Y%m%d-%H%M%S).tsv"
printf 'rows\tquery\tengine\trun\twall_s\trss_kib\tstatus\n' > "$TSV"

log "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) memory, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'), $(uname -srm)"
log "ours: $PK_BIN${PK_ARGS:+ (+ $PK_ARGS)}; peers: $("$PY" -c 'import duckdb, pandas, pyarrow, diffprivlib; print(f"duckdb {duckdb.__version__}, pandas {pandas.__version__}, pyarrow {pyarrow.__version__}, diffprivlib {diffprivlib.__version__}")')"
log "work folder: $WORK; results: $TSV"

# Generates (or reuses) the transport CSV with $1 rows; prints its path.
make_data() {
    local rows="$1" file="$WORK/transport-$1-seed42.csv"
    if [[ -s "$file" ]]; then
        log "reusing $file"
    else
        log "generating $file ($rows rows)"
        GENERATED+=("$file")
        local started=$SECONDS
        "$PK_BIN" datasets generate transport --rows "$rows" --seed 42 --out "$file" --quiet >&2
        log "generated in $((SECONDS - started)) s, $(du -h "$file" | cut -f1)"
    fi
    DATA="$file"
}

# Seconds of an "Elapsed (wall clock) time (h:mm:ss or m:ss): ..." value.
wall_seconds() { awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }' <<< "$1"; }

# measure ROWS QUERY ENGINE RUN -- COMMAND...: one process under /usr/bin/time -v; appends a TSV
# line. The first run's standard output is kept next to the TSV, to compare the engines' answers.
measure() {
    local rows="$1" query="$2" engine="$3" run="$4"; shift 5
    local timing="$SCRATCH/time.txt" out="$SCRATCH/out.txt" err="$SCRATCH/err.txt" status=0
    # Cold runs: drop the file's pages from the page cache first (posix_fadvise DONTNEED needs no
    # privilege), so every engine reads from the disk and none inherits another's cache.
    if [[ "$COLD_NOW" == 1 ]]; then
        python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$DATA"
    fi
    /usr/bin/time -v -o "$timing" "$@" > "$out" 2> "$err" || status=$?
    local elapsed rss
    elapsed="$(sed -n 's/^[[:space:]]*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$timing")"
    rss="$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$timing")"
    if grep -q 'terminated by signal' "$timing"; then
        status="signal $(sed -n 's/.*terminated by signal \([0-9]*\).*/\1/p' "$timing")"
    fi
    if [[ -z "$elapsed" || -z "$rss" ]]; then
        log "error: no timing for $engine $query (status $status): $(cat "$timing" "$err" | tail -5)"
        [[ "$status" != 0 ]] || status="no timing"
        elapsed=0 rss=0
    fi
    local wall; wall="$(wall_seconds "$elapsed")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rows" "$query" "$engine" "$run" "$wall" "$rss" "$status" >> "$TSV"
    if [[ "$status" != 0 ]]; then
        log "  $engine $query run $run FAILED ($status) after ${wall} s: $(tail -3 "$err")"
    else
        log "  $engine $query run $run: ${wall} s, $((rss / 1024)) MiB"
    fi
    if [[ "$run" == 1 ]]; then
        cp "$out" "${TSV%.tsv}.$rows.$query.$engine.out"
        log "    $(head -1 "$out")$( [[ $(wc -l < "$out") -gt 1 ]] && echo " (+$(($(wc -l < "$out") - 1)) lines)")"
    fi
}

# The Python peers: the machine's OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE slow numpy (as in run-dp-peers.sh).
PEER=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" "$PEERS_DIR/file_peers.py" run)

run_size() {
    local rows="$1"
    make_data "$rows"
    # Warm runs (default for ROWS): read the file once so that every engine's first run finds it
    # in the page cache. Cold runs (COLD=1; default for the BIG file, which does not stay cached
    # beside pandas' 20 GB): each run starts with the file evicted.
    COLD_NOW="$COLD"
    [[ "$rows" != "$BIG_ROWS" || -n "${COLD_SET:-}" ]] || COLD_NOW=1
    [[ "$COLD_NOW" == 1 ]] || cat "$DATA" > /dev/null
    log "$rows rows: $([[ "$COLD_NOW" == 1 ]] && echo "cold (file evicted before each run)" || echo "warm (file in the page cache)")"
    for ((run = 1; run <= RUNS; run++)); do
        log "$rows rows, run $run of $RUNS"
        # shellcheck disable=SC2086  # PK_ARGS is a list of arguments
        measure "$rows" mean ours "$run" -- "$PK_BIN" dp mean --data "$DATA" --column fare --bounds 0:50 --epsilon 1 $PK_ARGS
        measure "$rows" mean duckdb "$run" -- "${PEER[@]}" --engine duckdb --query mean --data "$DATA"
        measure "$rows" mean pandas "$run" -- "${PEER[@]}" --engine pandas --query mean --data "$DATA"
        # shellcheck disable=SC2086
        measure "$rows" count ours "$run" -- "$PK_BIN" dp count --data "$DATA" --by origin_district \
            --select-partitions --epsilon 1 --delta 1e-6 $PK_ARGS
        measure "$rows" count duckdb "$run" -- "${PEER[@]}" --engine duckdb --query count --data "$DATA"
        measure "$rows" count pandas "$run" -- "${PEER[@]}" --engine pandas --query count --data "$DATA"
    done
}

# Adult from ../shared repeated ADULT_COPIES times (header once): the anonymity check, streamed
# and in memory, against the class sizes computed by DuckDB and pandas.
run_anonymity() {
    local adult="$REPO_ROOT/../shared/datasets/adult/adult.csv" file="$WORK/adult-x$ADULT_COPIES.csv"
    [[ -f "$adult" ]] || { log "error: $adult not found (ANONYMITY needs ../shared)"; exit 1; }
    if [[ ! -s "$file" ]]; then
        GENERATED+=("$file")
        { head -1 "$adult"; for ((i = 0; i < ADULT_COPIES; i++)); do tail -n +2 "$adult"; done; } > "$file"
    fi
    DATA="$file"
    COLD_NOW="$COLD"
    [[ "$COLD_NOW" == 1 ]] || cat "$DATA" > /dev/null
    local rows=$(($(wc -l < "$DATA") - 1))
    log "Adult x$ADULT_COPIES: $rows rows, $(du -h "$DATA" | cut -f1)"
    local qi=sex,age,race,marital-status,education,native-country,workclass,occupation
    local check=("$PK_BIN" anonymity check --data "$DATA" --qi "$qi" --sensitive salary-class --json --quiet)
    for ((run = 1; run <= RUNS; run++)); do
        log "Adult x$ADULT_COPIES, run $run of $RUNS"
        # The check exits 1 when a requirement fails; none is given here, so 0 is expected.
        measure "$rows" classes ours-stream "$run" -- "${check[@]}"
        measure "$rows" classes ours-memory "$run" -- "${check[@]}" --memory-limit 8GiB
        measure "$rows" classes duckdb "$run" -- "${PEER[@]}" --engine duckdb --query classes --data "$DATA"
        measure "$rows" classes pandas-groupby "$run" -- "${PEER[@]}" --engine pandas-groupby --query classes --data "$DATA"
    done
}

[[ "$ANONYMITY" == only ]] || run_size "$ROWS"
[[ "$ANONYMITY" == 0 ]] || run_anonymity
if [[ "$BIG" == 1 ]]; then
    # The big file goes as soon as it has been measured (unless KEEP=1 or it was not ours).
    run_size "$BIG_ROWS"
    if [[ "$KEEP" != 1 && " ${GENERATED[*]} " == *" $DATA "* ]]; then
        rm -f "$DATA"
        log "deleted $DATA"
    fi
fi

echo
echo "Same run, $(nproc) cores, medians of $RUNS run(s) per cell, whole processes (/usr/bin/time -v); ratio = engine / DuckDB."
echo
"$PY" "$PEERS_DIR/file_peers.py" table "$TSV"
failed="$(awk -F'\t' 'NR > 1 && $7 != "0"' "$TSV" | wc -l)"
[[ "$failed" == 0 ]] || log "warning: $failed run(s) failed (see above and the table)"
log "TSV: $TSV"
