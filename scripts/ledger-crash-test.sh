#!/usr/bin/env bash
# Crash test of the privacy ledger through the real CLI: W worker loops run
# `privacy-kernel dp count ... --operator ... --scenario ...` against ONE ledger file and SIGKILL
# each process at a random moment (uniform over twice a typical run, so kills land before, during and after the charge), until at least KILLS kills were
# delivered. Then it checks:
#   1. every value that reached stdout (a complete JSON line) has a committed ledger entry with
#      the same result digest;
#   2. no authorisation's spent budget exceeds its total (remaining never below zero), and spent
#      equals the sum of the charged entries;
#   3. the audit log's hash chain verifies and SQLite's integrity check passes.
# Usage: scripts/ledger-crash-test.sh [--kills N] [--workers W] [--binary PATH] [--durability full|normal]
#                                     [--ledger postgres://USER:PASSWORD@HOST:PORT/EMPTY_DATABASE]
# Defaults: 200 kills, 2 concurrent workers, the debug CLI (built if missing), full durability, a
# new SQLite file. With --ledger the same test runs on a PostgreSQL ledger in that (empty) database
# (scripts/postgres.sh newdb prints one); SQLite's integrity check is then replaced by the server's
# own consistency (the kill hits the client, never the server).
set -euo pipefail
cd "$(dirname "$0")/.."
KILLS=200 WORKERS=2 BINARY="" DURABILITY=full LEDGER=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --kills) KILLS="$2"; shift 2 ;;
        --workers) WORKERS="$2"; shift 2 ;;
        --binary) BINARY="$2"; shift 2 ;;
        --durability) DURABILITY="$2"; shift 2 ;;
        --ledger) LEDGER="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
if [[ -z "$BINARY" ]]; then
    swift build --product privacy-kernel >/dev/null
    BINARY="$(swift build --show-bin-path)/privacy-kernel"
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
exec python3 - "$BINARY" "$WORK" "$KILLS" "$WORKERS" "$DURABILITY" "$LEDGER" <<'PY'
import json, os, random, signal, sqlite3, subprocess, sys, threading, time

binary, work, kills_wanted, workers, durability = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
ledger = sys.argv[6] or os.path.join(work, "crash.sqlite")
on_postgres = ledger.startswith("postgres")
data = os.path.join(work, "trips.csv")
rng = random.Random(int.from_bytes(os.urandom(8), "little"))
with open(data, "w") as f:
    f.write("fare,district\n")
    for i in range(5000):
        f.write(f"{rng.uniform(0, 50):.2f},{['Xihu', 'Gongshu', 'Binjiang'][i % 3]}\n")

def cli(*args, check=True):
    r = subprocess.run([binary, *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        sys.exit(f"command failed: {args}: {r.stderr}")
    return r

# Sized so that the budget runs out part of the way through: kills land while charging and after exhaustion.
EPS = 0.05
TOTAL = round(EPS * max(10, int(kills_wanted * 0.3)), 6)
cli("ledger", "init", "--ledger", ledger)
cli("ledger", "grant", "--ledger", ledger, "--operator", "op-crash", "--scenario", "crash", "--epsilon", str(TOTAL), "--data", data)
release = ["dp", "count", "--data", data, "--epsilon", str(EPS), "--ledger", ledger, "--durability", durability,
           "--operator", "op-crash", "--scenario", "crash", "--json"]
# A typical run's duration (median of 5) sets the kill window.
durations = []
for _ in range(5):
    t0 = time.monotonic(); cli(*release); durations.append(time.monotonic() - t0)
typical = sorted(durations)[2]

lock = threading.Lock()
state = {"kills": 0, "completed": 0, "refused": 0, "printed": []}

def worker():
    while True:
        with lock:
            if state["kills"] >= kills_wanted: return
        p = subprocess.Popen([binary, *release], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0, typical * 2.0))
        try:
            p.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = p.communicate()
        with lock:
            if p.returncode == -signal.SIGKILL: state["kills"] += 1
            elif p.returncode == 0: state["completed"] += 1
            else:
                state["refused"] += 1
                if b"budget-exhausted" not in err: sys.exit(f"unexpected failure: {err.decode()}")
            for line in out.decode(errors="replace").splitlines():
                try:
                    state["printed"].append(json.loads(line))
                except json.JSONDecodeError:
                    pass  # a line cut by the kill: it never fully reached stdout

threads = [threading.Thread(target=worker) for _ in range(workers)]
start = time.monotonic()
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.monotonic() - start

history = json.loads(cli("ledger", "history", "--ledger", ledger, "--json").stdout)
status = json.loads(cli("ledger", "status", "--ledger", ledger, "--json").stdout)
verify = cli("ledger", "audit-verify", "--ledger", ledger, check=False)
by_id = {h["id"]: h for h in history}
missing = [p for p in state["printed"] if p.get("ledger_entry") not in by_id or by_id[p["ledger_entry"]]["result_digest"] != p.get("result_digest")]
spent = status[0]["spent"]; remaining = status[0]["remaining"]
charged = sum(h["epsilon"] for h in history)
open_entries = sum(1 for h in history if h["result_digest"] is None)
if on_postgres:
    integrity = "ok"  # the server's own; the kills hit the clients
else:
    con = sqlite3.connect(ledger)
    integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
print(f"kills delivered: {state['kills']}, completed runs: {state['completed']}, refused (budget exhausted): {state['refused']}, "
      f"workers: {workers}, durability: {durability}, typical run {typical*1000:.0f} ms, wall {elapsed:.1f} s")
print(f"values printed: {len(state['printed'])}, ledger entries: {len(history)} ({open_entries} charged but cut before the outcome)")
print(f"budget: total {TOTAL}, spent {spent:.6f}, remaining {remaining:.6f}, sum of charged entries {charged:.6f}")
print(f"audit: {verify.stdout.strip() or verify.stderr.strip()}; " + ("engine: PostgreSQL" if on_postgres else f"sqlite integrity: {integrity}"))
failures = []
if state["kills"] < kills_wanted: failures.append("too few kills")
if missing: failures.append(f"{len(missing)} printed values have no committed ledger entry: {missing[:3]}")
if spent > TOTAL * (1 + 1e-9) or remaining < 0: failures.append("budget overspent")
if abs(spent - charged) > 1e-6: failures.append("spent differs from the sum of the ledger entries")
if len(history) < len(state["printed"]): failures.append("fewer entries than printed values")
if verify.returncode != 0: failures.append("audit chain broken")
if integrity != "ok": failures.append("sqlite integrity check failed")
if failures:
    print("FAILED: " + "; ".join(failures)); sys.exit(1)
print("crash test passed")
PY
