#!/usr/bin/env bash
# Headless-Chromium screenshots of the demo's HTML reports (acceptance check that the inline SVG
# charts render). Needs Debian's chromium (`apt-get install -y chromium`); run after
# scripts/demo.sh. Usage: scripts/demo-screenshot.sh [OUT_DIR]   (default: demo-output)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-demo-output}"
browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then echo "chromium not found: apt-get install -y chromium" >&2; exit 1; fi
[ -f "$out/index.html" ] || { echo "no $out/index.html: run scripts/demo.sh first" >&2; exit 1; }
absolute="$(cd "$out" && pwd)"
for page in index transport/report health/report finance/report commerce/report market/report tourism/report; do
    png="$absolute/$(echo "$page" | tr / _).png"
    # --no-sandbox: chromium refuses to run as root with its sandbox (containers, CI).
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,2400 \
        --screenshot="$png" "file://$absolute/$page.html" >/dev/null 2>&1
    echo "$png"
done
