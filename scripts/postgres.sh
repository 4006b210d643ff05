#!/usr/bin/env bash
# A throwaway PostgreSQL server for the PostgreSQL ledger's conformance suite, the service's load
# test and CI: its own cluster in its own directory, on its own port, started from the binaries
# of Debian's `postgresql` package (installed through scripts/bootstrap.sh when missing). It is
# never the machine's main cluster (Debian's on 5432 is left alone), and it uses password
# (SCRAM-SHA-256) authentication even on loopback, so the ledger's connection code is exercised
# the way a real deployment runs it.
#
# Usage: scripts/postgres.sh COMMAND [DIR]     DIR defaults to ${TMPDIR:-/tmp}/privacykernel-postgres
#   start    creates the cluster in DIR/data when there is none (superuser `privacykernel`, a random
#            password in DIR/password, database `privacykernel`), starts it on 127.0.0.1 on a free
#            port from 55432 upward (recorded in DIR/port and reused by later starts), and prints
#            its URL, postgres://privacykernel:PASSWORD@127.0.0.1:PORT/privacykernel (also in
#            DIR/url). Already running: prints the URL.
#   url      prints the URL when the server is running; exits 1 otherwise.
#   newdb    creates a fresh empty database pk_<12 hex> on the running server, prints its URL.
#   stop     stops the server (fast mode); the data stays.
#   destroy  stops the server and deletes DIR.
# Only URLs go to stdout; progress and errors go to stderr. Files in DIR: data/ (the cluster),
# password, port, url (mode 600), server.log, initdb.log.
#
# initdb and postgres refuse to run as root: as root (CI) DIR belongs to the `postgres` system
# user (created by the Debian package; without it a system user `privacykernel-pg` is made), and
# initdb/pg_ctl run as that user. DIR's parent must then be reachable by that user (/tmp is).
# Typical use:  url=$(scripts/postgres.sh start); ...; scripts/postgres.sh destroy
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
first_port=55432
last_port=55631
superuser=privacykernel
marker=.privacykernel-postgres

say() { echo "postgres.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }

usage() { # $1 exit status
    sed -n '9,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit "$1"
}

if [ "$#" -lt 1 ] || [ "$#" -gt 2 ]; then usage 2; fi
command="$1"
case "$command" in
    start | url | newdb | stop | destroy) ;;
    -h | --help | help) usage 0 ;;
    *) say "unknown command '$command'"; usage 2 ;;
esac
dir="${2:-${TMPDIR:-/tmp}/privacykernel-postgres}"
[ -n "$dir" ] || die "empty directory argument"
dir="$(realpath -m -- "$dir")"
[ "$dir" != / ] || die "refusing to use / as the cluster directory"
data="$dir/data"
# The caller's libpq/PostgreSQL settings (PGHOST, PGPORT, PGSSLMODE, PGDATA, ...) must not steer
# this script's own pg_ctl and psql.
while read -r variable; do unset "$variable"; done < <(compgen -e | grep '^PG' || true)

random_hex() { # $1 bytes -> 2*$1 hex characters
    local hex
    hex="$(od -An -N"$1" -tx1 /dev/urandom 2>/dev/null | tr -d ' \n')" || hex=""
    if [ "${#hex}" -ne $(($1 * 2)) ]; then hex="$(openssl rand -hex "$1")"; fi
    [ "${#hex}" -eq $(($1 * 2)) ] || die "could not read random bytes (/dev/urandom or openssl)"
    printf '%s' "$hex"
}

# --- binaries -----------------------------------------------------------------------------------
# The highest /usr/lib/postgresql/VERSION/bin (Debian's layout), else the directory of pg_ctl on
# PATH. An existing cluster is run by the binaries of its own major version when they are there.
bin=""
find_bin() {
    local wanted="${1:-}" candidate
    bin=""
    if [ -n "$wanted" ] && [ -x "/usr/lib/postgresql/$wanted/bin/pg_ctl" ]; then
        bin="/usr/lib/postgresql/$wanted/bin"
        return 0
    fi
    local -a found=()
    mapfile -t found < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV)
    for candidate in "${found[@]}"; do
        if [ -x "$candidate/pg_ctl" ] && [ -x "$candidate/initdb" ] && [ -x "$candidate/postgres" ]; then
            bin="$candidate"
            return 0
        fi
    done
    if candidate="$(command -v pg_ctl 2>/dev/null)"; then
        candidate="$(dirname "$(realpath -- "$candidate")")"
        if [ -x "$candidate/initdb" ] && [ -x "$candidate/postgres" ]; then
            bin="$candidate"
            return 0
        fi
    fi
    return 1
}
tool() { # the path of a client tool: next to pg_ctl, else on PATH
    if [ -x "$bin/$1" ]; then
        printf '%s' "$bin/$1"
    elif command -v "$1" >/dev/null 2>&1; then
        command -v "$1"
    else
        die "$1 not found in $bin or on PATH"
    fi
}
need_bin() {
    local version=""
    if [ -f "$data/PG_VERSION" ]; then version="$(cat "$data/PG_VERSION" 2>/dev/null || true)"; fi
    find_bin "$version" && return 0
    [ "$command" = start ] || die "no PostgreSQL server binaries found (run: scripts/postgres.sh start)"
    say "no PostgreSQL server binaries found; installing Debian's postgresql package"
    # Debian's package would create (and start) a main cluster on 5432; this script never uses it.
    if [ ! -e /etc/postgresql-common/createcluster.conf ] && [ "$(id -u)" -eq 0 ]; then
        mkdir -p /etc/postgresql-common
        echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
    fi
    "$root/scripts/bootstrap.sh" postgresql >&2 || say "scripts/bootstrap.sh postgresql exited with status $?"
    find_bin "$version" || die "still no PostgreSQL server binaries (pg_ctl, initdb, postgres) after scripts/bootstrap.sh postgresql"
}

# --- who runs the server ------------------------------------------------------------------------
as_root=0
if [ "$(id -u)" -eq 0 ]; then as_root=1; fi
owner="$(id -un)"
sh_quote() { local s="$1"; printf "'%s'" "${s//\'/\'\\\'\'}"; }
# Runs a command as the cluster's owner, from DIR (the owner may not be allowed into root's cwd),
# without the lock's descriptor 9: a postmaster inheriting it would hold the lock for its life.
as_owner() {
    if [ "$as_root" -eq 0 ]; then
        (cd "$dir" && "$@") 9>&-
    elif command -v runuser >/dev/null 2>&1; then
        (cd "$dir" && runuser -u "$owner" -- "$@") 9>&-
    else
        local line="exec" arg
        for arg in "$@"; do line="$line $(sh_quote "$arg")"; done
        (cd "$dir" && su -s /bin/sh "$owner" -c "$line") 9>&-
    fi
}
choose_owner() {
    [ "$as_root" -eq 1 ] || return 0
    if [ -d "$data" ]; then
        owner="$(stat -c %U "$data")"
        [ "$(stat -c %u "$data")" -ne 0 ] || die "$data belongs to root; PostgreSQL cannot run as root"
    elif getent passwd postgres >/dev/null; then
        owner=postgres
    else
        owner=privacykernel-pg
        if ! getent passwd "$owner" >/dev/null; then
            say "creating system user $owner to run PostgreSQL (running as root, no postgres user)"
            useradd --system --user-group --no-create-home --home-dir /nonexistent \
                --shell /usr/sbin/nologin "$owner" || die "useradd $owner failed"
        fi
    fi
}
give() { # hands files created by root to the owner
    [ "$as_root" -eq 1 ] || return 0
    chown "$owner:" "$@"
}

# --- state --------------------------------------------------------------------------------------
is_ours() { [ -f "$dir/$marker" ]; }
ensure_ours() {
    [ -d "$data" ] || die "no cluster in $dir (run: scripts/postgres.sh start $(sh_quote "$dir"))"
    is_ours || die "$data was not made by scripts/postgres.sh ($dir/$marker missing); not touching it"
}
postmaster_pid() { head -n1 "$data/postmaster.pid" 2>/dev/null || true; }
is_zombie() { # a dead process its parent has not reaped yet (pg_ctl status takes it for alive)
    local stat state
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    state="${stat##*) }"
    [ "${state%% *}" = Z ]
}
is_running() { # pg_ctl status: 0 running, 3 not running, 4 no data directory
    [ -f "$data/postmaster.pid" ] || return 1
    local pid
    pid="$(postmaster_pid)"
    if [ -n "$pid" ] && is_zombie "$pid"; then return 1; fi
    as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}
# After a postmaster was killed (kill -9, OOM) where nothing reaps orphans (a container whose PID 1
# is not an init), its zombie keeps the PID in postmaster.pid "alive" and postgres refuses to
# start. The lock file is removed only when no process of the cluster (cwd = DIR/data) is left.
clear_zombie_lock() {
    local pid proc
    pid="$(postmaster_pid)"
    if [ -z "$pid" ] || ! is_zombie "$pid"; then return 0; fi
    for proc in /proc/[0-9]*; do
        if [ "$(readlink "$proc/cwd" 2>/dev/null)" = "$data" ]; then
            die "the server's postmaster (PID $pid) died but process ${proc#/proc/} of the cluster still runs; try again shortly"
        fi
    done
    say "warning: the server's postmaster (PID $pid) died and was never reaped; removing its stale lock files"
    local socket_lock
    for socket_lock in "$dir"/.s.PGSQL.*.lock; do
        if [ -f "$socket_lock" ] && [ "$(head -n1 "$socket_lock" 2>/dev/null)" = "$pid" ]; then
            rm -f "$socket_lock" "${socket_lock%.lock}"
        fi
    done
    rm -f "$data/postmaster.pid"
}
read_state() {
    [ -s "$dir/password" ] || die "$dir/password is missing; the cluster is incomplete (run: scripts/postgres.sh destroy $(sh_quote "$dir"))"
    password="$(head -n1 "$dir/password")"
    port=""
    if [ -s "$dir/port" ]; then port="$(cat "$dir/port")"; fi
}
url_of() { printf 'postgres://%s:%s@127.0.0.1:%s/%s' "$superuser" "$password" "$port" "$1"; }
psql_admin() { # runs SQL as the superuser over TCP, in the maintenance database
    local psql
    psql="$(tool psql)" || exit 1
    PGPASSWORD="$password" PGCONNECT_TIMEOUT=10 "$psql" -X -q -v ON_ERROR_STOP=1 -At \
        -h 127.0.0.1 -p "$port" -U "$superuser" -d postgres "$@"
}
write_private() { # $1 file, $2 content: mode 600, owned by the cluster's owner
    (umask 077 && printf '%s\n' "$2" >"$1.tmp") && chmod 600 "$1.tmp" && give "$1.tmp" && mv -f "$1.tmp" "$1"
}

port_in_use() {
    if command -v ss >/dev/null 2>&1 && [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; then
        return 0
    fi
    # Something accepting on 127.0.0.1 (also catches listeners ss does not show, e.g. in a netns).
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
free_port_from() {
    local p="$1"
    while [ "$p" -le "$last_port" ]; do
        if ! port_in_use "$p"; then echo "$p"; return 0; fi
        p=$((p + 1))
    done
    return 1
}

write_config() { # the cluster's settings, included from postgresql.conf; rewritten at every start
    local socket_dir="$dir" conf="$data/privacykernel.conf"
    # sun_path holds 107 characters: DIR/.s.PGSQL.PORT must fit, else no unix socket at all.
    if [ $((${#dir} + 15)) -gt 107 ]; then
        say "warning: $dir is too long for a unix socket path; listening on TCP only"
        socket_dir=""
    fi
    socket_dir="${socket_dir//\\/\\\\}"
    socket_dir="${socket_dir//\'/\'\'}"
    cat >"$conf.tmp" <<EOF
# Written by scripts/postgres.sh at every start; edits are lost.
listen_addresses = '127.0.0.1'
port = $1
unix_socket_directories = '$socket_dir'
max_connections = 200
shared_buffers = 128MB
fsync = on
synchronous_commit = on
EOF
    chmod 600 "$conf.tmp"
    give "$conf.tmp"
    mv -f "$conf.tmp" "$conf"
}

create_cluster() {
    local locale=C available
    available="$(locale -a 2>/dev/null || true)" # (not piped into grep -q: pipefail and SIGPIPE)
    if grep -qixE 'c\.utf-?8' <<<"$available"; then locale=C.UTF-8; fi
    say "creating a cluster in $data (owner $owner, locale $locale, $("$bin/postgres" --version))"
    write_private "$dir/password" "$(random_hex 16)"
    rm -f "$dir/port" "$dir/url"
    if ! as_owner "$bin/initdb" -D "$data" -U "$superuser" --pwfile="$dir/password" \
        --auth=scram-sha-256 --encoding=UTF8 --locale="$locale" >"$dir/initdb.log" 2>&1; then
        tail -n 20 "$dir/initdb.log" >&2
        die "initdb failed (full output in $dir/initdb.log)"
    fi
    printf "\n# scripts/postgres.sh: listen address, port, socket directory, memory, durability\ninclude = 'privacykernel.conf'\n" >>"$data/postgresql.conf"
}

# The postmaster outlives this script and inherits its descriptors: any pipe beyond stdin, stdout
# and stderr (a caller's, e.g. a test runner's) would stay open, and the caller wait, for its life.
close_inherited_fds() {
    local fd n
    for fd in /proc/self/fd/*; do
        n="${fd##*/}"
        if [ "$n" -gt 2 ] 2>/dev/null; then eval "exec $n>&-" 2>/dev/null || true; fi
    done
}

log_offset=0 # server.log's size before the last start attempt
start_server() { # $1 port; returns 2 when the port was taken meanwhile, 1 on other failures
    local log="$dir/server.log" before=0
    write_config "$1"
    if [ -f "$log" ]; then before="$(stat -c %s "$log")"; fi
    log_offset="$before"
    if (close_inherited_fds && as_owner "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null); then
        return 0
    fi
    local output
    output="$(tail -c +$((before + 1)) "$log" 2>/dev/null || true)"
    if grep -q 'could not bind IPv4 address' <<<"$output"; then return 2; fi
    return 1
}

# --- commands -----------------------------------------------------------------------------------
# Serialises start/stop/destroy on one DIR: an flock on DIR itself (descriptor 9). Returns 1 when
# DIR was deleted (by a concurrent destroy) while waiting.
lock() {
    command -v flock >/dev/null 2>&1 || return 0
    exec 9<"$dir" || return 1
    flock -w 180 9 || die "timed out waiting for another scripts/postgres.sh on $dir"
    if [ "$dir" -ef /proc/self/fd/9 ]; then return 0; fi
    exec 9<&-
    return 1
}

cmd_start() {
    local parent
    parent="$(dirname "$dir")"
    mkdir -p -- "$parent" || die "cannot create $parent"
    local attempt=0
    while :; do
        (umask 077 && mkdir -- "$dir" 2>/dev/null) || [ -d "$dir" ] || die "cannot create $dir"
        if lock; then break; fi
        attempt=$((attempt + 1))
        [ "$attempt" -lt 5 ] || die "$dir keeps disappearing (a concurrent destroy?)"
    done
    if [ -d "$data" ]; then
        ensure_ours
    elif ! is_ours; then
        [ -z "$(ls -A -- "$dir")" ] || die "$dir exists, is not empty and was not made by scripts/postgres.sh"
        touch "$dir/$marker"
    fi
    need_bin
    choose_owner
    if [ ! -d "$data" ]; then
        give "$dir"
        chmod 700 "$dir"
        as_owner test -w "$dir" 2>/dev/null ||
            die "user $owner cannot write $dir (is a parent directory closed to it? use a directory under /tmp)"
        create_cluster
    fi
    read_state
    if is_running; then
        [ -n "$port" ] || die "a server runs on $data but $dir/port is missing"
        write_private "$dir/url" "$(url_of "$superuser")"
        say "already running on 127.0.0.1:$port"
        cat "$dir/url"
        return 0
    fi
    clear_zombie_lock
    local started=0 status
    if [ -n "$port" ]; then
        if port_in_use "$port"; then
            die "the cluster's port $port (from $dir/port) is taken by another program; free it, or destroy and recreate the cluster"
        fi
        say "starting $data on 127.0.0.1:$port"
        start_server "$port" && started=1
    else
        port="$(free_port_from "$first_port")" || die "no free TCP port in $first_port..$last_port"
        while :; do
            say "starting $data on 127.0.0.1:$port"
            status=0
            start_server "$port" || status=$?
            if [ "$status" -eq 0 ]; then started=1; break; fi
            [ "$status" -eq 2 ] || break
            say "port $port was taken meanwhile; trying the next free one"
            port="$(free_port_from $((port + 1)))" || break
        done
    fi
    if [ "$started" -ne 1 ]; then
        say "the server did not start; $dir/server.log says:"
        tail -c +$((log_offset + 1)) "$dir/server.log" 2>/dev/null | tail -n 25 >&2 || true
        die "could not start PostgreSQL in $data"
    fi
    write_private "$dir/port" "$port"
    if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$superuser'")" != 1 ]; then
        psql_admin -c "CREATE DATABASE $superuser OWNER $superuser" ||
            die "could not create database $superuser (server log: $dir/server.log)"
    fi
    write_private "$dir/url" "$(url_of "$superuser")"
    cat "$dir/url"
}

cmd_url() {
    [ -d "$data" ] || { say "no cluster in $dir"; exit 1; }
    need_bin
    choose_owner
    is_running || { say "the server in $dir is not running"; exit 1; }
    [ -s "$dir/url" ] || die "the server in $dir runs but $dir/url is missing"
    cat "$dir/url"
}

cmd_newdb() {
    [ -d "$data" ] || die "no cluster in $dir (run: scripts/postgres.sh start first)"
    need_bin
    choose_owner
    ensure_ours
    is_running || die "the server in $dir is not running (run: scripts/postgres.sh start)"
    read_state
    [ -n "$port" ] || die "$dir/port is missing"
    local name
    name="pk_$(random_hex 6)"
    psql_admin -c "CREATE DATABASE $name OWNER $superuser" || die "could not create database $name"
    url_of "$name"
    echo
}

stop_server() {
    if ! is_running; then
        say "the server in $dir is not running"
        return 0
    fi
    say "stopping the server in $dir"
    as_owner "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null ||
        die "pg_ctl stop failed for $data (server log: $dir/server.log)"
}

cmd_stop() {
    [ -d "$data" ] || { say "no cluster in $dir; nothing to stop"; return 0; }
    ensure_ours
    lock || { say "$dir was deleted meanwhile; nothing to stop"; return 0; }
    need_bin
    choose_owner
    stop_server
}

cmd_destroy() {
    [ -e "$dir" ] || { say "$dir does not exist; nothing to destroy"; return 0; }
    [ -d "$dir" ] || die "$dir is not a directory"
    is_ours || [ -z "$(ls -A -- "$dir")" ] ||
        die "$dir was not made by scripts/postgres.sh ($dir/$marker missing); not deleting it"
    lock || { say "$dir was deleted meanwhile; nothing to destroy"; return 0; }
    if [ -f "$data/postmaster.pid" ]; then
        need_bin
        choose_owner
        stop_server
    fi
    say "deleting $dir"
    rm -rf -- "$dir"
}

case "$command" in
    start) cmd_start ;;
    url) cmd_url ;;
    newdb) cmd_newdb ;;
    stop) cmd_stop ;;
    destroy) cmd_destroy ;;
esac
