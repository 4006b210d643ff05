#!/usr/bin/env bash
# Runs the whole test suite: installs missing system libraries, starts a throwaway PostgreSQL
# (scripts/postgres.sh), builds, tests. Then, unless
# swift test options were given (a filtered run) or PRIVACYKERNEL_SKIP_VERIFICATION=1, the
# machine checks of issue 13 (README "Testing and verification"):
#   1. the fast subset of the suite under AddressSanitizer (scripts/sanitize.sh address --subset),
#   2. a 30 s libFuzzer smoke run of every fuzz target, two at a time, from the same
#      AddressSanitizer build (scripts/fuzz.sh all --debug --seconds 30 --jobs 2; 30 s since the PostgreSQL
#      ledger added swift-nio-ssl to both builds: CI stays under 30 minutes).
# The short DP audit is part of the suite itself (Tests/DPAuditTests).
set -euo pipefail
cd "$(dirname "$0")/.."
# Chromium (Debian's package) for the web console's test, which then must run, not skip.
scripts/bootstrap.sh chromium
export PRIVACYKERNEL_REQUIRE_CHROMIUM=1
# PostgreSQL (Debian's package) for the ledger's second engine: a throwaway cluster, destroyed at
# exit; the ledger's conformance suites and the crash test then run on both engines and must.
postgres_dir="${TMPDIR:-/tmp}/privacykernel-postgres-test-$$"
trap 'scripts/postgres.sh destroy "$postgres_dir" >/dev/null 2>&1 || true' EXIT
PRIVACYKERNEL_POSTGRES_URL="$(scripts/postgres.sh start "$postgres_dir")"
export PRIVACYKERNEL_POSTGRES_URL
export PRIVACYKERNEL_REQUIRE_POSTGRES=1
started=$(date +%s)
swift build --build-tests
swift test --skip-build --disable-xctest "$@"
echo "test.sh: build and suite took $(( $(date +%s) - started )) s" >&2
if [ "$#" -gt 0 ] || [ "${PRIVACYKERNEL_SKIP_VERIFICATION:-0}" = 1 ]; then
    exit 0
fi
started=$(date +%s)
scripts/sanitize.sh address --subset
echo "test.sh: AddressSanitizer build and subset took $(( $(date +%s) - started )) s" >&2
started=$(date +%s)
scripts/fuzz.sh all --debug --seconds 30 --jobs 2
echo "test.sh: fuzz smoke run took $(( $(date +%s) - started )) s" >&2
