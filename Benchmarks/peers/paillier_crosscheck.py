#!/usr/bin/env python3
"""Cross-check PrivacyKernel's Paillier against python-paillier (phe), through the CLI's files.

    python paillier_crosscheck.py --cli /path/to/privacy-kernel [--workdir DIR] [--count N]

Checks, each on 2048-bit keys:
  1. ours -> phe: `privacy-kernel paillier keygen`, then `encrypt` (fast and --plain) of signed
     integers (zero, ±1, random values, ±max_int); phe decrypts every line with the same key
     (PaillierPrivateKey(PaillierPublicKey(n), p, q)).
  2. phe -> ours: phe encrypts (obfuscated ciphertexts), we `decrypt` the file.
  3. mixed homomorphism: `privacy-kernel paillier add` of a phe file and one of ours; phe decrypts
     the sums; phe's own sum (EncryptedNumber + EncryptedNumber) of our ciphertexts decrypts with
     our CLI.
  4. a phe-generated key written as our JSON: our CLI encrypts and decrypts with it, phe decrypts
     our ciphertexts.
Exits 0 when everything agrees and 1 (naming the first mismatch) otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile


def run(cli, *args):
    result = subprocess.run([cli, "paillier", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"crosscheck: privacy-kernel paillier {' '.join(args)} failed: {result.stderr.strip()}")


def write_lines(path, values):
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(f"{v}\n" for v in values)


def read_lines(path):
    with open(path, encoding="utf-8") as handle:
        return [int(line) for line in handle.read().splitlines()]


def expect_equal(label, got, want):
    if got != want:
        for index, (g, w) in enumerate(zip(got, want)):
            if g != w:
                raise SystemExit(f"crosscheck: FAIL {label}: line {index + 1}: got {g}, want {w}")
        raise SystemExit(f"crosscheck: FAIL {label}: {len(got)} values, want {len(want)}")
    print(f"crosscheck: ok   {label} ({len(want)} values)")


def phe_keys(paillier, path):
    with open(path, encoding="utf-8") as handle:
        key = json.load(handle)
    public_key = paillier.PaillierPublicKey(int(key["n"]))
    return public_key, paillier.PaillierPrivateKey(public_key, int(key["p"]), int(key["q"]))


def plaintexts(public_key, count):
    max_int = public_key.max_int
    values = [0, 1, -1, max_int, -max_int, 2**64, -(2**64)]
    values += [secrets.randbelow(2 * max_int + 1) - max_int for _ in range(count)]
    values += [secrets.randbelow(2**40) - 2**39 for _ in range(count)]
    return values


def check_key(cli, paillier, workdir, key_path, public_path, label, count):
    public_key, private_key = phe_keys(paillier, key_path)
    values = plaintexts(public_key, count)
    plain_path = os.path.join(workdir, f"{label}-plain.txt")
    write_lines(plain_path, values)

    # 1. ours -> phe
    for variant, extra in (("fast", []), ("plain", ["--plain"])):
        ours_path = os.path.join(workdir, f"{label}-ours-{variant}.txt")
        run(cli, "encrypt", "--key", public_path, plain_path, "--out", ours_path, *extra)
        ciphertexts = read_lines(ours_path)
        decrypted = [private_key.decrypt(paillier.EncryptedNumber(public_key, c, 0)) for c in ciphertexts]
        expect_equal(f"{label}: our {variant} encryption, phe decryption", decrypted, values)

    # 2. phe -> ours
    phe_path = os.path.join(workdir, f"{label}-phe.txt")
    phe_encrypted = [public_key.encrypt(v) for v in values]
    write_lines(phe_path, [e.ciphertext(be_secure=True) for e in phe_encrypted])
    ours_plain = os.path.join(workdir, f"{label}-phe-decrypted.txt")
    run(cli, "decrypt", "--key", key_path, phe_path, "--out", ours_plain)
    expect_equal(f"{label}: phe encryption, our decryption", read_lines(ours_plain), values)

    # 3. mixed homomorphism (values halved so that sums stay within max_int)
    half = [v // 2 if v >= 0 else -((-v) // 2) for v in values]
    half_path = os.path.join(workdir, f"{label}-half.txt")
    write_lines(half_path, half)
    ours_half = os.path.join(workdir, f"{label}-ours-half.txt")
    run(cli, "encrypt", "--key", public_path, half_path, "--out", ours_half)
    phe_half = [public_key.encrypt(v) for v in half]
    phe_half_path = os.path.join(workdir, f"{label}-phe-half.txt")
    write_lines(phe_half_path, [e.ciphertext(be_secure=True) for e in phe_half])
    sum_path = os.path.join(workdir, f"{label}-sum.txt")
    run(cli, "add", "--key", public_path, ours_half, phe_half_path, "--out", sum_path)
    sums = [private_key.decrypt(paillier.EncryptedNumber(public_key, c, 0)) for c in read_lines(sum_path)]
    expect_equal(f"{label}: our add of ours + phe, phe decryption", sums, [2 * h for h in half])
    ours_cts = [paillier.EncryptedNumber(public_key, c, 0) for c in read_lines(ours_half)]
    phe_sum_path = os.path.join(workdir, f"{label}-phe-sum.txt")
    write_lines(phe_sum_path, [(a + b).ciphertext(be_secure=False) for a, b in zip(ours_cts, phe_half)])
    ours_sum_plain = os.path.join(workdir, f"{label}-phe-sum-decrypted.txt")
    run(cli, "decrypt", "--key", key_path, phe_sum_path, "--out", ours_sum_plain)
    expect_equal(f"{label}: phe add of ours + phe, our decryption", read_lines(ours_sum_plain), [2 * h for h in half])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Cross-check privacy-kernel paillier against phe.")
    parser.add_argument("--cli", required=True, help="the privacy-kernel executable")
    parser.add_argument("--workdir", help="where to keep the files (default: a temporary folder)")
    parser.add_argument("--count", type=int, default=40, help="random values per range (default 40)")
    args = parser.parse_args(argv)
    from phe import paillier

    workdir = args.workdir or tempfile.mkdtemp(prefix="pk-paillier-crosscheck-")
    os.makedirs(workdir, exist_ok=True)
    print(f"crosscheck: files in {workdir}")

    # Our key.
    public_path = os.path.join(workdir, "ours-public.json")
    key_path = os.path.join(workdir, "ours-private.json")
    run(args.cli, "keygen", "--bits", "2048", "--public-key", public_path, "--private-key", key_path)
    check_key(args.cli, paillier, workdir, key_path, public_path, "our key", args.count)

    # phe's key, written in our JSON format.
    phe_public, phe_private = paillier.generate_paillier_keypair(n_length=2048)
    phe_key_path = os.path.join(workdir, "phe-private.json")
    phe_public_path = os.path.join(workdir, "phe-public.json")
    with open(phe_key_path, "w", encoding="utf-8") as handle:
        json.dump({"n": str(phe_public.n), "p": str(phe_private.p), "q": str(phe_private.q)}, handle)
    with open(phe_public_path, "w", encoding="utf-8") as handle:
        json.dump({"n": str(phe_public.n)}, handle)
    check_key(args.cli, paillier, workdir, phe_key_path, phe_public_path, "phe key", args.count)

    print("crosscheck: all checks passed")
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
