#!/usr/bin/env bash
# Makes a platform in DIR for the service (used by scripts/serve.sh and scripts/service-load.sh):
# a signed ledger (DIR/ledger.sqlite) in platform mode and identities (DIR/identities/NAME.key
# and .pub) for a regulator (reviewer + regulator roles), a steward, an operator op-1 and the
# service itself (platform role). Refuses a DIR that already has a ledger.
# Usage: scripts/platform-init.sh DIR PRIVACY_KERNEL_BINARY [LEDGER]
# LEDGER: another ledger location, e.g. an empty PostgreSQL database (postgres://USER@HOST:PORT/DB,
# password in $PGPASSWORD); its export area is then DIR/ledger-exports, set explicitly.
set -euo pipefail
dir="$1"
pk="$2"
ledger="${3:-$dir/ledger.sqlite}"
keys="$dir/identities"
[ ! -e "$ledger" ] || { echo "platform-init.sh: $ledger exists" >&2; exit 1; }
mkdir -p "$keys"
case "$ledger" in
  postgres://*|postgresql://*) "$pk" ledger init --ledger "$ledger" --export-area "$dir/ledger-exports" >/dev/null ;;
  *) "$pk" ledger init --ledger "$ledger" >/dev/null ;;
esac
for name in regulator steward op-1 platform; do "$pk" ledger identity --name "$name" --out "$keys/$name" >/dev/null; done
add() { "$pk" ledger principal add --ledger "$ledger" --identity "$keys/regulator.key" "$@" >/dev/null; }
add --public-key "$keys/regulator.pub" --role reviewer --role regulator
add --public-key "$keys/steward.pub" --role steward
add --public-key "$keys/op-1.pub" --role operator
add --public-key "$keys/platform.pub" --role platform
"$pk" ledger init --ledger "$ledger" --platform --identity "$keys/regulator.key" >/dev/null
