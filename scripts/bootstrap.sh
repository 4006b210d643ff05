#!/usr/bin/env bash
# Installs the system libraries PrivacyKernel links (GMP, OpenBLAS, SQLite) through apt when they
# are missing, and any Debian packages named as arguments (scripts/test.sh adds chromium for the
# web console's test). Safe to run repeatedly; needs root (or sudo) only when something is missing.
set -euo pipefail

needed=()
# `time` (GNU time) lets the resource-limit tests read a child's own peak memory.
for package in libgmp-dev libopenblas-dev libsqlite3-dev pkg-config time "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || needed+=("$package")
done
if [ "${#needed[@]}" -gt 0 ]; then
    echo "bootstrap: installing ${needed[*]}" >&2
    sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "bootstrap: swift is not on PATH (Swift 6.1 or newer is required)" >&2; exit 1; }
