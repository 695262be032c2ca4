#!/usr/bin/env bash
# VictoriaMetrics (single node, Apache-2.0) for local development: the metrics
# store behind `./dev.sh up --observability`. The collector sends it OTLP
# metrics (observability/collector/metrics-victoriametrics.yaml); its own UI,
# vmui, shows them, with Xtream's dashboard (generated from
# observability/dashboards/xtream.json) under Dashboards.
#   victoriametrics.sh install|start|stop|status|check-rules [rules.yaml…]
# install also builds vmalert (same version), whose -dryRun checks alert rule files
# (observability/alerts) the way an evaluator loads them: check-rules.
# Built with `go install` (the vmui web assets are committed in the module, so
# the binary built that way serves its UI; Prometheus 3 built so does not, see
# observability/README.md). Port XTREAM_VM_PORT (8428); data .data/victoriametrics
# (7 days); log .stack/logs/victoriametrics.log.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NAME=victoriametrics
VM_VERSION="v1.151.0"
VM_BIN="$TOOLS_DIR/bin/victoria-metrics"
VMALERT_BIN="$TOOLS_DIR/bin/vmalert"
PORT="${XTREAM_VM_PORT:-8428}"
DASHBOARDS_DIR="$STACK_DIR/vmui-dashboards"

install() {
  if [[ -x "$VM_BIN" && -x "$VMALERT_BIN" && -f "$TOOLS_DIR/bin/.victoria-metrics-$VM_VERSION" ]]; then
    echo "    victoria-metrics and vmalert $VM_VERSION already built (.tools/bin)"
    return 0
  fi
  need go "VictoriaMetrics is built from source with Go: apt-get install golang-go (or install Go from go.dev)"
  say "building VictoriaMetrics $VM_VERSION (go install …/app/victoria-metrics; about 2 minutes on 2 cores the first time)…"
  local start=$SECONDS hb rc=0
  (while sleep 30; do echo "    … still building VictoriaMetrics ($((SECONDS - start))s)"; done) &
  hb=$!
  GOBIN="$TOOLS_DIR/bin" go install "github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics@$VM_VERSION" \
    "github.com/VictoriaMetrics/VictoriaMetrics/app/vmalert@$VM_VERSION" || rc=$?
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  ((rc == 0)) || die "building VictoriaMetrics $VM_VERSION failed"
  rm -f "$TOOLS_DIR/bin"/.victoria-metrics-*
  touch "$TOOLS_DIR/bin/.victoria-metrics-$VM_VERSION"
  say "VictoriaMetrics built in $((SECONDS - start))s → .tools/bin/victoria-metrics, .tools/bin/vmalert"
}

health() { curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$PORT/health" 2>/dev/null; }

# vmui reads predefined dashboards from a folder; ours is generated from the Grafana JSON.
dashboards() {
  mkdir -p "$DASHBOARDS_DIR"
  (cd "$XTREAM_ROOT" && node scripts/stack/dashboard-to-vmui.ts observability/dashboards/xtream.json >"$DASHBOARDS_DIR/xtream.json")
}

start() {
  install
  [[ -x "$TOOLS_DIR/node/bin/node" ]] && export PATH="$TOOLS_DIR/node/bin:$PATH"
  dashboards
  if is_running "$NAME"; then return 0; fi
  port_open "$PORT" && die "port $PORT is taken by another process (set XTREAM_VM_PORT)"
  say "starting VictoriaMetrics: OTLP http://127.0.0.1:$PORT/opentelemetry/v1/metrics, UI http://127.0.0.1:$PORT/vmui/"
  mkdir -p "$DATA_DIR/victoriametrics"
  spawn "$NAME" "$VM_BIN" -httpListenAddr="127.0.0.1:$PORT" -storageDataPath="$DATA_DIR/victoriametrics" -retentionPeriod=7d \
    -opentelemetry.usePrometheusNaming -vmui.customDashboardsPath="$DASHBOARDS_DIR" -search.latencyOffset=5s -loggerLevel=WARN
  wait_for "$NAME" 60 health
}

stop() {
  is_running "$NAME" && say "stopping VictoriaMetrics"
  stop_pid "$NAME"
}

status() {
  if health; then echo "victoriametrics healthy http://127.0.0.1:$PORT/vmui/"; return 0; fi
  if is_running "$NAME"; then echo "victoriametrics UNHEALTHY running but not answering on $PORT"; else echo "victoriametrics stopped"; fi
  return 1
}

# check-rules [FILE...]: load alert rule files with vmalert -dryRun (default: observability/alerts/*.yaml).
check_rules() {
  install >/dev/null
  (($# == 0)) && set -- "$XTREAM_ROOT"/observability/alerts/*.yaml
  local f
  for f in "$@"; do
    "$VMALERT_BIN" -dryRun -loggerLevel=ERROR -rule="$f" || die "vmalert refused $f"
    echo "    rules valid: ${f#"$XTREAM_ROOT"/}"
  done
}

case "${1:-}" in
  install | start | stop | status) "$1" ;;
  check-rules) shift; check_rules "$@" ;;
  *) echo "usage: $0 install|start|stop|status|check-rules [rules.yaml…]" >&2; exit 2 ;;
esac
