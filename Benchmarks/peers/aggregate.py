#!/usr/bin/env python3
"""Aggregate JSON-lines measurements (pk-bench-probe and peers.py) into a comparison table.

Reads JSON lines from the files given (or standard input); lines that are not JSON objects with
"impl" and "op" are ignored. Lines with the same (op, impl) are merged (their "seconds" lists
are concatenated), so several interleaved rounds of one run can be pooled.

For each operation: median and minimum wall time, throughput = bytes / median in the unit of
UNITS, and the ratio ours/peer of throughputs (> 1 means ours is faster). Ratios are only
meaningful within one run of the harness on one machine: see ../README.md.

    python aggregate.py results.jsonl
    python aggregate.py --ours privacykernel --json summary.json results.jsonl
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys

# op -> (unit name, bytes per unit). Unknown operations use MB/s.
UNITS = {
    "csv_load": ("MB/s", 1e6),
    "f64_sum": ("GB/s", 1e9),
    # pk-bench-dp / dp_peers.py: bytes = 8 x input values, or samples for the samplers.
    "dp_sum": ("GB/s", 1e9),
    "dp_mean": ("GB/s", 1e9),
    "dp_count_by_key": ("GB/s", 1e9),
    "dp_median": ("MB/s", 1e6),
    "dlap_samples": ("Msamples/s", 1e6),
    "dgauss_samples": ("Msamples/s", 1e6),
    # Anonymity (run-anonymity-peers.sh): "bytes" holds rows, so the rate is million rows per second.
    "adult_kanon": ("Mrows/s", 1e6),
    "adult100_kanon": ("Mrows/s", 1e6),
    "adult_ldiv": ("Mrows/s", 1e6),
    "adult_tclose": ("Mrows/s", 1e6),
    "adult_flash0": ("Mrows/s", 1e6),
    "adult_flash5": ("Mrows/s", 1e6),
}
DEFAULT_UNIT = ("MB/s", 1e6)

# Operations whose check value must agree between implementations (row counts). For f64_sum the
# inputs are generated differently on each side, so only the order of magnitude is comparable.
EXACT_CHECK = {"csv_load", "adult_kanon", "adult100_kanon", "adult_ldiv", "adult_tclose"}


def read_lines(paths):
    streams = [open(path, encoding="utf-8") for path in paths] if paths else [sys.stdin]
    for stream in streams:
        for raw in stream:
            raw = raw.strip()
            if not raw.startswith("{"):
                continue
            try:
                line = json.loads(raw)
            except json.JSONDecodeError:
                continue
            if isinstance(line, dict) and "impl" in line and "op" in line:
                yield line


def collect(lines):
    """(op -> impl -> record), keeping the order in which operations and impls first appear."""
    table: dict[str, dict[str, dict]] = {}
    for line in lines:
        record = table.setdefault(line["op"], {}).setdefault(
            line["impl"], {"seconds": [], "bytes": None, "check": None, "note": None, "skipped": None})
        if "skipped" in line:
            record["skipped"] = line["skipped"]
            continue
        seconds = [s for s in line.get("seconds", []) if isinstance(s, (int, float)) and s > 0]
        record["seconds"].extend(seconds)
        if record["bytes"] is not None and line.get("bytes") != record["bytes"]:
            print(f"aggregate.py: warning: {line['impl']} {line['op']} reported {line.get('bytes')} bytes "
                  f"after {record['bytes']}", file=sys.stderr)
        record["bytes"] = line.get("bytes")
        record["check"] = line.get("check", record["check"])
        record["note"] = line.get("note", record["note"])
    return table


def summarise(table, ours):
    rows = []
    for op, impls in table.items():
        unit, scale = UNITS.get(op, DEFAULT_UNIT)
        ours_rate = None
        if ours in impls and impls[ours]["seconds"] and impls[ours]["bytes"]:
            ours_rate = impls[ours]["bytes"] / statistics.median(impls[ours]["seconds"]) / scale
        ours_bytes = impls.get(ours, {}).get("bytes")
        ours_check = impls.get(ours, {}).get("check")
        for impl, record in impls.items():
            row = {"op": op, "impl": impl, "unit": unit, "runs": len(record["seconds"]),
                   "skipped": record["skipped"], "note": record["note"], "check": record["check"],
                   "bytes": record["bytes"]}
            if record["seconds"] and record["bytes"]:
                median = statistics.median(record["seconds"])
                row.update(median_s=median, min_s=min(record["seconds"]),
                           rate=record["bytes"] / median / scale)
                if ours_rate is not None and impl != ours:
                    row["ours_over_peer"] = ours_rate / row["rate"]
                    if ours_bytes != record["bytes"]:
                        row["warning"] = f"bytes differ from ours ({record['bytes']} vs {ours_bytes})"
                    elif op in EXACT_CHECK and ours_check is not None and record["check"] != ours_check:
                        row["warning"] = f"check differs from ours ({record['check']} vs {ours_check})"
            rows.append(row)
    return rows


def fmt(value, digits=3):
    if value is None:
        return "-"
    if isinstance(value, float):
        if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
            return f"{value:.{digits}e}"
        return f"{value:.{digits}f}"
    return str(value)


def print_table(rows, ours, out=sys.stdout):
    headers = ["op", "impl", "runs", "median s", "min s", "rate", "unit", f"{ours}/peer", "check"]
    body = []
    for row in rows:
        if row["skipped"] and not row["runs"]:
            body.append([row["op"], row["impl"], "0", "-", "-", "-", row["unit"], "-", "skipped"])
            continue
        body.append([row["op"], row["impl"], str(row["runs"]), fmt(row.get("median_s"), 4),
                     fmt(row.get("min_s"), 4), fmt(row.get("rate"), 2), row["unit"],
                     fmt(row.get("ours_over_peer"), 2) if row["impl"] != ours else "(ours)",
                     fmt(row["check"], 6)])
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.rjust(w) if i >= 2 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(headers), file=out)
    print(line(["-" * w for w in widths]), file=out)
    for cells in body:
        print(line(cells), file=out)
    notes = [(r["op"], r["impl"], r["skipped"]) for r in rows if r["skipped"]]
    notes += [(r["op"], r["impl"], r["warning"]) for r in rows if r.get("warning")]
    for op, impl, text in notes:
        print(f"note: {op} {impl}: {text}", file=out)
    print(f"rate = bytes / median wall time; {ours}/peer > 1 means ours is faster (same run, same machine).",
          file=out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Aggregate benchmark JSON lines into a comparison table.")
    parser.add_argument("files", nargs="*", help="JSON-lines files (default: standard input)")
    parser.add_argument("--ours", default="privacykernel", help="the implementation ratios are computed for")
    parser.add_argument("--json", help="also write the summary rows as JSON to this file")
    args = parser.parse_args(argv)
    rows = summarise(collect(read_lines(args.files)), args.ours)
    if not rows:
        print("aggregate.py: no measurements found", file=sys.stderr)
        return 1
    print_table(rows, args.ours)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(rows, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
