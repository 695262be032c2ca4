#!/usr/bin/env bash
# PostgreSQL 15 on 127.0.0.1:$XTREAM_PG_PORT, data in .data/postgres, with the
# role and database `xtream` (allowed to CREATE DATABASE for throwaway test DBs).
# Usage: postgres.sh install|start|stop|status
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NAME=postgres
PG_BIN="${XTREAM_PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_LINK="$DATA_DIR/postgres"

install() {
  [[ -x "$PG_BIN/initdb" ]] || apt_install postgresql
  [[ -x "$PG_BIN/initdb" ]] || die "PostgreSQL binaries not found in $PG_BIN (set XTREAM_PG_BIN)"
}

# as_pg CMD...: initdb refuses to run as root, so the server runs as `postgres`.
# setpriv execs in place (unlike runuser), so $! is the server's own pid.
AS_PG=()
[[ $EUID -eq 0 ]] && AS_PG=(setpriv --reuid=postgres --regid=postgres --init-groups --)
as_pg() { "${AS_PG[@]}" "$@"; }

# The data dir must be reachable by the postgres user. If a parent of the work
# tree is closed to it (e.g. a clone under /root), keep the data under
# /var/lib/xtream instead and link it from .data/postgres.
pg_base() {
  if [[ -L "$PG_LINK" || -d "$PG_LINK" ]]; then readlink -f "$PG_LINK"; return; fi
  if [[ $EUID -ne 0 ]] || as_pg test -x "$DATA_DIR"; then
    mkdir -p "$PG_LINK"
  else
    local alt
    alt="/var/lib/xtream/postgres-$(echo "$XTREAM_ROOT" | cksum | cut -d' ' -f1)"
    echo "note: user postgres cannot reach $DATA_DIR; keeping its data in $alt" >&2
    rm -rf "$alt" && mkdir -p "$alt"
    ln -s "$alt" "$PG_LINK"
  fi
  [[ $EUID -eq 0 ]] && chown postgres:postgres "$PG_LINK/" && chmod 700 "$PG_LINK/"
  readlink -f "$PG_LINK"
}

health() {
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$XTREAM_PG_PORT"
}

# psql as the superuser over the private unix socket.
admin_psql() {
  PGPASSWORD="" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$BASE/run" -p "$XTREAM_PG_PORT" -U postgres -d postgres "$@"
}

start() {
  install
  if is_running "$NAME"; then return 0; fi
  port_open "$XTREAM_PG_PORT" && die "port $XTREAM_PG_PORT is taken by another process (set XTREAM_PG_PORT)"
  BASE="$(pg_base)"
  if [[ ! -f "$BASE/data/PG_VERSION" ]]; then
    say "initialising PostgreSQL data in $BASE/data"
    as_pg mkdir -p "$BASE/data"
    as_pg "$PG_BIN/initdb" -D "$BASE/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >>"$LOG_DIR/$NAME.log" 2>&1 \
      || { tail -n 20 "$LOG_DIR/$NAME.log" >&2; die "initdb failed"; }
  fi
  as_pg mkdir -p "$BASE/run"
  say "starting PostgreSQL on 127.0.0.1:$XTREAM_PG_PORT"
  # Settings on the command line so a changed port needs no config edit.
  # The unix socket lives in a postgres-owned 0700 dir: only root/postgres reach it.
  spawn "$NAME" "${AS_PG[@]}" "$PG_BIN/postgres" -D "$BASE/data" \
    -c listen_addresses=127.0.0.1 -c port="$XTREAM_PG_PORT" \
    -c unix_socket_directories="$BASE/run" -c unix_socket_permissions=0700 \
    -c max_connections=200 -c shared_buffers=128MB -c synchronous_commit=off
  wait_for "$NAME" 60 health
  ensure_role
}

# Create (or re-key) the xtream role and database; idempotent.
ensure_role() {
  admin_psql -v pw="$XTREAM_PG_PASSWORD" <<'SQL'
SELECT 'CREATE ROLE xtream LOGIN CREATEDB' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'xtream') \gexec
ALTER ROLE xtream WITH LOGIN CREATEDB PASSWORD :'pw';
SELECT 'CREATE DATABASE xtream OWNER xtream' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'xtream') \gexec
SQL
}

stop() {
  is_running "$NAME" && say "stopping PostgreSQL"
  stop_pid "$NAME" INT # SIGINT = fast shutdown
}

status() {
  if health && [[ "$(PGPASSWORD="$XTREAM_PG_PASSWORD" "$PG_BIN/psql" -X -tA -d "$DATABASE_URL" -c 'select 1' 2>/dev/null)" == "1" ]]; then
    echo "postgres   healthy   postgres://xtream:***@127.0.0.1:$XTREAM_PG_PORT/xtream (select 1)"
    return 0
  fi
  if is_running "$NAME"; then echo "postgres   UNHEALTHY running but select 1 failed on port $XTREAM_PG_PORT"; else echo "postgres   stopped"; fi
  return 1
}

component_main "$NAME" "${1:-}"
