#!/usr/bin/env bash
# The main job on the embedded default data: installs missing system libraries, builds the
# CLI in release mode and runs all six scenario models (transport, health, finance, commerce,
# market supervision, culture & tourism) through the ledger and the release gate, writing
# report.json, CSV tables and report.html per scenario plus an index.html.
# Usage: scripts/demo.sh [OUT_DIR]   (default: demo-output)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-demo-output}"
scripts/bootstrap.sh
swift build -c release --product privacy-kernel
binary="$(swift build -c release --show-bin-path)/privacy-kernel"
start=$(date +%s)
"$binary" demo --out "$out"
echo "demo finished in $(( $(date +%s) - start )) s: open $out/index.html"
