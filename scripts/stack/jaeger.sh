#!/usr/bin/env bash
# Jaeger v2 for local development: OTLP in on 127.0.0.1:$XTREAM_JAEGER_OTLP_PORT (gRPC,
# default 14317) and +1 (HTTP), traces in memory, query API on http://127.0.0.1:16686
# (e.g. /api/services, /api/traces?service=xtream-catalog) and Xtream's trace viewer at /
# (observability/jaeger/ui: the Go build has no UI assets of its own).
# The local collector (otelcol.sh) exports traces to it. Config: observability/jaeger/config.yaml.
#   jaeger.sh install|start|stop|status
#
# Version: Jaeger v2 is developed in github.com/jaegertracing/jaeger (cmd/jaeger) but
# its v2.x tags are not valid versions of that Go module, and the module proxy
# here serves no commit pseudo-versions; its v1.x tag v1.75.0 (the newest approved here) is the
# same code as Jaeger v2.12.0. `go install` refuses that module (its go.mod has a
# replace directive), so it is built inside a small wrapper module that carries
# the same replace (.tools/jaeger-build).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NAME=jaeger
JAEGER_MODULE_VERSION="v1.75.0"
JAEGER_BIN="$TOOLS_DIR/bin/jaeger"
BUILD_DIR="$TOOLS_DIR/jaeger-build"
CONFIG="$XTREAM_ROOT/observability/jaeger/config.yaml"
OTLP_PORT="${XTREAM_JAEGER_OTLP_PORT:-14317}"
QUERY_PORT="${XTREAM_JAEGER_QUERY_PORT:-16686}"
HEALTH_PORT="${XTREAM_JAEGER_HEALTH_PORT:-13133}"

install() {
  if [[ -x "$JAEGER_BIN" && -f "$TOOLS_DIR/bin/.jaeger-$JAEGER_MODULE_VERSION" ]]; then
    echo "    jaeger $JAEGER_MODULE_VERSION already built (.tools/bin/jaeger)"
    return 0
  fi
  need go "Jaeger is built from source with Go: apt-get install golang-go (or install Go from go.dev)"
  say "building Jaeger v2 (github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_MODULE_VERSION; many minutes on 2 cores the first time)…"
  local start=$SECONDS hb rc=0
  rm -rf "$BUILD_DIR" && mkdir -p "$BUILD_DIR"
  cat >"$BUILD_DIR/go.mod" <<GOMOD
module xtream.local/jaeger-build

go 1.25.0

// The same replace as github.com/jaegertracing/jaeger's own go.mod.
replace github.com/Shopify/sarama => github.com/Shopify/sarama v1.33.0
GOMOD
  (while sleep 30; do echo "    … still building Jaeger ($((SECONDS - start))s)"; done) &
  hb=$!
  (
    cd "$BUILD_DIR" &&
      go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_MODULE_VERSION" &&
      go build -trimpath -o "$JAEGER_BIN" github.com/jaegertracing/jaeger/cmd/jaeger
  ) || rc=$?
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  ((rc == 0)) || die "building Jaeger $JAEGER_MODULE_VERSION failed"
  rm -f "$TOOLS_DIR/bin"/.jaeger-*
  touch "$TOOLS_DIR/bin/.jaeger-$JAEGER_MODULE_VERSION"
  say "Jaeger built in $((SECONDS - start))s → .tools/bin/jaeger"
}

health() {
  curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$HEALTH_PORT/status" 2>/dev/null &&
    curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$QUERY_PORT/api/services" 2>/dev/null
}

start() {
  install
  if is_running "$NAME"; then return 0; fi
  local p
  for p in "$OTLP_PORT" "$((OTLP_PORT + 1))" "$QUERY_PORT" "$HEALTH_PORT"; do
    port_open "$p" && die "port $p is taken by another process (set XTREAM_JAEGER_*_PORT)"
  done
  say "starting Jaeger v2: OTLP 127.0.0.1:$OTLP_PORT, traces UI http://127.0.0.1:$QUERY_PORT/ (API /api/services)"
  JAEGER_OTLP_GRPC_PORT="$OTLP_PORT" JAEGER_OTLP_HTTP_PORT="$((OTLP_PORT + 1))" \
    JAEGER_QUERY_PORT="$QUERY_PORT" JAEGER_QUERY_GRPC_PORT="$((QUERY_PORT - 1))" JAEGER_HEALTH_PORT="$HEALTH_PORT" \
    JAEGER_METRICS_PORT="${XTREAM_JAEGER_METRICS_PORT:-$((HEALTH_PORT + 1136))}" JAEGER_UI_ASSETS="$XTREAM_ROOT/observability/jaeger/ui" \
    spawn "$NAME" "$JAEGER_BIN" --config "file:$CONFIG"
  wait_for "$NAME" 60 health
}

stop() {
  is_running "$NAME" && say "stopping Jaeger"
  stop_pid "$NAME"
}

status() {
  if health; then echo "jaeger     healthy   OTLP 127.0.0.1:$OTLP_PORT, traces http://127.0.0.1:$QUERY_PORT/"; return 0; fi
  if is_running "$NAME"; then echo "jaeger     UNHEALTHY running but not answering on $HEALTH_PORT/$QUERY_PORT"; else echo "jaeger     stopped"; fi
  return 1
}

case "${1:-}" in
  install | start | stop | status) "$1" ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
