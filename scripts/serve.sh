#!/usr/bin/env bash
# The platform service on the embedded data: installs missing system libraries, builds the CLI
# (release), and — the first time — makes a platform in DIR: a signed ledger in platform mode,
# identities for a regulator (reviewer + regulator), a steward, an operator and the service
# itself, the embedded transport and health datasets uploaded by the steward, and one
# authorisation (operator op-1, scenario fares, (ε, δ) = (10, 1e-5) on transport's fare, distance and
# districts). Then it serves on 127.0.0.1:PORT until Ctrl-C (graceful shutdown).
# Usage: scripts/serve.sh [DIR] [PORT]   (default: platform 8723). docs/service.md has the API.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-platform}"
port="${2:-8723}"
scripts/bootstrap.sh
swift build -c release --product privacy-kernel
pk="$(swift build -c release --show-bin-path)/privacy-kernel"
ledger="$dir/ledger.sqlite"
keys="$dir/identities"
server="http://127.0.0.1:$port"

fresh=0
if [ ! -f "$ledger" ]; then
    fresh=1
    scripts/platform-init.sh "$dir" "$pk"
fi

"$pk" serve --ledger "$ledger" --identity "$keys/platform.key" --data-root "$dir/data" --port "$port" &
service=$!
trap 'kill -TERM $service 2>/dev/null; wait $service' INT TERM
until "$pk" client --server "$server" --identity "$keys/op-1.key" GET /v1/whoami >/dev/null 2>&1; do
    kill -0 $service 2>/dev/null || { echo "serve.sh: the service did not start" >&2; exit 1; }
    sleep 0.2
done

if [ "$fresh" = 1 ]; then
    client() { "$pk" client --server "$server" "$@" >/dev/null; }
    client --identity "$keys/steward.key" PUT /v1/datasets/transport --body-file datasets/transport.csv
    client --identity "$keys/steward.key" PUT /v1/datasets/health --body-file datasets/health.csv
    client --identity "$keys/steward.key" PATCH /v1/datasets/transport/columns/card_id --json '{"role": "identifier"}'
    client --identity "$keys/regulator.key" POST /v1/authorisations --json \
        '{"operator": "op-1", "scenario": "fares", "dataset": "transport", "columns": ["fare", "distance_km", "origin_district", "destination_district", "card_id"], "epsilon": 10, "delta": 1e-5}'
fi

cat <<NOTE
The platform service runs at $server (data under $dir/data, ledger $ledger).
Try, as the operator:
  $pk client --server $server --identity $keys/op-1.key POST /v1/releases \\
      --json '{"scenario": "fares", "dataset": "transport", "statistic": "mean", "column": "fare", "lower": 0, "upper": 50, "epsilon": 0.5}'
  $pk client --server $server --identity $keys/op-1.key GET /v1/authorisations
and as the regulator: GET /v1/audit, GET '/v1/reports/security?operator=op-1&period=$(date +%Y)H2'.
Ctrl-C stops it.
NOTE
wait $service
