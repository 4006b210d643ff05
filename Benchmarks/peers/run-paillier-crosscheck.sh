#!/usr/bin/env bash
# Cross-check of PrivacyKernel's Paillier against python-paillier (phe) through the CLI's files.
#
#   Benchmarks/peers/run-paillier-crosscheck.sh [--count N] [--workdir DIR] [--release]
#
# 1. creates Benchmarks/peers/.venv-paillier if missing and pip-installs phe and gmpy2;
# 2. builds the privacy-kernel CLI (debug, or release with --release) from the repository root;
# 3. runs peers/paillier_crosscheck.py: our ciphertexts decrypt with phe given the same key and
#    the reverse, mixed homomorphic sums, and a phe-generated key used by our CLI.
# Exits non-zero on the first mismatch.
set -euo pipefail

PEERS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$PEERS_DIR/../.." && pwd)"
VENV="$PEERS_DIR/.venv-paillier"
PY="$VENV/bin/python"
CONFIG=debug
ARGS=()

while [[ $# -gt 0 ]]; do
    case "$1" in
        --count|--workdir) ARGS+=("$1" "$2"); shift 2 ;;
        --release) CONFIG=release; shift ;;
        -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run-paillier-crosscheck.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

log() { echo "run-paillier-crosscheck.sh: $*" >&2; }

if [[ ! -x "$PY" ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
fi
if ! "$PY" -c "import phe, gmpy2" 2>/dev/null; then
    log "installing phe and gmpy2 into $VENV"
    "$PY" -m pip install --quiet phe gmpy2
fi

log "building privacy-kernel ($CONFIG)"
(cd "$REPO_ROOT" && swift build -c "$CONFIG" --product privacy-kernel >&2)
CLI="$(cd "$REPO_ROOT" && swift build -c "$CONFIG" --show-bin-path)/privacy-kernel"

"$PY" "$PEERS_DIR/paillier_crosscheck.py" --cli "$CLI" ${ARGS[@]+"${ARGS[@]}"}
