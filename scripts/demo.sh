#!/usr/bin/env bash
# The main job on the embedded default data: installs missing system libraries, builds the
# CLI in release mode and runs it over every embedded dataset in datasets/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build -c release --product privacy-kernel
binary="$(swift build -c release --show-bin-path)/privacy-kernel"
for file in datasets/*.csv; do
    "$binary" datasets describe "$file"
    echo
done
