"""Generates accounting_fixtures.json: reference values from Google's dp-accounting.

Run through make_accounting_fixtures.sh (which pins dp-accounting in a private venv). The
output is committed; the Swift tests (AccountingFixtureTests) load it via Bundle.module.
Every event is described in the Swift PrivacyEvent vocabulary: noise multipliers m
(Laplace scale b = m*Delta_1, Gaussian sigma = m*Delta_2), counts of repetitions.
"""
import json
import math
import sys

import dp_accounting
from dp_accounting import dp_event
from dp_accounting.pld import privacy_loss_mechanism
from dp_accounting.rdp import rdp_privacy_accountant
from dp_accounting.pld import pld_privacy_accountant
from dp_accounting.pld import common

MULTIPLIERS = [0.5, 1.0, 2.0, 5.0]
COUNTS = [1, 10, 100]
DELTAS = [1e-5, 1e-8]
EPSILONS = [0.5, 1.0, 2.0, 5.0]


def to_dp_event(parts):
    """parts: list of (kind, multiplier, count)."""
    events = []
    for kind, m, count in parts:
        if kind == "gaussian":
            e = dp_event.GaussianDpEvent(noise_multiplier=m)
        elif kind == "laplace":
            e = dp_event.LaplaceDpEvent(noise_multiplier=m)
        elif kind == "discreteLaplace":
            # pmf ~ exp(-|x| * a) with a = 1/t, t = m * sensitivity, sensitivity 1.
            e = dp_event.DiscreteLaplaceDpEvent(noise_parameter=1.0 / m, sensitivity=1)
        elif kind == "zCDP":
            e = dp_event.ZCDpEvent(rho=m)
        else:
            raise ValueError(kind)
        events.append(dp_event.SelfComposedDpEvent(e, count) if count > 1 else e)
    return events[0] if len(events) == 1 else dp_event.ComposedDpEvent(events)


def queries(make_accountant, parts):
    acc = make_accountant()
    acc.compose(to_dp_event(parts))
    eps = [{"delta": d, "epsilon": float(acc.get_epsilon(d))} for d in DELTAS]
    dels = [{"epsilon": e, "delta": float(acc.get_delta(e))} for e in EPSILONS]
    return {"events": [{"kind": k, "parameter": m, "count": c} for k, m, c in parts],
            "epsilonForDelta": eps, "deltaForEpsilon": dels}


def main():
    single = []
    for kind in ["gaussian", "laplace"]:
        for m in MULTIPLIERS:
            for c in COUNTS:
                single.append([(kind, m, c)])
    mixed = [
        [("laplace", 2.0, 10), ("gaussian", 1.0, 10)],
        [("laplace", 1.0, 1), ("gaussian", 2.0, 50)],
        [("laplace", 5.0, 30), ("gaussian", 5.0, 30)],
    ]
    discrete = [[("discreteLaplace", m, c)] for m in [1.0, 2.0] for c in [1, 10, 50]]
    zcdp = [[("zCDP", rho, 1)] for rho in [0.005, 0.05, 0.5, 2.0]]

    rdp = [queries(rdp_privacy_accountant.RdpAccountant, p) for p in single + mixed + zcdp]
    pld = [queries(pld_privacy_accountant.PLDAccountant, p) for p in single + mixed + discrete]

    sigmas = []
    for eps in [0.05, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0]:
        for delta in [1e-3, 1e-5, 1e-10]:
            loss = privacy_loss_mechanism.GaussianPrivacyLoss.from_privacy_guarantee(
                common.DifferentialPrivacyParameters(eps, delta), sensitivity=1.0)
            sigmas.append({"epsilon": eps, "delta": delta, "sigma": float(loss.standard_deviation)})

    # zCDP -> (epsilon, delta) by Canonne-Kamath-Steinke 2020 Prop. 12 with r(alpha) = rho*alpha,
    # minimised over continuous alpha (dp-accounting has no zCDP accountant; this checks the
    # Swift optimiser, not the bound): a dense grid in ln(alpha - 1), then a bounded Brent search.
    import numpy as np
    from scipy import optimize

    def zcdp_epsilon(rho, delta):
        def f(t):
            a = 1 + math.exp(t)
            return rho * a + math.log1p(-1 / a) - (math.log(delta) + math.log(a)) / (a - 1)
        ts = np.linspace(math.log(1e-4), math.log(1e6), 20001)
        values = [f(t) for t in ts]
        k = int(np.argmin(values))
        lo, hi = ts[max(0, k - 1)], ts[min(len(ts) - 1, k + 1)]
        res = optimize.minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12})
        return max(0.0, min(values[k], float(res.fun)))

    zcdp = [{"rho": rho, "delta": delta, "epsilon": zcdp_epsilon(rho, delta)}
            for rho in [0.001, 0.01, 0.1, 0.5, 1.0, 5.0, 50.0] for delta in [1e-3, 1e-6, 1e-10]]

    out = {
        "generator": "make_accounting_fixtures.py with dp-accounting " + getattr(dp_accounting, "__version__", "0.6.0"),
        "pldValueDiscretizationInterval": 1e-4,
        "rdpOrders": [float(a) for a in rdp_privacy_accountant.DEFAULT_RDP_ORDERS],
        "rdp": rdp,
        "pld": pld,
        "analyticGaussianSigma": sigmas,
        "zcdpEpsilon": zcdp,
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
