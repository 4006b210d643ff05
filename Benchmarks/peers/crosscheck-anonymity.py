#!/usr/bin/env python3
"""Cross-check our anonymity checks against pycanon on raw and generalised Adult tables.

For each case, `privacy-kernel anonymity generalise` writes a generalised table (suppressed rows
starred, as ARX does), then pycanon (k_anonymity, l_diversity, t_closeness, entropy_l_diversity)
and `privacy-kernel anonymity check --json` measure the same file; every value must agree
(t to 1e-9). Exit status 1 on any disagreement.

    Benchmarks/peers/.venv-anonymity/bin/python Benchmarks/peers/crosscheck-anonymity.py \
        [--cli PATH/privacy-kernel] [--adult-dir DIR] [--keep DIR]

Needs pandas and pycanon (run-anonymity-peers.sh installs them into .venv-anonymity). The CLI
defaults to the main package's debug build (`swift build --product privacy-kernel`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

QI = ["sex", "age", "race", "marital-status", "education", "native-country", "workclass", "occupation"]
SA = "salary-class"

CASES = [
    ("raw data", None),
    ("k=5, 0% suppression (ARX optimum)", ["--k", "5", "--suppression", "0"]),
    ("k=5, 5% suppression (ARX optimum)", ["--k", "5", "--suppression", "0.05"]),
    ("k=5 + 0.2-closeness, 0%", ["--k", "5", "--suppression", "0", "--sensitive", SA, "--t", "0.2"]),
    ("k=3 + distinct 2-diversity, 2%", ["--k", "3", "--suppression", "0.02", "--sensitive", SA, "--l", "2"]),
    ("k=10, 1%, discernibility", ["--k", "10", "--suppression", "0.01", "--metric", "discernibility"]),
    ("k=2, 0%, entropy metric", ["--k", "2", "--suppression", "0", "--metric", "entropy"]),
]


def main(argv=None) -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.abspath(os.path.join(here, "..", ".."))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cli", default=None)
    parser.add_argument("--adult-dir", default=os.environ.get("PK_BENCH_ADULT_DIR", os.path.join(repo, "..", "shared", "datasets", "adult")))
    parser.add_argument("--keep", default=None, help="keep the generalised CSVs in this folder")
    args = parser.parse_args(argv)
    cli = args.cli or os.path.join(subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=repo, text=True).strip(), "privacy-kernel")
    import pandas as pd
    from pycanon import anonymity

    work = args.keep or tempfile.mkdtemp(prefix="pk-crosscheck-")
    os.makedirs(work, exist_ok=True)
    adult = os.path.join(args.adult_dir, "adult.csv")
    hierarchies = [f"--hierarchy={q}={os.path.join(args.adult_dir, f'adult_hierarchy_{q}.csv')}" for q in QI]
    failures = 0
    print(f"{'case':42} {'levels':18} {'k':>9} {'l':>9} {'entropy l':>19} {'t':>21}")
    for name, options in CASES:
        if options is None:
            path, levels = adult, "-"
        else:
            path = os.path.join(work, name.split(",")[0].replace("=", "").replace(" ", "_").replace("+", "") + f"-{CASES.index((name, options))}.csv")
            out = subprocess.run([cli, "anonymity", "generalise", "--data", adult, "--qi", ",".join(QI), *hierarchies,
                                  *options, "--out", path, "--json"], check=True, capture_output=True, text=True).stdout
            levels = ",".join(map(str, json.loads(out)["level_vector"]))
        ours = json.loads(subprocess.run([cli, "anonymity", "check", "--data", path, "--qi", ",".join(QI), "--sensitive", SA,
                                          "--json"], capture_output=True, text=True).stdout)
        ours_entropy = json.loads(subprocess.run([cli, "anonymity", "check", "--data", path, "--qi", ",".join(QI), "--sensitive", SA,
                                                  "--l-variant", "entropy", "--json"], capture_output=True, text=True).stdout)
        df = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
        k = anonymity.k_anonymity(df, QI)
        l = anonymity.l_diversity(df, QI, [SA])
        el = anonymity.entropy_l_diversity(df, QI, [SA])
        t = anonymity.t_closeness(df, QI, [SA])
        # pycanon's entropy l is the largest integer l with entropy >= log(l): floor(exp(H_min)).
        our_el = math.floor(ours_entropy["l"] + 1e-9)
        ok = (ours["k"] == k and ours["l"] == l and our_el == el and abs(ours["t"] - t) < 1e-9)
        failures += 0 if ok else 1
        print(f"{name:42} {levels:18} {k:>4}/{ours['k']:<4} {l:>4}/{ours['l']:<4} {el:>4}/{our_el:<4}({ours_entropy['l']:.3f}) "
              f"{t:.6f}/{ours['t']:.6f} {'ok' if ok else 'MISMATCH'}")
    print("columns: pycanon/ours" + ("" if not failures else f"; {failures} case(s) disagree"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
