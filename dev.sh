#!/usr/bin/env bash
# Xtream's local stack: real Redis, PostgreSQL, Kafka (KRaft) and MinIO as
# local processes on 127.0.0.1, plus the platform services.
#   ./dev.sh up | down | status | logs [name] | web | seed | test | bench <name> | load <scenario> | soak --minutes N | chaos
# State: .data/<component>/ (data, secrets in .data/stack.env), .stack/ (pids, logs).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STACK="$ROOT/scripts/stack"
COMPONENTS=(redis postgres kafka minio)
. "$STACK/lib.sh"

usage() {
  cat <<'USAGE'
usage: ./dev.sh <command>
  up [--observability]
                install what is missing, start Redis, PostgreSQL, Kafka, MinIO and the services
                (--observability: also VictoriaMetrics, Jaeger and the OpenTelemetry Collector, services
                exporting to it; prints the traces and dashboard URLs)
  down          stop what `up` started (services first)
  status        health of each component and service
  logs [name]   tail the logs (all, or one of: redis postgres kafka minio <service>)
  web           Vite's dev server for the browser app (hot reload), against the running stack
  seed          publish demo videos (generated with ffmpeg) and a playlist as a demo user, through the
                public API of the running stack; idempotent (password in .data/seed/demo-user.json)
  test          lint, typecheck and run vitest (browser journeys in Chromium too) against the real stack
  bench <name>  run bench/<name>/run.ts against the stack
  cluster up|down|status|reset
                a real Kubernetes control plane on loopback (etcd, kube-apiserver, controller-manager,
                scheduler, kwok fake nodes) to install the chart into (scripts/k8s/cluster.sh, k8s/README.md)
  redrive [--topic T] [--dry-run]
                publish dead-lettered records (video.dead-letter) again to their original topics; prints each
  load <scenario> [--vus N] [--duration 30s]
                a load scenario against the running stack (smoke, api, viewers, uploads; loopback only,
                bounded); prints a table and one JSON line, exits 1 when a threshold broke
  soak --minutes N [--interval 15]
                mixed load (the load scenarios in rounds, modest fixed rates) for N minutes while each service's
                RSS, heap, open fds and event-loop delay are sampled; starts the stack with --observability
                (their heap and event-loop delay come from VictoriaMetrics); prints a row per sample, the trend
                of each figure, one JSON line; exits 1 when something keeps growing after the warm-up
  chaos [--faults gateway,redis,…] [--down 3] [--bound 120]
                faults under load: SIGKILL each service and component in turn while viewers play and clips
                upload, restart it as `up` does, check nothing was lost or duplicated and everything recovered;
                prints a table per fault and one JSON line, exits 1 when an invariant broke (loopback only, bounded)
Ports: XTREAM_REDIS_PORT=6390 XTREAM_PG_PORT=5440 XTREAM_KAFKA_PORT=9092
       XTREAM_KAFKA_CONTROLLER_PORT=9093 XTREAM_MINIO_PORT=9000 XTREAM_MINIO_CONSOLE_PORT=9001
USAGE
}

# Install everything first (slow parts: MinIO build, Kafka jars), then start.
install_components() {
  apt_install redis-server postgresql ffmpeg
  ensure_node_modules
  # Again, now that Node and node_modules exist: parts of env.sh (e.g. the
  # identity signing keys) are generated with the project's Node.
  . "$STACK/env.sh"
  local c
  for c in "${COMPONENTS[@]}"; do bash "$STACK/$c.sh" install; done
}

# start_components [started-list-file]: start the ones not running; record which we started.
start_components() {
  local record="${1:-/dev/null}" c
  for c in "${COMPONENTS[@]}"; do
    if is_running "$c"; then
      echo "    $c already running (pid $(running_pid "$c"))"
    else
      bash "$STACK/$c.sh" start
      echo "$c" >>"$record"
    fi
  done
  # Idempotent and cheap; also covers components started by an older run.
  bash "$STACK/minio.sh" buckets
}

# ensure_web_build: build the browser app (web/ → web/dist, served by the gateway)
# when it is missing or older than its sources.
ensure_web_build() {
  local stamp="$ROOT/web/dist/index.html"
  if [[ -f "$stamp" ]] && [[ -z "$(find "$ROOT/web" "$ROOT/gen" "$ROOT/package-lock.json" -path "$ROOT/web/dist" -prune -o -type f -newer "$stamp" -print -quit)" ]]; then
    return 0
  fi
  say "building the web app (vite build → web/dist)…"
  (cd "$ROOT" && npm run --silent build:web)
}

cmd_up() {
  install_components
  reserve_service_ports
  ensure_web_build
  start_components
  if [[ "${XTREAM_OBSERVABILITY:-0}" == 1 ]]; then
    # VictoriaMetrics, Jaeger v2 and the OpenTelemetry Collector; services export to the collector.
    bash "$STACK/victoriametrics.sh" start
    bash "$STACK/jaeger.sh" start
    bash "$STACK/otelcol.sh" start
    export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:${XTREAM_OTELCOL_GRPC_PORT:-4317}"
    if services_running_without_export; then
      # Services started by a plain `up` would never export: restart them with the exporter on.
      say "restarting the services so they export to the collector"
      bash "$STACK/services.sh" stop
    fi
  fi
  bash "$STACK/services.sh" start || echo "warning: some services failed to start (see above)" >&2
  echo
  echo "Xtream stack is up:"
  echo "    web app    http://127.0.0.1:$XTREAM_GATEWAY_PORT/   (open this; ./dev.sh seed adds demo videos)"
  echo "    redis      $REDIS_URL"
  echo "    postgres   postgres://xtream:***@127.0.0.1:$XTREAM_PG_PORT/xtream (password in .data/stack.env)"
  echo "    kafka      $KAFKA_BROKERS"
  echo "    minio      $MINIO_ENDPOINT  console http://127.0.0.1:$XTREAM_MINIO_CONSOLE_PORT  buckets $MINIO_SOURCE_BUCKET, $MINIO_MEDIA_BUCKET"
  bash "$STACK/services.sh" urls
  if [[ "${XTREAM_OBSERVABILITY:-0}" == 1 ]]; then
    local jaeger="http://127.0.0.1:${XTREAM_JAEGER_QUERY_PORT:-16686}" vm="http://127.0.0.1:${XTREAM_VM_PORT:-8428}"
    echo "Observability:"
    echo "    traces     $jaeger/?service=xtream-upload   (waterfall; search by service, span name, video id: $jaeger/?video=<video id>)"
    echo "    metrics    $vm/vmui/#/dashboards   (dashboard \"Xtream\", live; ad-hoc queries at $vm/vmui/)"
    echo "    API        $jaeger/api/traces?service=xtream-upload&tags={\"video.id\":\"<id>\"}   $vm/api/v1/query?query=up"
  fi
  echo "Environment for your shell: . scripts/stack/env.sh"
}

# True when services run that were started without an OTLP endpoint (recorded by services.sh).
services_running_without_export() {
  local f
  for f in "$PID_DIR"/svc-*.pid; do
    [[ -f "$f" ]] || continue
    is_running "$(basename "$f" .pid)" || continue
    [[ "$(cat "$STACK_DIR/services-otlp" 2>/dev/null)" == "$OTEL_EXPORTER_OTLP_ENDPOINT" ]] || return 0
  done
  return 1
}

cmd_down() {
  bash "$STACK/services.sh" stop
  bash "$STACK/otelcol.sh" stop
  bash "$STACK/jaeger.sh" stop
  bash "$STACK/victoriametrics.sh" stop
  local i
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do bash "$STACK/${COMPONENTS[$i]}.sh" stop; done
}

cmd_status() {
  local rc=0 c
  [[ -x "$TOOLS_DIR/node/bin/node" ]] && export PATH="$TOOLS_DIR/node/bin:$PATH"
  for c in "${COMPONENTS[@]}"; do bash "$STACK/$c.sh" status || rc=1; done
  if is_running otelcol; then bash "$STACK/otelcol.sh" status || rc=1; fi
  if is_running jaeger; then bash "$STACK/jaeger.sh" status || rc=1; fi
  if is_running victoriametrics; then bash "$STACK/victoriametrics.sh" status || rc=1; fi
  bash "$STACK/services.sh" status || rc=1
  return $rc
}

cmd_logs() {
  local name="${1:-}"
  if [[ -z "$name" ]]; then
    tail -n 20 -F "$LOG_DIR"/*.log
  elif [[ "$name" == kafka ]]; then
    tail -n 50 -F "$LOG_DIR/kafka.log" "$LOG_DIR/kafka-server.log"
  elif [[ -f "$LOG_DIR/$name.log" ]]; then
    tail -n 50 -F "$LOG_DIR/$name.log"
  elif [[ -f "$LOG_DIR/svc-$name.log" ]]; then
    tail -n 50 -F "$LOG_DIR/svc-$name.log"
  else
    die "no log for '$name' in .stack/logs ($(cd "$LOG_DIR" && ls -- *.log 2>/dev/null | tr '\n' ' '))"
  fi
}

cmd_web() {
  ensure_node_modules
  . "$STACK/env.sh"
  local gateway="http://127.0.0.1:$XTREAM_GATEWAY_PORT"
  curl -fsS -m 2 -o /dev/null "$gateway/healthz" 2>/dev/null || die "the gateway is not answering on $gateway: run ./dev.sh up first"
  say "Vite dev server for web/ on http://127.0.0.1:${XTREAM_WEB_DEV_PORT:-5173} (API → $gateway); Ctrl-C stops it"
  cd "$ROOT" && XTREAM_GATEWAY_URL="$gateway" exec npm run --silent dev:web
}

# cmd_seed: scripts/seed.ts against the running gateway (see scripts/seed/).
cmd_seed() {
  ensure_node_modules
  . "$STACK/env.sh"
  local gateway="http://127.0.0.1:$XTREAM_GATEWAY_PORT"
  curl -fsS -m 2 -o /dev/null "$gateway/healthz" 2>/dev/null || die "the gateway is not answering on $gateway: run ./dev.sh up first"
  [[ -x "$FFMPEG_PATH" ]] || command -v "$FFMPEG_PATH" >/dev/null || die "ffmpeg ($FFMPEG_PATH) is missing: run ./dev.sh up first"
  say "seeding demo videos on $gateway"
  cd "$ROOT" && node scripts/seed.ts
}

cmd_test() {
  ensure_node_modules
  install_components
  # The browser journeys drive Debian's Chromium (no browser download at run time).
  apt_install chromium
  ensure_web_build
  reserve_service_ports
  # Stop, at the end, only the components this run started.
  local started
  started="$(mktemp)"
  # shellcheck disable=SC2064
  trap "stop_started '$started'" EXIT
  start_components "$started"

  cd "$ROOT"
  [[ -f scripts/ensure-proto-deps.sh ]] && bash scripts/ensure-proto-deps.sh
  say "buf lint"
  buf lint
  say "eslint --max-warnings=0 ."
  eslint --max-warnings=0 .
  say "tsc --noEmit (services, and web/)"
  tsc --noEmit
  tsc -p web --noEmit
  say "deploy tools (helm, kubeconform, Kubernetes schemas, OpenTelemetry Collector)"
  bash "$STACK/install-deploy-tools.sh" all
  say "Kubernetes control plane and kwok for test/deploy/cluster.test.ts (built once)"
  bash "$ROOT/scripts/k8s/cluster.sh" install
  say "OpenTofu and its Helm provider for test/deploy/terraform.test.ts (built once)"
  bash "$STACK/install-tofu.sh"
  # The trace test (test/observability) starts Jaeger and VictoriaMetrics: build them now, not in a test hook.
  say "observability tools (Jaeger, VictoriaMetrics)"
  bash "$STACK/jaeger.sh" install
  bash "$STACK/victoriametrics.sh" install
  say "load tools (ghz, k6) for loadtest/load.test.ts"
  bash "$STACK/install-tool.sh" ghz
  bash "$STACK/install-tool.sh" k6
  say "vitest run"
  local rc=0
  vitest run || rc=$?
  return $rc
}

stop_started() {
  local record="$1" c
  [[ -f "$record" ]] || return 0
  # Reverse order of start; quiet (into a log) so the output ends with vitest's summary.
  for c in $(tac "$record"); do bash "$STACK/$c.sh" stop >>"$LOG_DIR/dev-test-stop.log" 2>&1 || true; done
  rm -f "$record"
}

cmd_bench() {
  local name="${1:-}"
  [[ -n "$name" ]] || die "usage: ./dev.sh bench <name> (one of: $(ls "$ROOT/bench" 2>/dev/null | tr '\n' ' '))"
  [[ -f "$ROOT/bench/$name/run.ts" ]] || die "no bench/$name/run.ts"
  # The web bench drives Debian's Chromium.
  [[ "$name" == web ]] && apt_install chromium
  cmd_up
  export PATH="$TOOLS_DIR/bin:$PATH"
  cd "$ROOT"
  say "bench $name"
  node "bench/$name/run.ts" "${@:2}"
}

cmd_redrive() {
  ensure_node_modules
  . "$STACK/env.sh"
  is_running kafka || die "Kafka is not running: run ./dev.sh up first"
  cd "$ROOT" && node scripts/redrive.ts "$@"
}

cmd_load() {
  local name="${1:-}"
  [[ -n "$name" ]] || die "usage: ./dev.sh load smoke|api|viewers|uploads [--vus N] [--duration 30s]"
  ensure_node_modules
  . "$STACK/env.sh"
  curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$XTREAM_GATEWAY_PORT/healthz" 2>/dev/null || die "the gateway is not answering on 127.0.0.1:$XTREAM_GATEWAY_PORT: run ./dev.sh up first"
  bash "$STACK/install-tool.sh" ghz >&2
  bash "$STACK/install-tool.sh" k6 >&2
  cd "$ROOT"
  node loadtest/run.ts "$@"
}

# cmd_soak: loadtest/soak.ts against the stack, brought up with --observability (idempotent).
cmd_soak() {
  [[ "${1:-}" == --minutes ]] || { echo "usage: ./dev.sh soak --minutes N [--interval 15] (loopback only, at most 240 minutes; loadtest/README.md)" >&2; exit 2; }
  export XTREAM_OBSERVABILITY=1
  cmd_up >&2
  bash "$STACK/install-tool.sh" ghz >&2
  bash "$STACK/install-tool.sh" k6 >&2
  cd "$ROOT"
  say "soak $*" >&2
  node loadtest/soak.ts "$@"
}

# cmd_chaos: loadtest/chaos.ts against the stack, brought up first (idempotent).
cmd_chaos() {
  cmd_up >&2
  cd "$ROOT"
  say "chaos $*" >&2
  node loadtest/chaos.ts "$@"
}

case "${1:-}" in
  up)
    [[ "${2:-}" == --observability ]] && export XTREAM_OBSERVABILITY=1
    cmd_up
    ;;
  down) cmd_down ;;
  status) cmd_status ;;
  logs) cmd_logs "${2:-}" ;;
  web) cmd_web ;;
  seed) cmd_seed ;;
  test) cmd_test ;;
  bench) shift; cmd_bench "$@" ;;
  load) shift; cmd_load "$@" ;;
  soak) shift; cmd_soak "$@" ;;
  chaos) shift; cmd_chaos "$@" ;;
  cluster) shift; bash "$ROOT/scripts/k8s/cluster.sh" "${1:-status}" ;;
  redrive) shift; cmd_redrive "$@" ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac
