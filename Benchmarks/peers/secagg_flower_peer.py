#!/usr/bin/env python3
"""Flower's SecAgg+ (flwr 1.42) at the same sizes as pk-bench-secagg, in the same run.

Parties run Flower's own client stage functions (flwr.client.mod.secure_aggregation.
secaggplus_mod: _setup, _share_keys, _collect_masked_vectors, _unmask) on a SecAggPlusState;
the server side repeats, call for call, what flwr.server.workflow.secure_aggregation.
secaggplus_workflow does between them (neighbour ring over a shuffled id list, routing of
public keys and ciphertexts, summing masked vectors, and the unmask stage: combine_shares,
pseudo_rand_gen, generate_shared_key, parameters_addition/subtraction/mod, dequantize).
Only Flower's gRPC/message plumbing is left out, on both sides, like ours (in-process).

Dropouts: a random 10% of parties do not send their masked vectors (the case that makes the
server rebuild pairwise masks). Timed: each party's four stages (median over parties per run)
and the server's unmask stage. Prints JSON lines of the peer protocol (see Benchmarks/README.md).
"""
import argparse
import json
import random
import sys
import time

import numpy as np
from flwr.common import ndarrays_to_parameters
from flwr.client.mod.secure_aggregation.secaggplus_mod import (
    SecAggPlusState, _setup, _share_keys, _collect_masked_vectors, _unmask)
from flwr.common.secure_aggregation.crypto.shamir import combine_shares
from flwr.common.secure_aggregation.crypto.symmetric_encryption import generate_shared_key
from flwr.common.secure_aggregation.ndarrays_arithmetic import (
    factor_extract, get_parameters_shape, parameters_addition, parameters_mod, parameters_subtraction)
from flwr.common.secure_aggregation.quantization import dequantize
from flwr.common.secure_aggregation.secaggplus_constants import Key
from flwr.common.secure_aggregation.secaggplus_utils import pseudo_rand_gen
from flwr.common import bytes_to_ndarray
from flwr.supercore.primitives.asymmetric import bytes_to_private_key, bytes_to_public_key


def one_run(n, dim, dropout, num_shares, threshold, rng):
    clipping, target, modulus, max_weight = 8.0, 4194304, 1 << 32, 1000.0
    ids = list(range(1, n + 1))
    party_seconds = {nid: 0.0 for nid in ids}
    inputs = {nid: rng.uniform(-1, 1, dim) for nid in ids}
    # Neighbours exactly as the workflow builds them (num_shares odd, self included).
    order = ids[:]
    random.shuffle(order)
    half = num_shares >> 1
    neighbours = {nid: {order[(i + o) % n] for o in range(-half, half + 1)} for i, nid in enumerate(order)}
    states = {nid: SecAggPlusState(nid=nid) for nid in ids}
    setup_cfg = {Key.SAMPLE_NUMBER: n, Key.SHARE_NUMBER: num_shares, Key.THRESHOLD: threshold,
                 Key.CLIPPING_RANGE: clipping, Key.TARGET_RANGE: target, Key.MOD_RANGE: modulus,
                 Key.MAX_WEIGHT: max_weight}
    public_keys = {}
    for nid in ids:
        t0 = time.perf_counter()
        res = _setup(states[nid], setup_cfg)
        party_seconds[nid] += time.perf_counter() - t0
        public_keys[nid] = (res[Key.PUBLIC_KEY_1], res[Key.PUBLIC_KEY_2])
    forward = {nid: ([], []) for nid in ids}
    for nid in ids:
        cfg = {str(peer): public_keys[peer] for peer in neighbours[nid]}
        t0 = time.perf_counter()
        res = _share_keys(states[nid], cfg)
        party_seconds[nid] += time.perf_counter() - t0
        for dst, ctxt in zip(res[Key.DESTINATION_LIST], res[Key.CIPHERTEXT_LIST]):
            forward[dst][0].append(nid)
            forward[dst][1].append(ctxt)
    dead = set(rng.choice(ids, size=int(round(dropout * n)), replace=False).tolist())
    active = [nid for nid in ids if nid not in dead]
    masked_sum = None
    for nid in active:
        cfg = {Key.SOURCE_LIST: forward[nid][0], Key.CIPHERTEXT_LIST: forward[nid][1]}
        params = ndarrays_to_parameters([inputs[nid]])
        t0 = time.perf_counter()
        res = _collect_masked_vectors(states[nid], cfg, 1, params)
        party_seconds[nid] += time.perf_counter() - t0
        vec = [bytes_to_ndarray(b) for b in res[Key.MASKED_PARAMETERS]]
        masked_sum = vec if masked_sum is None else parameters_addition(masked_sum, vec)
    masked_sum = parameters_mod(masked_sum, modulus)
    active_set = set(active)
    shares = {nid: [] for nid in ids}
    for nid in active:
        cfg = {Key.ACTIVE_NODE_ID_LIST: list(neighbours[nid] & active_set),
               Key.DEAD_NODE_ID_LIST: list(neighbours[nid] & dead)}
        t0 = time.perf_counter()
        res = _unmask(states[nid], cfg)
        party_seconds[nid] += time.perf_counter() - t0
        for owner, share in zip(res[Key.NODE_ID_LIST], res[Key.SHARE_LIST]):
            shares[owner].append(share)
    # Server unmask stage (as in SecAggPlusWorkflow.unmask_stage).
    t0 = time.perf_counter()
    masked_vector = masked_sum
    for nid, share_list in shares.items():
        if len(share_list) < threshold:
            raise RuntimeError("not enough shares")
        secret = combine_shares(share_list)
        if nid in active_set:
            mask = pseudo_rand_gen(secret, modulus, get_parameters_shape(masked_vector))
            masked_vector = parameters_subtraction(masked_vector, mask)
        else:
            for peer in neighbours[nid] - {nid}:
                key = generate_shared_key(bytes_to_private_key(secret), bytes_to_public_key(public_keys[peer][0]))
                mask = pseudo_rand_gen(key, modulus, get_parameters_shape(masked_vector))
                masked_vector = (parameters_addition(masked_vector, mask) if nid > peer
                                 else parameters_subtraction(masked_vector, mask))
    recon = parameters_mod(masked_vector, modulus)
    q_total_ratio, recon = factor_extract(recon)
    aggregate = dequantize(recon, clipping, target)
    aggregate[0] += -(len(active) - 1) * clipping
    aggregate[0] *= target / q_total_ratio
    server_seconds = time.perf_counter() - t0
    # Flower's workflow returns the example-weighted mean (every party weighs 1 here).
    truth = sum(inputs[nid] for nid in active) / len(active)
    error = float(np.max(np.abs(aggregate[0] - truth)))
    party_median = float(np.median([party_seconds[nid] for nid in active]))
    return party_median, server_seconds, error


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--parties", type=int, default=100)
    parser.add_argument("--dim", type=int, default=100000)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--num-shares", type=int, default=23, help="neighbourhood incl. self (ours: degree + 1)")
    parser.add_argument("--threshold", type=int, default=12)
    parser.add_argument("--op", default=None)
    args = parser.parse_args()
    op = args.op or f"secaggplus_{args.parties}x{args.dim}_drop{int(args.dropout * 100)}"
    rng = np.random.default_rng()
    party, server, worst = [], [], 0.0
    for run in range(args.runs):
        p, s, err = one_run(args.parties, args.dim, args.dropout, args.num_shares, args.threshold, rng)
        party.append(p)
        server.append(s)
        worst = max(worst, err)
        print(f"secagg_flower_peer: run {run}: party median {p*1000:.1f} ms, server unmask {s*1000:.1f} ms, "
              f"max |error| {err:.3g}", file=sys.stderr)
    # Flower quantises to 2^22 levels over [-8, 8] after weighting: the mean is exact to ~1e-3.
    ok = 1.0 if worst < 0.01 else 0.0
    note = f"flwr 1.42 SecAgg+, {args.parties} parties, {args.dim} float64 -> mod 2^32, {int(args.dropout*100)}% dropouts before masked input, num_shares {args.num_shares}, threshold {args.threshold}"
    for suffix, values in (("_party", party), ("_server", server)):
        print(json.dumps({"impl": "flower", "op": op + suffix, "bytes": args.dim * 4, "seconds": values,
                          "check": ok, "note": note}), flush=True)


if __name__ == "__main__":
    main()
