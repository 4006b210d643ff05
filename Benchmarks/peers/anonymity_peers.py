#!/usr/bin/env python3
"""Python peers of pk-bench-anonymity: pandas and pycanon on Adult and Adult x 100.

Prints JSON lines in the protocol of ../README.md ("bytes" holds the number of rows):
    {"impl":"pycanon","op":"adult_kanon","bytes":30162,"seconds":[...],"check":1}

    python anonymity_peers.py --adult-dir DIR --op adult_kanon --impl pandas --runs 5

Operations (eight quasi-identifiers; salary-class sensitive), timed on a DataFrame already in memory:
    adult_kanon     pandas: df.groupby(QIs).size().min()        pycanon: anonymity.k_anonymity
    adult100_kanon  the same on pd.concat([df] * 100)
    adult_ldiv      pandas: groupby(QIs)[SA].nunique().min()     pycanon: anonymity.l_diversity
    adult_tclose    pandas: max over classes of 1/2 sum |p - q|  pycanon: anonymity.t_closeness
"""

from __future__ import annotations

import argparse
import json
import sys
import time

QI = ["sex", "age", "race", "marital-status", "education", "native-country", "workclass", "occupation"]
SA = "salary-class"


def load(adult_dir, times=1):
    import pandas as pd
    df = pd.read_csv(f"{adult_dir}/adult.csv", sep=";")
    if times > 1:
        df = pd.concat([df] * times, ignore_index=True)
    return df


def pandas_t(df):
    counts = df.groupby(QI, sort=False)[SA].value_counts(normalize=True).unstack(fill_value=0.0)
    q = df[SA].value_counts(normalize=True).reindex(counts.columns, fill_value=0.0)
    return float((0.5 * (counts - q).abs().sum(axis=1)).max())


def operation(op, impl, df):
    if impl == "pandas":
        if op in ("adult_kanon", "adult100_kanon"):
            return lambda: int(df.groupby(QI, sort=False).size().min())
        if op == "adult_ldiv":
            return lambda: int(df.groupby(QI, sort=False)[SA].nunique().min())
        if op == "adult_tclose":
            return lambda: round(pandas_t(df), 5)
    if impl == "pycanon":
        from pycanon import anonymity
        if op in ("adult_kanon", "adult100_kanon"):
            return lambda: int(anonymity.k_anonymity(df, QI))
        if op == "adult_ldiv":
            return lambda: int(anonymity.l_diversity(df, QI, [SA]))
        if op == "adult_tclose":
            return lambda: round(float(anonymity.t_closeness(df, QI, [SA])), 5)
    raise SystemExit(f"anonymity_peers.py: no {impl} implementation of {op}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--adult-dir", required=True)
    parser.add_argument("--op", required=True, choices=["adult_kanon", "adult100_kanon", "adult_ldiv", "adult_tclose"])
    parser.add_argument("--impl", required=True, choices=["pandas", "pycanon"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        df = load(args.adult_dir, 100 if args.op == "adult100_kanon" else 1)
        body = operation(args.op, args.impl, df)
    except ImportError as error:
        print(json.dumps({"impl": args.impl, "op": args.op, "skipped": f"import failed: {error}"}))
        return 0
    seconds = []
    check = None
    for i in range(args.warmup + args.runs):
        start = time.perf_counter()
        check = body()
        elapsed = time.perf_counter() - start
        if i >= args.warmup:
            seconds.append(elapsed)
    print(json.dumps({"impl": args.impl, "op": args.op, "bytes": len(df), "seconds": seconds, "check": check}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
