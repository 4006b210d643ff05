#!/usr/bin/env python3
"""Google dp-accounting's side of the accountant comparison (pk-accounting-probe is ours).

Same operations, same JSON-lines protocol (../README.md): bytes = 10^6 per operation, so the
aggregator's "MB/s" column reads as operations per second; check = the epsilon computed.

    python accounting_peers.py [--runs N] [--ops a,b]
"""
import argparse
import json
import time

import dp_accounting
from dp_accounting import dp_event
from dp_accounting.pld import common, pld_privacy_accountant, privacy_loss_mechanism
from dp_accounting.rdp import rdp_privacy_accountant


def pld(events, delta):
    accountant = pld_privacy_accountant.PLDAccountant()
    for event in events:
        accountant.compose(event)
    return accountant.get_epsilon(delta)


def rdp(events, delta):
    accountant = rdp_privacy_accountant.RdpAccountant()
    for event in events:
        accountant.compose(event)
    return accountant.get_epsilon(delta)


def gaussian(m, count):
    return dp_event.SelfComposedDpEvent(dp_event.GaussianDpEvent(m), count)


def laplace(m, count):
    return dp_event.SelfComposedDpEvent(dp_event.LaplaceDpEvent(m), count)


def pld_session(releases):
    """A session: each release composed, then epsilon asked (dp-accounting composes in place)."""
    accountant = pld_privacy_accountant.PLDAccountant()
    epsilon = 0.0
    for i in range(releases):
        accountant.compose(dp_event.LaplaceDpEvent(2 + 0.01 * i))
        epsilon = accountant.get_epsilon(1e-6)
    return epsilon


OPERATIONS = {
    "pld_gaussian_100": lambda: pld([gaussian(1.0, 100)], 1e-6),
    "pld_laplace_50": lambda: pld([laplace(2.0, 50)], 1e-6),
    "pld_mixed_20_20": lambda: pld([laplace(2.0, 20), gaussian(2.0, 20)], 1e-6),
    "pld_session_30_laplace": lambda: pld_session(30),
    "rdp_mixed_100_100": lambda: rdp([laplace(2.0, 100), gaussian(2.0, 100)], 1e-6),
    "analytic_sigma": lambda: privacy_loss_mechanism.GaussianPrivacyLoss.from_privacy_guarantee(
        common.DifferentialPrivacyParameters(1.0, 1e-5), sensitivity=1.0).standard_deviation,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ops", default=",".join(OPERATIONS))
    args = parser.parse_args()
    for name in args.ops.split(","):
        body = OPERATIONS[name]
        body()  # warm-up
        seconds, check = [], None
        for _ in range(args.runs):
            start = time.perf_counter()
            check = float(body())
            seconds.append(time.perf_counter() - start)
        print(json.dumps({"impl": "dp-accounting", "op": name, "bytes": 1_000_000, "seconds": seconds,
                          "check": check, "note": "dp-accounting " + getattr(dp_accounting, "__version__", "?")}),
              flush=True)


if __name__ == "__main__":
    main()
