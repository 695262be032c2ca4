#!/usr/bin/env bash
# Redis on 127.0.0.1:$XTREAM_REDIS_PORT, data in .data/redis.
# Usage: redis.sh install|start|stop|status
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NAME=redis

install() {
  command -v redis-server >/dev/null || apt_install redis-server
}

health() {
  [[ "$(redis-cli -h 127.0.0.1 -p "$XTREAM_REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]
}

start() {
  install
  if is_running "$NAME"; then return 0; fi
  port_open "$XTREAM_REDIS_PORT" && die "port $XTREAM_REDIS_PORT is taken by another process (set XTREAM_REDIS_PORT)"
  mkdir -p "$DATA_DIR/redis"
  say "starting Redis on 127.0.0.1:$XTREAM_REDIS_PORT"
  # Redis is only a cache here (losing it loses no data), so no snapshots.
  spawn "$NAME" redis-server --bind 127.0.0.1 --port "$XTREAM_REDIS_PORT" \
    --dir "$DATA_DIR/redis" --save "" --appendonly no --daemonize no --protected-mode yes
  wait_for "$NAME" 30 health
}

stop() {
  is_running "$NAME" && say "stopping Redis"
  stop_pid "$NAME"
}

status() {
  if health; then echo "redis      healthy   $REDIS_URL (PING → PONG)"; return 0; fi
  if is_running "$NAME"; then echo "redis      UNHEALTHY running but no PONG on $REDIS_URL"; else echo "redis      stopped"; fi
  return 1
}

component_main "$NAME" "${1:-}"
