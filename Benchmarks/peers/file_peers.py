#!/usr/bin/env python3
"""Peers of run-file-peers.sh: one query on one big CSV file per process, and the results table.

run-file-peers.sh measures whole processes with /usr/bin/time -v, so each peer query runs in a
fresh Python process of its own (interpreter start and imports included, as ours includes the
binary's start):

    python file_peers.py run --engine duckdb --query mean  --data FILE
    python file_peers.py run --engine duckdb --query count --data FILE
    python file_peers.py run --engine pandas --query mean  --data FILE
    python file_peers.py run --engine pandas --query count --data FILE
    python file_peers.py table RESULTS.tsv      # markdown table of the medians

Queries (the transport CSV of `privacy-kernel datasets generate transport`):

    mean    ours: dp mean --column fare --bounds 0:50 --epsilon 1
            duckdb: select avg(least(greatest(fare, 0), 50)) from read_csv(FILE)   (not private)
            pandas: read_csv(engine="pyarrow", usecols=["fare"]), then
                    diffprivlib.tools.mean(fare, bounds=(0, 50), epsilon=1) (diffprivlib clamps)
    count   ours: dp count --by origin_district --select-partitions --epsilon 1 --delta 1e-6
            duckdb: select origin_district, count(*) from read_csv(FILE) group by 1  (not private)
            pandas: read_csv(engine="pyarrow", usecols=["origin_district"]).value_counts(), then
                    per key diffprivlib's mechanisms.Laplace (sensitivity 1, epsilon 1: ours'
                    default mechanism for count is laplace too) and the Laplace threshold that
                    ours prints for selected keys with one row per unit,
                    tau = 1 + ln(1/delta) / epsilon (14.8155 at delta 1e-6): keys whose noisy
                    count is below tau are dropped. This is the same work as ours (count, noise
                    per key, threshold), not a vetted partition-selection implementation;
                    diffprivlib has none.

pandas reads with dtype_backend="pyarrow" so that a string column stays an Arrow array (object
dtype would hold one Python string per row: several GB at 100M rows). Missing fares, if any, are
dropped before the mean (DuckDB's avg and ours skip them too).

Environment: DUCKDB_MEMORY_LIMIT (e.g. 256MiB) is passed to DuckDB as `SET memory_limit`;
DuckDB otherwise uses its defaults (all cores, 80% of RAM).

The result (one short line, or one line per key for count) goes to standard output, so that a
run can be checked against the others; run-file-peers.sh keeps the first run's output.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys

EPSILON = 1.0
DELTA = 1e-6
BOUNDS = (0.0, 50.0)


# The quasi-identifiers of Adult as ARX packages it (../shared/datasets/adult).
ADULT_QUASI_IDENTIFIERS = [
    "sex", "age", "race", "marital-status", "education", "native-country", "workclass", "occupation",
]


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- DuckDB (not private) -------------------------------------------------------------------

def duckdb_query(query: str, data: str) -> None:
    import duckdb
    con = duckdb.connect()
    limit = os.environ.get("DUCKDB_MEMORY_LIMIT")
    if limit:
        con.execute(f"SET memory_limit = {_sql_string(limit)}")
    source = f"read_csv({_sql_string(data)})"
    if query == "classes":
        source = f"read_csv({_sql_string(data)}, delim=';')"
        groups = ", ".join(f'"{name}"' for name in ADULT_QUASI_IDENTIFIERS)
        (classes, k), = con.execute(
            f"select count(*), min(c) from (select count(*) c from {source} group by {groups})").fetchall()
        print(f"duckdb {duckdb.__version__}: classes {classes}, k {k}")
        return
    if query == "mean":
        (value,), = con.execute(f"select avg(least(greatest(fare, 0), 50)) from {source}").fetchall()
        print(f"duckdb {duckdb.__version__}: mean {value}")
    else:
        rows = con.execute(f"select origin_district, count(*) from {source} group by 1").fetchall()
        print(f"duckdb {duckdb.__version__}: {len(rows)} keys")
        for key, count in sorted(rows, key=lambda row: str(row[0])):
            print(f"{key}\t{count}")


# --- pandas + diffprivlib ------------------------------------------------------------------

def _read(data: str, column: str):
    import pandas as pd
    return pd.read_csv(data, engine="pyarrow", usecols=[column], dtype_backend="pyarrow")[column]


def pandas_query(query: str, data: str) -> None:
    import numpy as np
    import pandas as pd
    import diffprivlib
    from diffprivlib import mechanisms, tools
    versions = f"pandas {pd.__version__} + diffprivlib {diffprivlib.__version__}"
    if query == "classes":
        frame = pd.read_csv(
            data, sep=";", engine="pyarrow", usecols=ADULT_QUASI_IDENTIFIERS, dtype_backend="pyarrow")
        sizes = frame.groupby(ADULT_QUASI_IDENTIFIERS, dropna=False, observed=True).size()
        print(f"pandas {pd.__version__}: classes {len(sizes)}, k {sizes.min()}")
        return
    if query == "mean":
        fare = _read(data, "fare").dropna().to_numpy(dtype=np.float64)
        value = tools.mean(fare, epsilon=EPSILON, bounds=BOUNDS)
        print(f"{versions}: mean {value}")
    else:
        counts = _read(data, "origin_district").value_counts(dropna=False)
        noise = mechanisms.Laplace(epsilon=EPSILON, sensitivity=1)
        threshold = 1 + math.log(1 / DELTA) / EPSILON
        released = []
        for key, count in counts.items():
            noisy = noise.randomise(float(count))
            if noisy >= threshold:
                released.append((str(key), noisy))
        print(f"{versions}: {len(released)} of {len(counts)} keys (threshold {threshold:.4f})")
        for key, noisy in sorted(released):
            print(f"{key}\t{noisy:.1f}")


# --- the table -----------------------------------------------------------------------------

QUERY_LABELS = {
    "mean": "mean of fare, clamped to [0, 50]",
    "count": "count per origin_district",
    "classes": "anonymity check over 8 QIs (+ l, t on salary-class for ours), Adult copies",
}
ENGINE_LABELS = {
    "ours": "PrivacyKernel (DP)",
    "ours-stream": "PrivacyKernel, default --memory-limit 256MiB (streams files above 64 MiB)",
    "ours-memory": "PrivacyKernel, whole file in memory (--memory-limit 8GiB)",
    "duckdb": "DuckDB (not private)",
    "pandas": "pandas + diffprivlib (DP)",
    "pandas-groupby": "pandas groupby, class sizes (not private)",
}


def _ratio(value: float, reference: float | None) -> str:
    if reference is None or reference <= 0:
        return "—"
    return f"{value / reference:.2f}×"


def table(path: str) -> None:
    """Reads run-file-peers.sh's TSV (rows, query, engine, run, wall_s, rss_kib, status) and prints
    one markdown table: medians over the successful runs of each (rows, query, engine)."""
    cells: dict[tuple[int, str, str], list[tuple[float, float]]] = {}
    failures: dict[tuple[int, str, str], list[str]] = {}
    order: list[tuple[int, str, str]] = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip() or line.startswith("rows\t"):
                continue
            rows, query, engine, _run, wall, rss, status = line.rstrip("\n").split("\t")
            key = (int(rows), query, engine)
            if key not in order:
                order.append(key)
            if status == "0":
                cells.setdefault(key, []).append((float(wall), float(rss) / 1024.0))
            else:
                failures.setdefault(key, []).append(status)

    print("| query | engine | median wall s | peak RSS MiB | ratio to DuckDB (wall, RSS) |")
    print("|---|---|---|---|---|")
    for key in order:
        rows, query, engine = key
        label = f"{QUERY_LABELS.get(query, query)}, {rows:,} rows"
        runs = cells.get(key, [])
        failed = failures.get(key, [])
        if not runs:
            print(f"| {label} | {ENGINE_LABELS.get(engine, engine)} | failed ({', '.join(failed)}) | — | — |")
            continue
        wall = statistics.median(run[0] for run in runs)
        rss = statistics.median(run[1] for run in runs)
        reference = cells.get((rows, query, "duckdb"))
        if engine == "duckdb" or not reference:
            ratio = "1×" if engine == "duckdb" else "—"
        else:
            ref_wall = statistics.median(run[0] for run in reference)
            ref_rss = statistics.median(run[1] for run in reference)
            ratio = f"{_ratio(wall, ref_wall)}, {_ratio(rss, ref_rss)}"
        note = f" ({len(failed)} of {len(runs) + len(failed)} runs failed: {', '.join(failed)})" if failed else ""
        print(f"| {label} | {ENGINE_LABELS.get(engine, engine)} | {wall:.2f} | {rss:,.0f} | {ratio}{note} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run one query once")
    run.add_argument("--engine", choices=["duckdb", "pandas", "pandas-groupby"], required=True)
    run.add_argument("--query", choices=["mean", "count", "classes"], required=True)
    run.add_argument("--data", required=True)
    summary = commands.add_parser("table", help="markdown table of a results TSV")
    summary.add_argument("tsv")
    args = parser.parse_args()
    if args.command == "run":
        (duckdb_query if args.engine == "duckdb" else pandas_query)(args.query, args.data)
    else:
        table(args.tsv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
