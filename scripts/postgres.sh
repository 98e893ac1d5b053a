#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and demos: free local port, data in a temporary folder.
#
#   scripts/postgres.sh [start [DIR]]   install the Debian package if missing, start a cluster in DIR (default: a
#                                       new /tmp/vigie-pg.XXXXXX), create database "vigie", print its URL on stdout
#   scripts/postgres.sh stop DIR        stop that cluster and remove DIR
#
# Safe to run again: `start DIR` on a running cluster prints its URL; `stop` on a missing DIR does nothing.
# Works as root (initdb and pg_ctl refuse root, so they run as the postgres user) and as any user when the
# binaries are installed. Trust authentication on 127.0.0.1 only; fsync and autovacuum off: for throwaway data only.
set -euo pipefail

MARKER=.vigie-postgres  # only folders holding this file are ever stopped and removed

log() { echo "postgres.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

find_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

install_server() {
  [ -n "$(find_bin)" ] && [ -x "$(find_bin)/initdb" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "PostgreSQL is not installed; as root run: apt-get install -y --no-install-recommends postgresql"
  fi
  command -v apt-get >/dev/null || die "PostgreSQL is not installed and this is not a Debian-like system"
  log "installing the postgresql package"
  export DEBIAN_FRONTEND=noninteractive
  # Update the package lists only when the install cannot find the package (empty or stale lists).
  if ! apt-get install -y --no-install-recommends postgresql >&2; then
    apt-get update >&2
    apt-get install -y --no-install-recommends postgresql >&2
  fi
  [ -x "$(find_bin)/initdb" ] || die "the postgresql package is installed but initdb is missing"
}

# Run a server binary as the owner of the cluster: the postgres user when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

url_of() {
  echo "postgresql://vigie@127.0.0.1:$(cat "$1/port")/vigie"
}

is_running() {
  [ -f "$1/port" ] && as_owner "$PGBIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

start() {
  install_server
  PGBIN=$(find_bin)
  local dir=${1:-}
  if [ -z "$dir" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/vigie-pg.XXXXXX")
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/$MARKER" ] && is_running "$dir"; then
    url_of "$dir"
    return 0
  fi
  if [ -n "$(ls -A "$dir")" ] && [ ! -f "$dir/$MARKER" ]; then
    die "$dir is not empty and was not made by this script"
  fi
  touch "$dir/$MARKER"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$dir"
    chmod 0700 "$dir"
    runuser -u postgres -- test -w "$dir" ||
      die "the postgres user cannot reach $dir (a parent folder is private): choose a folder under /tmp"
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    rm -rf "$dir/data"
    as_owner "$PGBIN/initdb" -D "$dir/data" -U vigie --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  fi
  # A port can be taken between the check and the bind: try a few.
  local port tries=0
  while :; do
    tries=$((tries + 1))
    port=$(( (RANDOM * 32768 + RANDOM) % 20000 + 40000 ))
    port_in_use "$port" && continue
    if as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o \
      "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off \
-c full_page_writes=off -c autovacuum=off -c max_connections=200" start >/dev/null 2>&1; then
      break
    fi
    [ "$tries" -lt 5 ] || { tail -20 "$dir/server.log" >&2 || true; die "the server did not start"; }
  done
  echo "$port" >"$dir/port"
  local psql=("$PGBIN/psql" -X -q -A -t -h 127.0.0.1 -p "$port" -U vigie -d postgres -v ON_ERROR_STOP=1)
  if [ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'vigie'")" ]; then
    "${psql[@]}" -c 'CREATE DATABASE vigie' >/dev/null
  fi
  log "started in $dir; stop it with: scripts/postgres.sh stop $dir"
  url_of "$dir"
}

stop() {
  local dir=${1:?usage: scripts/postgres.sh stop DIR}
  [ -d "$dir" ] || return 0
  [ -f "$dir/$MARKER" ] || die "$dir was not made by scripts/postgres.sh; not touching it"
  PGBIN=$(find_bin)
  if [ -n "$PGBIN" ] && [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-start}" in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) die "usage: scripts/postgres.sh [start [DIR]] | stop DIR" ;;
esac
