#!/usr/bin/env python3
"""Private learning peers: diffprivlib's LinearRegression / LogisticRegression on the same data
as pk-bench-learning, plus the shared data generator and the summary table.

    learning_peers.py generate --rows 1000000 --test-rows 200000 --features 20 --seed 7 --out FILE
    learning_peers.py run --data FILE [--runs 3] [--warmup 1] [--epsilons 0.5,1,4] [--ops linreg,logreg,exact]
    learning_peers.py summarize results.jsonl

The data file is raw little-endian float64, row-major: features f0..f{d-1}, the linear label y,
the 0/1 label; the first `rows` rows train, the next `test_rows` test. FILE.json holds the sizes
and the generating parameters. Features are standard normal; y = X·beta + N(0, 1) with beta
uniform in [-1, 1]; the binary label is Bernoulli(sigmoid(X·gamma + 0.2)) with gamma uniform in
[-0.5, 0.5].

`run` prints one JSON line per (model, epsilon), like pk-bench-learning: wall seconds and CPU
seconds of `fit` only (loading excluded), and the test-set R^2 (linear) or AUC (logistic) of
each run's model. `exact` adds non-private scikit-learn fits as the accuracy ceiling.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings


def generate(args):
    import numpy as np

    rng = np.random.default_rng(args.seed)
    n = args.rows + args.test_rows
    d = args.features
    beta = rng.uniform(-1, 1, d)
    gamma = rng.uniform(-0.5, 0.5, d)
    out = np.empty((n, d + 2), dtype="<f8")
    out[:, :d] = rng.standard_normal((n, d))
    x = out[:, :d]
    out[:, d] = x @ beta + rng.standard_normal(n)
    logits = x @ gamma + 0.2
    out[:, d + 1] = (rng.random(n) < 1 / (1 + np.exp(-logits))).astype(np.float64)
    out.tofile(args.out)
    with open(args.out + ".json", "w", encoding="utf-8") as f:
        json.dump({"rows": args.rows, "test_rows": args.test_rows, "features": d, "seed": args.seed,
                   "beta": beta.tolist(), "gamma": gamma.tolist()}, f)
    print(f"wrote {args.out}: {n} rows x {d + 2} float64", file=sys.stderr)


def load(path):
    import numpy as np

    with open(path + ".json", encoding="utf-8") as f:
        meta = json.load(f)
    rows, test_rows, d = meta["rows"], meta["test_rows"], meta["features"]
    data = np.fromfile(path, dtype="<f8").reshape(rows + test_rows, d + 2)
    train, test = data[:rows], data[rows:]
    # Contiguous copies: what a user would hand to scikit-learn.
    return (np.ascontiguousarray(train[:, :d]), train[:, d].copy(), train[:, d + 1].copy(),
            np.ascontiguousarray(test[:, :d]), test[:, d].copy(), test[:, d + 1].copy())


def run(args):
    import numpy as np
    from sklearn.metrics import log_loss, r2_score, roc_auc_score

    warnings.filterwarnings("ignore")
    x, y, label, xt, yt, labelt = load(args.data)
    d = x.shape[1]
    ops = args.ops.split(",")
    epsilons = [float(e) for e in args.epsilons.split(",")]

    def measure(op, metric, fit, score, secondary=None):
        seconds, cpu, values, losses = [], [], [], []
        for _ in range(args.warmup):
            fit()
        for _ in range(args.runs):
            c0, t0 = time.process_time(), time.perf_counter()
            model = fit()
            seconds.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            values.append(float(score(model)))
            if secondary:
                losses.append(float(secondary(model)))
        line = {"impl": args.impl, "op": op, "bytes": x.shape[0] * d * 8, "seconds": seconds,
                "cpu": cpu, "metric": metric, "values": values}
        if secondary:
            line["logloss"] = losses
        print(json.dumps(line), flush=True)

    import diffprivlib.models as dp

    for eps in epsilons:
        tag = str(int(eps)) if eps == int(eps) else str(eps)
        if "linreg" in ops:
            def fit_lin():
                return dp.LinearRegression(epsilon=eps, bounds_X=(np.full(d, -args.feature_bound), np.full(d, args.feature_bound)),
                                           bounds_y=(-args.label_bound, args.label_bound)).fit(x, y)
            measure(f"linreg_eps{tag}", "r2", fit_lin, lambda m: r2_score(yt, m.predict(xt)))
        if "logreg" in ops:
            def fit_log():
                return dp.LogisticRegression(epsilon=eps, data_norm=args.data_norm).fit(x, label)
            measure(f"logreg_eps{tag}", "auc", fit_log, lambda m: roc_auc_score(labelt, m.predict_proba(xt)[:, 1]),
                    lambda m: log_loss(labelt, m.predict_proba(xt)[:, 1]))
    if "exact" in ops:
        from sklearn.linear_model import LinearRegression, LogisticRegression

        saved = args.impl
        args.impl = "sklearn-nonprivate"
        measure("linreg_exact", "r2", lambda: LinearRegression().fit(x, y), lambda m: r2_score(yt, m.predict(xt)))
        measure("logreg_exact", "auc", lambda: LogisticRegression().fit(x, label),
                lambda m: roc_auc_score(labelt, m.predict_proba(xt)[:, 1]),
                lambda m: log_loss(labelt, m.predict_proba(xt)[:, 1]))
        args.impl = saved


def summarize(args):
    lines = []
    for path in args.files:
        with open(path, encoding="utf-8") as f:
            for raw in f:
                raw = raw.strip()
                if raw.startswith("{"):
                    try:
                        lines.append(json.loads(raw))
                    except json.JSONDecodeError:
                        pass
    pooled = {}
    for line in lines:
        key = (line["impl"], line["op"])
        entry = pooled.setdefault(key, {"seconds": [], "cpu": [], "values": [], "logloss": [],
                                        "metric": line.get("metric", "")})
        entry["logloss"] += [v for v in line.get("logloss", []) if v is not None]
        entry["seconds"] += line["seconds"]
        entry["cpu"] += line.get("cpu", [])
        entry["values"] += [v for v in line.get("values", []) if v is not None]

    def med(xs):
        return statistics.median(xs) if xs else float("nan")

    def mean(xs):
        return statistics.fmean(xs) if xs else float("nan")

    print("| model | ε | ours (variant) | ours metric (mean ± sd) | diffprivlib metric (mean ± sd) | log-loss ours / diffprivlib | ours median s (cpu) | diffprivlib median s (cpu) | speed-up wall (cpu) |")
    print("|---|---|---|---|---|---|---|---|---|")
    peer_impl = "diffprivlib"
    for (impl, op), ours in sorted(pooled.items()):
        if impl != "privacykernel":
            continue
        model, variant, eps = op.split("_", 2)
        eps = eps.removeprefix("eps")
        peer = pooled.get((peer_impl, f"{model}_eps{eps}"))
        sd = lambda xs: statistics.stdev(xs) if len(xs) > 1 else 0.0
        digits = 5 if ours["metric"] == "auc" else 4  # AUCs agree to 4 decimals on this data
        om = f"{ours['metric']} {mean(ours['values']):.{digits}f} ± {sd(ours['values']):.{digits}f}"
        loss = "—"
        if ours["logloss"]:
            theirs = f"{mean(peer['logloss']):.4f}" if peer and peer["logloss"] else "—"
            loss = f"{mean(ours['logloss']):.4f} / {theirs}"
        if peer:
            pm = f"{mean(peer['values']):.{digits}f} ± {sd(peer['values']):.{digits}f}"
            pt = f"{med(peer['seconds']):.3f} ({med(peer['cpu']):.3f})"
            ratio = f"{med(peer['seconds']) / med(ours['seconds']):.1f}× ({med(peer['cpu']) / med(ours['cpu']):.1f}×)"
        else:
            pm, pt, ratio = "—", "—", "—"
        print(f"| {model} | {eps} | {variant} | {om} | {pm} | {loss} | {med(ours['seconds']):.3f} ({med(ours['cpu']):.3f}) | {pt} | {ratio} |")
    for (impl, op), entry in sorted(pooled.items()):
        if impl == "sklearn-nonprivate":
            extra = f", log-loss {mean(entry['logloss']):.4f}" if entry["logloss"] else ""
            print(f"\nnon-private scikit-learn {op}: {entry['metric']} {mean(entry['values']):.4f}{extra}, "
                  f"median {med(entry['seconds']):.3f} s (cpu {med(entry['cpu']):.3f} s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--rows", type=int, default=1_000_000)
    g.add_argument("--test-rows", type=int, default=200_000)
    g.add_argument("--features", type=int, default=20)
    g.add_argument("--seed", type=int, default=7)
    g.add_argument("--out", required=True)
    r = sub.add_parser("run")
    r.add_argument("--data", required=True)
    r.add_argument("--runs", type=int, default=3)
    r.add_argument("--warmup", type=int, default=1)
    r.add_argument("--epsilons", default="0.5,1,4")
    r.add_argument("--ops", default="linreg,logreg")
    r.add_argument("--impl", default="diffprivlib")
    r.add_argument("--feature-bound", type=float, default=4.0)
    r.add_argument("--label-bound", type=float, default=11.0)
    r.add_argument("--data-norm", type=float, default=6.0)
    s = sub.add_parser("summarize")
    s.add_argument("files", nargs="+")
    args = parser.parse_args()
    {"generate": generate, "run": run, "summarize": summarize}[args.command](args)


if __name__ == "__main__":
    main()
