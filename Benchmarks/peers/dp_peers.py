#!/usr/bin/env python3
"""Differential-privacy peers of PrivacyKernel's DP benchmarks (numpy, diffprivlib, OpenDP, python-dp).

Registers the "dp" area in peers.REGISTRY and reuses peers.py's timing and JSON-lines protocol,
so aggregate.py pools these lines with pk-bench-dp's. Operations (same names as pk-bench-dp):

    dp_sum, dp_mean     10M float64 uniform in [0, 1000), clamped to [0, 1000], epsilon 1
                        (numpy's plain np.sum is the non-private baseline)
    dp_count_by_key     10M int keys uniform over 1,000 public keys, epsilon 1
                        (np.bincount is the baseline)
    dp_median           1M float64 in [0, 1000), epsilon 1 (np.median is the baseline)
    dlap_samples        exact discrete Laplace samples, scale 100 (OpenDP's integer Laplace)
    dgauss_samples      exact discrete Gaussian samples, sigma 100 (OpenDP's integer Gaussian)

"bytes" is 8 x the number of input values (samples for the samplers), as in pk-bench-dp.
A peer whose library is missing or whose API differs is skipped with a message.

    python dp_peers.py --op dp_sum --impl diffprivlib --runs 5
    python dp_peers.py --list
"""

from __future__ import annotations

import argparse
import sys

import peers
from peers import Case, PeerUnavailable


def _require(module: str):
    """Imports a (dotted) module, or raises PeerUnavailable so that the peer is skipped."""
    import importlib
    try:
        return importlib.import_module(module)
    except Exception as error:  # ImportError, or a broken binary wheel
        raise PeerUnavailable(f"{module} is not installed or cannot be imported: {error}") from error

COUNT_DEFAULT = 10_000_000
KEYS_DEFAULT = 1_000
SAMPLES_DEFAULT = 100_000


def _values(args, count=None):
    np = _require("numpy")
    n = count if count is not None else args.count
    return np, np.random.default_rng(42).random(n, dtype=np.float64) * 1000.0


def _keys(args):
    np = _require("numpy")
    return np, np.random.default_rng(7).integers(0, args.keys, size=args.count, dtype=np.int64)


def _opendp():
    dp = _require("opendp.prelude")
    dp.enable_features("contrib")
    return dp


# --- dp_sum / dp_mean ----------------------------------------------------------------------

def sum_numpy(args) -> Case:
    np, values = _values(args)
    return Case(values.nbytes, lambda: float(np.sum(values)), f"numpy {np.__version__}, np.sum (not private)")


def sum_diffprivlib(args) -> Case:
    tools = _require("diffprivlib.tools")
    _, values = _values(args)
    import diffprivlib
    return Case(values.nbytes, lambda: float(tools.sum(values, epsilon=1.0, bounds=(0.0, 1000.0))),
                f"diffprivlib {diffprivlib.__version__}, tools.sum")


def sum_opendp(args) -> Case:
    dp = _opendp()
    _, values = _values(args)
    data = values.tolist()
    try:
        space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.symmetric_distance()
        meas = space >> dp.t.then_clamp((0.0, 1000.0)) >> dp.t.then_sum() >> dp.m.then_laplace(scale=1000.0)
    except Exception as error:  # API differences between OpenDP versions
        raise PeerUnavailable(f"OpenDP sum pipeline failed: {error}") from error
    from importlib.metadata import version
    return Case(values.nbytes, lambda: float(meas(data)), f"opendp {version('opendp')}, clamp >> sum >> laplace (input as list)")


def sum_pydp(args) -> Case:
    algorithms = _require("pydp.algorithms.laplacian")
    _, values = _values(args)
    data = values.tolist()
    def run() -> float:
        return float(algorithms.BoundedSum(epsilon=1.0, lower_bound=0.0, upper_bound=1000.0, dtype="float").quick_result(data))
    return Case(values.nbytes, run, "python-dp BoundedSum (input as list)")


def mean_diffprivlib(args) -> Case:
    tools = _require("diffprivlib.tools")
    _, values = _values(args)
    return Case(values.nbytes, lambda: float(tools.mean(values, epsilon=1.0, bounds=(0.0, 1000.0))), "diffprivlib tools.mean")


def mean_opendp(args) -> Case:
    dp = _opendp()
    _, values = _values(args)
    data = values.tolist()
    try:
        space = dp.vector_domain(dp.atom_domain(T=float, nan=False), size=len(data)), dp.symmetric_distance()
        meas = space >> dp.t.then_clamp((0.0, 1000.0)) >> dp.t.then_mean() >> dp.m.then_laplace(scale=1.0)
    except Exception as error:
        raise PeerUnavailable(f"OpenDP mean pipeline failed: {error}") from error
    return Case(values.nbytes, lambda: float(meas(data)), "opendp clamp >> mean (known size) >> laplace (input as list)")


def mean_pydp(args) -> Case:
    algorithms = _require("pydp.algorithms.laplacian")
    _, values = _values(args)
    data = values.tolist()
    def run() -> float:
        return float(algorithms.BoundedMean(epsilon=1.0, lower_bound=0.0, upper_bound=1000.0, dtype="float").quick_result(data))
    return Case(values.nbytes, run, "python-dp BoundedMean (input as list)")


# --- dp_count_by_key -----------------------------------------------------------------------

def count_numpy(args) -> Case:
    np, keys = _keys(args)
    return Case(keys.size * 8, lambda: float(np.bincount(keys, minlength=args.keys).sum()),
                "np.bincount (not private)")


def count_diffprivlib(args) -> Case:
    tools = _require("diffprivlib.tools")
    _, keys = _keys(args)
    def run() -> float:
        counts, _ = tools.histogram(keys, epsilon=1.0, bins=args.keys, range=(0, args.keys))
        return float(counts.sum())
    return Case(keys.size * 8, run, "diffprivlib tools.histogram")


def count_opendp(args) -> Case:
    dp = _opendp()
    _, keys = _keys(args)
    data = keys.tolist()
    try:
        space = dp.vector_domain(dp.atom_domain(T=int)), dp.symmetric_distance()
        meas = space >> dp.t.then_count_by_categories(categories=list(range(args.keys))) >> dp.m.then_laplace(scale=1.0)
    except Exception as error:
        raise PeerUnavailable(f"OpenDP count_by_categories pipeline failed: {error}") from error
    return Case(keys.size * 8, lambda: float(sum(meas(data))), "opendp count_by_categories >> laplace (input as list)")


# --- dp_median -----------------------------------------------------------------------------

def median_numpy(args) -> Case:
    np, values = _values(args, args.count // 10)
    return Case(values.nbytes, lambda: float(np.median(values)), "np.median (not private)")


def median_diffprivlib(args) -> Case:
    tools = _require("diffprivlib.tools")
    _, values = _values(args, args.count // 10)
    return Case(values.nbytes, lambda: float(tools.median(values, epsilon=1.0, bounds=(0.0, 1000.0))), "diffprivlib tools.median")


def median_opendp(args) -> Case:
    dp = _opendp()
    _, values = _values(args, args.count // 10)
    data = values.tolist()
    candidates = [i * 1000.0 / 16384 for i in range(16385)]
    try:
        space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.symmetric_distance()
        meas = dp.m.make_private_quantile(*space, dp.max_divergence(), candidates=candidates, alpha=0.5, scale=1.0)
    except Exception as error:
        raise PeerUnavailable(f"OpenDP private quantile failed: {error}") from error
    return Case(values.nbytes, lambda: float(meas(data)), "opendp make_private_quantile, 16385 candidates (input as list)")


def median_pydp(args) -> Case:
    algorithms = _require("pydp.algorithms.laplacian")
    _, values = _values(args, args.count // 10)
    data = values.tolist()
    def run() -> float:
        return float(algorithms.Median(epsilon=1.0, lower_bound=0.0, upper_bound=1000.0, dtype="float").quick_result(data))
    return Case(values.nbytes, run, "python-dp Median (input as list)")


# --- exact samplers ------------------------------------------------------------------------

def dlap_opendp(args) -> Case:
    dp = _opendp()
    zeros = [0] * args.samples
    try:
        space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
        meas = space >> dp.m.then_laplace(scale=100.0)
    except Exception as error:
        raise PeerUnavailable(f"OpenDP integer Laplace failed: {error}") from error
    return Case(args.samples, lambda: float(sum(meas(zeros))) / args.samples, "opendp integer (discrete) laplace, scale 100")


def dgauss_opendp(args) -> Case:
    dp = _opendp()
    zeros = [0] * args.samples
    try:
        space = dp.vector_domain(dp.atom_domain(T=int)), dp.l2_distance(T=int)
        meas = space >> dp.m.then_gaussian(scale=100.0)
    except Exception as error:
        raise PeerUnavailable(f"OpenDP integer Gaussian failed: {error}") from error
    return Case(args.samples, lambda: float(sum(meas(zeros))) / args.samples, "opendp integer (discrete) gaussian, sigma 100")


peers.REGISTRY["dp"] = {
    "dp_sum": {"numpy": sum_numpy, "diffprivlib": sum_diffprivlib, "opendp": sum_opendp, "python-dp": sum_pydp},
    "dp_mean": {"numpy": sum_numpy, "diffprivlib": mean_diffprivlib, "opendp": mean_opendp, "python-dp": mean_pydp},
    "dp_count_by_key": {"numpy": count_numpy, "diffprivlib": count_diffprivlib, "opendp": count_opendp},
    "dp_median": {"numpy": median_numpy, "diffprivlib": median_diffprivlib, "opendp": median_opendp, "python-dp": median_pydp},
    "dlap_samples": {"opendp": dlap_opendp},
    "dgauss_samples": {"opendp": dgauss_opendp},
}
# No run multiplier: run-dp-peers.sh gives fast implementations more --runs than slow ones.


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--op", choices=sorted(peers.REGISTRY["dp"]), help="operation to measure")
    parser.add_argument("--impl", action="append", help="implementation(s) (default all of the operation)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--count", type=int, default=COUNT_DEFAULT, help="input values (dp_median uses count/10)")
    parser.add_argument("--keys", type=int, default=KEYS_DEFAULT, help="public keys for dp_count_by_key")
    parser.add_argument("--samples", type=int, default=SAMPLES_DEFAULT, help="samples for dlap/dgauss_samples")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args(argv)
    if args.list:
        for op, impls in peers.REGISTRY["dp"].items():
            print(f"dp\t{op}\t{' '.join(impls)}")
        return 0
    if not args.op:
        parser.error("--op is required (or --list)")
    impls = args.impl or list(peers.REGISTRY["dp"][args.op])
    for impl in impls:
        if impl not in peers.REGISTRY["dp"][args.op]:
            parser.error(f"unknown implementation {impl!r} for {args.op}")
    for impl in impls:
        peers.measure(args.op, impl, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
