#!/usr/bin/env python3
"""Python peers of PrivacyKernel's benchmarks.

Each operation has one function per peer implementation, collected in ``REGISTRY``
(area -> operation -> implementation -> setup function). A setup function prepares its input
outside the timed region and returns a ``Case``: the number of bytes the operation reads and a
``run`` callable that performs the operation once and returns a small check value (a row count,
a sum) so that the work cannot be skipped and the results can be compared.

Every measurement is printed on standard output as one JSON line (see ../README.md):

    {"impl":"numpy","op":"f64_sum","bytes":80000000,"seconds":[...],"check":4999...}
    {"impl":"polars","op":"csv_load","skipped":"polars is not installed: ..."}

Diagnostics go to standard error. Run one implementation per process, so that one library's
imports, threads and memory do not disturb the next:

    python peers.py --op csv_load --impl pandas --csv transport-10M.csv --runs 5
    python peers.py --list

Adding a peer (OpenDP, diffprivlib, python-dp, pycanon, phe, flwr, ...): write a setup function
returning a Case, add it under its area and operation in REGISTRY, and add the operation to
run-peers.sh and to UNITS in aggregate.py if it needs another unit.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Callable, Dict

F64_COUNT_DEFAULT = 10_000_000


class PeerUnavailable(Exception):
    """The peer's library is missing or cannot run here; the peer is skipped, not failed."""


@dataclass
class Case:
    bytes: int
    run: Callable[[], float]
    note: str | None = None


def _require(module: str):
    try:
        return __import__(module)
    except Exception as error:  # ImportError, or a broken binary wheel
        raise PeerUnavailable(f"{module} is not installed or cannot be imported: {error}") from error


def _csv_bytes(args) -> int:
    if not args.csv:
        raise SystemExit("csv_load needs --csv PATH")
    try:
        return os.path.getsize(args.csv)
    except OSError as error:
        raise SystemExit(f"cannot read {args.csv}: {error}")


# --- tabular / csv_load --------------------------------------------------------------------
# Load the whole CSV into an in-memory table with inferred column types (as ours does with
# schema: nil). The check value is the row count.

def csv_load_pandas(args) -> Case:
    pd = _require("pandas")
    path = args.csv
    def run() -> float:
        frame = pd.read_csv(path)  # default (C) engine
        return float(len(frame))
    return Case(_csv_bytes(args), run, f"pandas {pd.__version__}, engine=c")


def csv_load_pandas_pyarrow(args) -> Case:
    pd = _require("pandas")
    _require("pyarrow")
    path = args.csv
    def run() -> float:
        frame = pd.read_csv(path, engine="pyarrow")
        return float(len(frame))
    return Case(_csv_bytes(args), run, f"pandas {pd.__version__}, engine=pyarrow")


def csv_load_polars(args) -> Case:
    pl = _require("polars")
    path = args.csv
    def run() -> float:
        frame = pl.read_csv(path)
        return float(frame.height)
    return Case(_csv_bytes(args), run, f"polars {pl.__version__}")


# --- tabular / f64_sum ---------------------------------------------------------------------
# Sum of 10M contiguous float64 values (80 MB, memory-bound). Data: uniform in [0, 1000).

def _f64_array(args):
    np = _require("numpy")
    return np, np.random.default_rng(42).random(args.f64_count, dtype=np.float64) * 1000.0


def f64_sum_numpy(args) -> Case:
    np, values = _f64_array(args)
    def run() -> float:
        return float(np.sum(values))
    blas = "unset" if "OPENBLAS_CORETYPE" not in os.environ and "OPENBLAS_L2_SIZE" not in os.environ else "set"
    return Case(values.nbytes, run, f"numpy {np.__version__}, OPENBLAS_CORETYPE/L2_SIZE {blas}")


def f64_sum_pandas(args) -> Case:
    pd = _require("pandas")
    _, values = _f64_array(args)
    series = pd.Series(values)
    def run() -> float:
        return float(series.sum())
    return Case(values.nbytes, run, f"pandas {pd.__version__}, Series.sum")


def f64_sum_polars(args) -> Case:
    pl = _require("polars")
    _, values = _f64_array(args)
    series = pl.Series("x", values)
    def run() -> float:
        return float(series.sum())
    return Case(values.nbytes, run, f"polars {pl.__version__}, Series.sum")


# --- registry ------------------------------------------------------------------------------
# area -> operation -> implementation -> setup. Operation names are shared with pk-bench-probe.
REGISTRY: Dict[str, Dict[str, Dict[str, Callable[[argparse.Namespace], Case]]]] = {
    "tabular": {
        "csv_load": {
            "pandas": csv_load_pandas,
            "pandas-pyarrow": csv_load_pandas_pyarrow,
            "polars": csv_load_polars,
        },
        "f64_sum": {
            "numpy": f64_sum_numpy,
            "pandas": f64_sum_pandas,
            "polars": f64_sum_polars,
        },
    },
}

# How many timed repetitions an operation gets per --runs (fast operations get more).
RUNS_MULTIPLIER = {"f64_sum": 10}


def operations() -> Dict[str, Dict[str, Callable[[argparse.Namespace], Case]]]:
    flat: Dict[str, Dict[str, Callable]] = {}
    for area in REGISTRY.values():
        for op, impls in area.items():
            flat.setdefault(op, {}).update(impls)
    return flat


def emit(line: dict) -> None:
    sys.stdout.write(json.dumps(line, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def measure(op: str, impl: str, args) -> None:
    setup = operations()[op][impl]
    try:
        case = setup(args)
    except PeerUnavailable as error:
        print(f"peers.py: skipping {impl} {op}: {error}", file=sys.stderr)
        emit({"impl": impl, "op": op, "skipped": str(error)})
        return
    runs = args.runs * RUNS_MULTIPLIER.get(op, 1)
    warmup = max(args.warmup, 3) if op in RUNS_MULTIPLIER else args.warmup
    seconds = []
    check = None
    for iteration in range(warmup + runs):
        gc.collect()
        start = time.perf_counter_ns()
        check = case.run()
        elapsed = (time.perf_counter_ns() - start) * 1e-9
        if iteration >= warmup:
            seconds.append(elapsed)
    line = {"impl": impl, "op": op, "bytes": case.bytes, "seconds": seconds, "check": check}
    if case.note:
        line["note"] = case.note
    emit(line)


def main(argv=None) -> int:
    ops = operations()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--op", choices=sorted(ops), help="operation to measure")
    parser.add_argument("--impl", action="append",
                        help="implementation(s) to run (repeatable; default all of the operation)")
    parser.add_argument("--csv", help="CSV file for csv_load")
    parser.add_argument("--runs", type=int, default=5, help="timed repetitions (f64_sum: 10x)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed repetitions first")
    parser.add_argument("--f64-count", type=int, default=F64_COUNT_DEFAULT, help="values summed by f64_sum")
    parser.add_argument("--list", action="store_true", help="list areas, operations and implementations")
    args = parser.parse_args(argv)

    if args.list:
        for area, area_ops in REGISTRY.items():
            for op, impls in area_ops.items():
                print(f"{area}\t{op}\t{' '.join(impls)}")
        return 0
    if not args.op:
        parser.error("--op is required (or --list)")
    if args.runs < 1 or args.warmup < 0 or args.f64_count < 1:
        parser.error("--runs and --f64-count must be positive, --warmup non-negative")
    impls = args.impl or list(ops[args.op])
    for impl in impls:
        if impl not in ops[args.op]:
            parser.error(f"unknown implementation {impl!r} for {args.op} (known: {', '.join(ops[args.op])})")
    for impl in impls:
        measure(args.op, impl, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
