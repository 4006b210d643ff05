#!/usr/bin/env bash
# Creates a private venv with Google's dp-accounting and regenerates accounting_fixtures.json.
# Run once; the JSON is committed so the Swift tests never need Python.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# Outside Fixtures/ (which is copied into the test bundle); .build* is git-ignored.
venv="${ACCOUNTING_FIXTURES_VENV:-$here/../../../.build-accounting-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'dp-accounting==0.6.0'
fi
"$venv/bin/python" "$here/make_accounting_fixtures.py" > "$here/accounting_fixtures.json"
echo "wrote $here/accounting_fixtures.json"
