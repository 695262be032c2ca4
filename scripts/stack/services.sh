#!/usr/bin/env bash
# The platform services: every services/<name>/main.ts and gateway/main.ts,
# each run as `node --enable-source-maps --import ./lib/telemetry/register.ts <main.ts>`
# (OpenTelemetry starts before anything else is imported) with the stack env.
# Usage: services.sh start|stop|status|list
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Prints "name path" for each service that exists in the tree.
list() {
  local main
  for main in "$XTREAM_ROOT"/services/*/main.ts; do
    [[ -f "$main" ]] || continue
    echo "$(basename "$(dirname "$main")") ${main#"$XTREAM_ROOT"/}"
  done
  [[ -f "$XTREAM_ROOT/gateway/main.ts" ]] && echo "gateway gateway/main.ts"
  return 0
}

# url NAME: how to reach a service, from the port variables in env.sh.
url() {
  case "$1" in
    gateway) echo "http://127.0.0.1:$XTREAM_GATEWAY_PORT" ;;
    identity) echo "grpc://127.0.0.1:$IDENTITY_GRPC_PORT" ;;
    catalog) echo "grpc://127.0.0.1:$CATALOG_GRPC_PORT" ;;
    upload) echo "grpc://127.0.0.1:$UPLOAD_GRPC_PORT" ;;
    transcoder) echo "grpc://127.0.0.1:$TRANSCODER_HEALTH_PORT (health)" ;;
    playback) echo "grpc://127.0.0.1:$PLAYBACK_GRPC_PORT, http://127.0.0.1:$PLAYBACK_HTTP_PORT (HLS edge)" ;;
    *) echo "(no port known)" ;;
  esac
}

port_of() {
  case "$1" in
    gateway) echo "$XTREAM_GATEWAY_PORT" ;;
    identity) echo "$IDENTITY_GRPC_PORT" ;;
    catalog) echo "$CATALOG_GRPC_PORT" ;;
    upload) echo "$UPLOAD_GRPC_PORT" ;;
    transcoder) echo "$TRANSCODER_HEALTH_PORT" ;;
    playback) echo "$PLAYBACK_GRPC_PORT" ;;
    *) echo "" ;;
  esac
}

# export_service_env NAME: variables one service needs before its main.ts runs: its process
# flags (NODE_OPTIONS, OTEL_NODE_DISABLED_INSTRUMENTATIONS: services.NAME.processEnv in
# k8s/xtream/values.yaml, as the chart sets them), then what differs on one machine.
export_service_env() {
  local profile
  profile="$(node "$XTREAM_ROOT/scripts/stack/process-profile.ts" env "$1")" || die "could not read $1's process settings from k8s/xtream/values.yaml"
  eval "$profile"
  case "$1" in
    # Its MinIO credentials are the read-only edge user's (scripts/stack/minio.sh), not the root's.
    playback) export MINIO_ACCESS_KEY="$EDGE_MINIO_ACCESS_KEY" MINIO_SECRET_KEY="$EDGE_MINIO_SECRET_KEY" ;;
    # `./dev.sh load uploads` runs dozens of uploads at once as one account: per-account quotas
    # sized for one person would refuse it (the chart keeps production's).
    upload)
      export UPLOAD_QUOTA_OPEN_SESSIONS="${UPLOAD_QUOTA_OPEN_SESSIONS:-1000}"
      export UPLOAD_QUOTA_STORED_BYTES="${UPLOAD_QUOTA_STORED_BYTES:-1099511627776}"
      ;;
    # Every local client, load tools included, comes from 127.0.0.1: per-address limits
    # sized for one person would refuse `./dev.sh load`. The chart keeps production's limits.
    gateway)
      export GATEWAY_RATE_LIMIT="${GATEWAY_RATE_LIMIT:-10000000}"
      # Load scenarios call as one or a few accounts.
      export GATEWAY_ACCOUNT_RATE_LIMIT="${GATEWAY_ACCOUNT_RATE_LIMIT:-10000000}"
      ;;
    identity)
      export IDENTITY_LOGIN_LIMIT_PER_ADDRESS="${IDENTITY_LOGIN_LIMIT_PER_ADDRESS:-100000}"
      export IDENTITY_REGISTER_LIMIT_PER_ADDRESS="${IDENTITY_REGISTER_LIMIT_PER_ADDRESS:-10000}"
      ;;
  esac
}

start() {
  local name main any=0 port i
  ensure_node_modules
  while read -r name main; do
    any=1
    if is_running "svc-$name"; then continue; fi
    say "starting $name ($main)"
    (cd "$XTREAM_ROOT" && export_service_env "$name" && spawn "svc-$name" node --enable-source-maps --import ./lib/telemetry/register.ts "$main")
  done < <(list)
  ((any)) || { echo "    (no services yet: no services/*/main.ts or gateway/main.ts)"; return 0; }
  # Where the services started now export to (dev.sh up --observability compares it).
  echo "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" >"$STACK_DIR/services-otlp"
  # Give them a moment to listen; report the ones that died straight away.
  local failed=0
  while read -r name main; do
    port="$(port_of "$name")"
    for ((i = 0; i < 60; i++)); do
      is_running "svc-$name" || break
      [[ -z "$port" ]] && break
      port_open "$port" && break
      sleep 0.25
    done
    if ! is_running "svc-$name"; then
      echo "error: service $name exited; last lines of .stack/logs/svc-$name.log:" >&2
      tail -n 20 "$LOG_DIR/svc-$name.log" >&2 || true
      failed=1
    fi
  done < <(list)
  return $failed
}

stop() {
  local f name
  for f in "$PID_DIR"/svc-*.pid; do
    [[ -f "$f" ]] || continue
    name="$(basename "$f" .pid)"
    is_running "$name" && say "stopping ${name#svc-}"
    stop_pid "$name"
  done
}

status() {
  local name main port rc=0 any=0
  while read -r name main; do
    any=1
    port="$(port_of "$name")"
    if is_running "svc-$name"; then
      if [[ -z "$port" ]] || port_open "$port"; then
        printf '%-10s healthy   %s\n' "$name" "$(url "$name")"
      else
        printf '%-10s UNHEALTHY running but not listening on %s\n' "$name" "$port"; rc=1
      fi
    else
      printf '%-10s stopped   (%s)\n' "$name" "$main"; rc=1
    fi
  done < <(list)
  ((any)) || echo "services   none yet (no services/*/main.ts or gateway/main.ts)"
  return $rc
}

urls() {
  local name main
  while read -r name main; do
    printf '    %-10s %s\n' "$name" "$(url "$name")"
  done < <(list)
}

# env NAME: the variables export_service_env sets or changes for NAME (for checks and debugging).
service_env() {
  [[ -n "${1:-}" ]] || die "usage: $0 env NAME"
  ensure_node_modules >/dev/null
  comm -13 <(env | sort) <(export_service_env "$1" && env | sort)
}

case "${1:-}" in
  start | stop | status | list | urls) "$1" ;;
  env) service_env "${2:-}" ;;
  *) echo "usage: $0 start|stop|status|list|urls|env NAME" >&2; exit 2 ;;
esac
