#!/usr/bin/env bash
# Load and fault tests of the platform service (issue 15, item 7), over loopback with the SQLite
# ledger, or (ENGINE=postgres) a PostgreSQL ledger in a throwaway cluster (scripts/postgres.sh). Builds the release CLI and Benchmarks' pk-service-load, makes a platform in a fresh
# work directory, uploads a tiny dataset (the embedded transport file) and a 1M-row one
# (generated, seed 42), then:
#   1. tiny:   CLIENTS concurrent operators hammer one authorisation with DP counts for SECONDS s;
#   2. large:  the same on the 1M-row dataset;
#   3. budget: an authorisation of ε = 5 under the same load with ε = 0.01 per release: exactly
#              500 releases, never more; spent = releases × ε;
#   4. kill:   kill -9 the service mid-load, restart it: the audit chain and every signature
#              verify, every release a client received is on record, spent = recorded × ε.
# Prints one JSON line per load phase and a verdict per check; exits 1 when a check fails.
# Usage: scripts/service-load.sh [WORK_DIR]   env: CLIENTS (64), SECONDS_PER_PHASE (15),
#        DURABILITY (full | normal; default full), PORT (8790), ENGINE (sqlite | postgres)
set -euo pipefail
cd "$(dirname "$0")/.."
clients="${CLIENTS:-64}"
seconds="${SECONDS_PER_PHASE:-15}"
durability="${DURABILITY:-full}"
port="${PORT:-8790}"
engine="${ENGINE:-sqlite}"
# Long enough for the 500 releases of the budget phase to run the budget out (PostgreSQL is slower).
budget_seconds="${BUDGET_SECONDS:-$([ "$engine" = postgres ] && echo 30 || echo 10)}"
work="${1:-$(mktemp -d /tmp/pk-service-load.XXXXXX)}"
scripts/bootstrap.sh
mkdir -p "$work"
build() { "$@" >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; exit 1; }; }
build swift build -c release --product privacy-kernel
pk="$(swift build -c release --show-bin-path)/privacy-kernel"
(cd Benchmarks && build swift build -c release --product pk-service-load)
load="$(cd Benchmarks && swift build -c release --show-bin-path)/pk-service-load"
if [ "$engine" = postgres ]; then
    scripts/postgres.sh start "$work/postgres" >/dev/null
    trap 'scripts/postgres.sh stop "$work/postgres" >/dev/null 2>&1 || true' EXIT
    url="$(scripts/postgres.sh newdb "$work/postgres")"
    # The password travels in the environment, not on command lines.
    PGPASSWORD="$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlsplit(sys.argv[1]).password)' "$url")"
    export PGPASSWORD
    ledger="$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(p._replace(netloc=f"{p.username}@{p.hostname}:{p.port}").geturl())' "$url")"
    scripts/platform-init.sh "$work/platform" "$pk" "$ledger"
else
    scripts/platform-init.sh "$work/platform" "$pk"
    ledger="$work/platform/ledger.sqlite"
fi
keys="$work/platform/identities"
server="http://127.0.0.1:$port"
failed=0
check() { if eval "$2"; then echo "PASS $1"; else echo "FAIL $1"; failed=1; fi; }

start_service() {
    "$pk" serve --ledger "$ledger" --durability "$durability" --identity "$keys/platform.key" \
        --data-root "$work/platform/data" --port "$port" >>"$work/serve.log" 2>&1 &
    service=$!
    until "$pk" client --server "$server" --identity "$keys/op-1.key" GET /v1/whoami >/dev/null 2>&1; do
        kill -0 $service 2>/dev/null || { echo "service-load.sh: the service did not start" >&2; exit 1; }
        sleep 0.2
    done
}
client() { "$pk" client --server "$server" "$@"; }
grant() {
    client --identity "$keys/regulator.key" POST /v1/authorisations \
        --json "{\"operator\": \"op-1\", \"scenario\": \"$1\", \"dataset\": \"$2\", \"epsilon\": $3}" >/dev/null
}
count_body() { echo "{\"scenario\": \"$1\", \"dataset\": \"$2\", \"statistic\": \"count\", \"epsilon\": $3}"; }
spent() {
    client --identity "$keys/op-1.key" GET /v1/authorisations |
        python3 -c "import json,sys; print(next(a['spent'] for a in json.load(sys.stdin) if a['scenario']=='$1'))"
}
recorded() {
    client --identity "$keys/regulator.key" GET /v1/releases |
        python3 -c "import json,sys; print(sum(1 for r in json.load(sys.stdin) if r['scenario']=='$1'))"
}

[ -f "$work/transport-1m.csv" ] || "$pk" datasets generate transport --rows 1000000 --seed 42 --out "$work/transport-1m.csv" >/dev/null
start_service
client --identity "$keys/steward.key" PUT /v1/datasets/tiny --body-file datasets/transport.csv >/dev/null
client --identity "$keys/steward.key" PUT /v1/datasets/large --body-file "$work/transport-1m.csv" >/dev/null
grant tiny tiny 1000000
grant large large 1000000
grant budget tiny 5

"$load" --server "$server" --identity "$keys/op-1.key" --clients "$clients" --seconds "$seconds" \
    --label "tiny ($durability)" --body "$(count_body tiny tiny 0.001)" | tee -a "$work/results.jsonl"
"$load" --server "$server" --identity "$keys/op-1.key" --clients "$clients" --seconds "$seconds" \
    --label "large 1M rows ($durability)" --body "$(count_body large large 0.001)" | tee -a "$work/results.jsonl"
"$load" --server "$server" --identity "$keys/op-1.key" --clients "$clients" --seconds "$budget_seconds" \
    --label "budget ε=5 ($durability)" --body "$(count_body budget tiny 0.01)" | tee -a "$work/results.jsonl"
budget_recorded=$(recorded budget)
budget_spent=$(spent budget)
check "budget: exactly 500 releases recorded (got $budget_recorded)" '[ "$budget_recorded" = 500 ]'
check "budget: spent = 500 × 0.01 (got $budget_spent)" 'python3 -c "import sys; sys.exit(abs($budget_spent - 5) > 1e-9)"'

# kill -9 mid-load, then restart.
before=$(recorded tiny)
"$load" --server "$server" --identity "$keys/op-1.key" --clients "$clients" --seconds 8 \
    --label "kill -9 ($durability)" --entries "$work/answered.txt" --body "$(count_body tiny tiny 0.001)" \
    >"$work/kill.json" &
loader=$!
sleep 3
kill -9 $service
wait $service 2>/dev/null || true
wait $loader
cat "$work/kill.json" | tee -a "$work/results.jsonl"
start_service
"$pk" ledger audit-verify --ledger "$ledger" >"$work/audit-verify.txt" 2>&1 && verified=1 || verified=0
check "kill -9: audit-verify passes after restart (chain, signatures, state)" '[ $verified = 1 ]'
client --identity "$keys/regulator.key" GET /v1/releases >"$work/releases.json"
missing=$(python3 - "$work/answered.txt" "$work/releases.json" <<'PY'
import json, sys
answered = {line.strip().lower() for line in open(sys.argv[1]) if line.strip()}
recorded = {r["id"].lower() for r in json.load(open(sys.argv[2]))}
print(len(answered - recorded))
PY
)
answered=$(grep -c . "$work/answered.txt" || true)
after=$(recorded tiny)
tiny_spent=$(spent tiny)
check "kill -9: every one of the $answered answered releases is on record (missing: $missing)" '[ "$missing" = 0 ]'
check "kill -9: spent = recorded releases × 0.001 ($after recorded, spent $tiny_spent)" \
    'python3 -c "import sys; sys.exit(abs($tiny_spent - $after * 0.001) > 1e-6)"'
check "kill -9: at least the answered releases were charged ($after - $before ≥ $answered)" '[ $((after - before)) -ge "$answered" ]'
kill -TERM $service
wait $service || true
echo "results: $work/results.jsonl; service log: $work/serve.log"
exit $failed
