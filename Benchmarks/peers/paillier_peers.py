#!/usr/bin/env python3
"""python-paillier (phe, with gmpy2) peer for run-paillier-peers.sh.

Times one operation on a 2048-bit key read from a JSON file {"n","p","q"} (decimal strings; the
same key our probe and the C floor use) and prints one JSON line in the protocol of ../README.md,
with "bytes" = operations per timed batch (the rate is operations per second):

    {"impl":"phe","op":"paillier_encrypt","bytes":40,"seconds":[...],"check":0,"note":"..."}

    python paillier_peers.py --key key.json --op encrypt --runs 5 --batch 40

Operations: encrypt (public_key.encrypt(int): encode, (1 + m n) and the r^n obfuscation),
decrypt (private_key.decrypt: CRT with gmpy2.powmod and decoding), add (EncryptedNumber + EncryptedNumber).
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--key", required=True)
    parser.add_argument("--op", required=True, choices=["encrypt", "decrypt", "add"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--batch", type=int, default=40)
    args = parser.parse_args(argv)

    try:
        import gmpy2  # noqa: F401  (phe uses it when importable; say so in the note)
        from phe import paillier
        from phe import util as phe_util
    except ImportError as error:
        print(json.dumps({"impl": "phe", "op": f"paillier_{args.op}", "skipped": f"cannot import phe/gmpy2: {error}"}))
        return 0

    with open(args.key, encoding="utf-8") as handle:
        key = json.load(handle)
    n, p, q = int(key["n"]), int(key["p"]), int(key["q"])
    public_key = paillier.PaillierPublicKey(n)
    private_key = paillier.PaillierPrivateKey(public_key, p, q)
    max_int = public_key.max_int
    count = max(args.batch, 2)
    values = [secrets.randbelow(2 * max_int) - max_int for _ in range(min(count, 256))]
    encrypted = [public_key.encrypt(v) for v in values]

    def encrypt_batch():
        last = None
        for index in range(args.batch):
            last = public_key.encrypt(values[index % len(values)])
        return 0 if private_key.decrypt(last) == values[(args.batch - 1) % len(values)] else 1

    def decrypt_batch():
        wrong = 0
        for index in range(args.batch):
            if private_key.decrypt(encrypted[index % len(encrypted)]) != values[index % len(values)]:
                wrong += 1
        return wrong

    def add_batch():
        last = None
        size = len(encrypted)
        for index in range(args.batch):
            last = encrypted[index % size] + encrypted[(index + 1) % size]
        return last.ciphertext(be_secure=False).bit_length()

    body = {"encrypt": encrypt_batch, "decrypt": decrypt_batch, "add": add_batch}[args.op]
    seconds = []
    check = None
    for iteration in range(args.warmup + args.runs):
        start = time.perf_counter()
        check = body()
        elapsed = time.perf_counter() - start
        if iteration >= args.warmup:
            seconds.append(elapsed)
    uses_gmpy2 = getattr(phe_util, "HAVE_GMP", False)
    note = f"phe {getattr(__import__('phe'), '__version__', '?')}, gmpy2 {'used' if uses_gmpy2 else 'NOT used'}"
    print(json.dumps({"impl": "phe", "op": f"paillier_{args.op}", "bytes": args.batch, "seconds": seconds,
                      "check": check, "note": note}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
