#!/usr/bin/env bash
# A local OpenTelemetry Collector on 127.0.0.1:4317 (OTLP gRPC) and :4318 (OTLP HTTP)
# (XTREAM_OTELCOL_GRPC_PORT / XTREAM_OTELCOL_HTTP_PORT),
# built from observability/collector/builder.yaml with the collector builder and
# run with observability/collector/config.yaml (traces → Jaeger's OTLP on
# 127.0.0.1:$XTREAM_JAEGER_OTLP_PORT, see jaeger.sh; metrics and logs → its log).
# Optional for the stack: services export only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
#   otelcol.sh install|start|stop|status|validate [config...]
# Binary: .tools/bin/otelcol-xtream (rebuilt when builder.yaml changes); log: .stack/logs/otelcol.log
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NAME=otelcol
BUILDER_VERSION="v0.159.0"
MANIFEST="$XTREAM_ROOT/observability/collector/builder.yaml"
CONFIG="$XTREAM_ROOT/observability/collector/config.yaml"
OTELCOL_BIN="$TOOLS_DIR/bin/otelcol-xtream"
BUILD_DIR="$TOOLS_DIR/otelcol-build"
METRICS_PORT="${XTREAM_OTELCOL_METRICS_PORT:-8888}"
GRPC_PORT="${XTREAM_OTELCOL_GRPC_PORT:-4317}"
HTTP_PORT="${XTREAM_OTELCOL_HTTP_PORT:-4318}"
VM_OVERLAY="$XTREAM_ROOT/observability/collector/metrics-victoriametrics.yaml"
JAEGER_OTLP_PORT="${XTREAM_JAEGER_OTLP_PORT:-14317}"

# The build is keyed on the manifest's content: edit builder.yaml and it rebuilds.
manifest_stamp() { echo "$TOOLS_DIR/bin/.otelcol-xtream-$(sha256sum "$MANIFEST" | cut -c1-16)"; }

install() {
  local stamp
  stamp="$(manifest_stamp)"
  if [[ -x "$OTELCOL_BIN" && -f "$stamp" ]]; then
    echo "    otelcol-xtream already built (.tools/bin/otelcol-xtream)"
    return 0
  fi
  need go "the collector is built with the collector builder (Go): apt-get install golang-go (or install Go from go.dev)"
  local start=$SECONDS hb rc=0
  if [[ ! -x "$TOOLS_DIR/bin/builder" || ! -f "$TOOLS_DIR/bin/.builder-$BUILDER_VERSION" ]]; then
    say "installing the collector builder $BUILDER_VERSION (go install go.opentelemetry.io/collector/cmd/builder)…"
    GOBIN="$TOOLS_DIR/bin" go install "go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION"
    rm -f "$TOOLS_DIR/bin"/.builder-*
    touch "$TOOLS_DIR/bin/.builder-$BUILDER_VERSION"
  fi
  say "building the OpenTelemetry Collector from observability/collector/builder.yaml (a few minutes on 2 cores the first time)…"
  (while sleep 30; do echo "    … still building the collector ($((SECONDS - start))s)"; done) &
  hb=$!
  rm -rf "$BUILD_DIR"
  # The builder resolves output_path against the working directory.
  (cd "$XTREAM_ROOT" && "$TOOLS_DIR/bin/builder" --config "$MANIFEST") || rc=$?
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  ((rc == 0)) || die "the collector build failed (builder --config observability/collector/builder.yaml)"
  command install -m 0755 "$BUILD_DIR/otelcol-xtream" "$OTELCOL_BIN"
  rm -f "$TOOLS_DIR/bin"/.otelcol-xtream-*
  touch "$stamp"
  say "collector built in $((SECONDS - start))s → .tools/bin/otelcol-xtream ($("$OTELCOL_BIN" --version))"
}

# The environment config.yaml reads, for the local run.
local_env() {
  export OTELCOL_BIND_ADDRESS=127.0.0.1
  export OTELCOL_METRICS_PORT="$METRICS_PORT" OTELCOL_GRPC_PORT="$GRPC_PORT" OTELCOL_HTTP_PORT="$HTTP_PORT"
  export VM_PORT="${XTREAM_VM_PORT:-8428}"
  export TRACES_OTLP_ENDPOINT="${TRACES_OTLP_ENDPOINT:-127.0.0.1:$JAEGER_OTLP_PORT}"
}

# validate [CONFIG...]: check a config (default: config.yaml) with the built collector.
validate() {
  install >/dev/null
  local args=() c
  (($# == 0)) && set -- "$CONFIG"
  for c in "$@"; do args+=(--config "file:$c"); done
  local_env
  "$OTELCOL_BIN" validate "${args[@]}"
  echo "    collector config valid: $*"
}

health() {
  # The collector's own metrics endpoint answers once the service is running.
  curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$METRICS_PORT/metrics" 2>/dev/null && port_open "$GRPC_PORT" && port_open "$HTTP_PORT"
}

start() {
  install
  if is_running "$NAME"; then return 0; fi
  local p
  for p in "$GRPC_PORT" "$HTTP_PORT" "$METRICS_PORT"; do
    port_open "$p" && die "port $p is taken by another process (is another collector running?)"
  done
  local_env
  local configs=(--config "file:$CONFIG") metrics_to="its log (debug)"
  # Metrics to VictoriaMetrics when it runs (./dev.sh up --observability starts it first).
  if is_running victoriametrics; then
    configs+=(--config "file:$VM_OVERLAY")
    metrics_to="VictoriaMetrics 127.0.0.1:$VM_PORT"
  fi
  say "starting the OpenTelemetry Collector on 127.0.0.1:$GRPC_PORT (gRPC) / :$HTTP_PORT (HTTP); traces → $TRACES_OTLP_ENDPOINT, metrics → $metrics_to"
  spawn "$NAME" "$OTELCOL_BIN" "${configs[@]}"
  wait_for "$NAME" 30 health
  is_running jaeger || port_open "$JAEGER_OTLP_PORT" ||
    echo "    note: nothing listens on $TRACES_OTLP_ENDPOINT yet; start Jaeger (bash scripts/stack/jaeger.sh start) to keep traces"
  echo "    run services with OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$GRPC_PORT"
}

stop() {
  is_running "$NAME" && say "stopping the OpenTelemetry Collector"
  stop_pid "$NAME"
}

status() {
  if health; then echo "otelcol    healthy   OTLP 127.0.0.1:$GRPC_PORT (gRPC) 127.0.0.1:$HTTP_PORT (HTTP), metrics http://127.0.0.1:$METRICS_PORT/metrics"; return 0; fi
  if is_running "$NAME"; then echo "otelcol    UNHEALTHY running but not answering on $GRPC_PORT/$HTTP_PORT/$METRICS_PORT"; else echo "otelcol    stopped"; fi
  return 1
}

case "${1:-}" in
  install | start | stop | status) "$1" ;;
  validate) shift; validate "$@" ;;
  *) echo "usage: $0 install|start|stop|status|validate [config...]" >&2; exit 2 ;;
esac
