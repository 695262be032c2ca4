#!/usr/bin/env bash
# MinIO on 127.0.0.1:$XTREAM_MINIO_PORT (console $XTREAM_MINIO_CONSOLE_PORT),
# built with `go install` into .tools/bin, data in .data/minio, credentials
# from .data/stack.env. Usage: minio.sh install|start|stop|status|buckets
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NAME=minio
# MinIO publishes no semver tags and only source: pin a pseudo-version.
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
MINIO_BIN="$TOOLS_DIR/bin/minio"

install() {
  [[ -x "$MINIO_BIN" && -f "$TOOLS_DIR/bin/.minio-$MINIO_VERSION" ]] && return 0
  need go "MinIO is built from source with Go 1.24+: apt-get install golang-go (or install Go from go.dev)"
  say "building MinIO $MINIO_VERSION with go install (several minutes on 2 cores the first time)…"
  local start=$SECONDS hb
  # A heartbeat, because the compile phase prints nothing for minutes.
  (while sleep 30; do echo "    … still building MinIO ($((SECONDS - start))s)"; done) &
  hb=$!
  if ! GOBIN="$TOOLS_DIR/bin" go install "github.com/minio/minio@$MINIO_VERSION"; then
    kill "$hb" 2>/dev/null || true
    die "go install github.com/minio/minio@$MINIO_VERSION failed"
  fi
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  rm -f "$TOOLS_DIR/bin"/.minio-*
  touch "$TOOLS_DIR/bin/.minio-$MINIO_VERSION"
  say "MinIO built in $((SECONDS - start))s → .tools/bin/minio"
}

health() {
  curl -fsS -m 2 -o /dev/null "$MINIO_ENDPOINT/minio/health/live" 2>/dev/null
}

start() {
  install
  if is_running "$NAME"; then return 0; fi
  port_open "$XTREAM_MINIO_PORT" && die "port $XTREAM_MINIO_PORT is taken by another process (set XTREAM_MINIO_PORT)"
  port_open "$XTREAM_MINIO_CONSOLE_PORT" && die "port $XTREAM_MINIO_CONSOLE_PORT is taken by another process (set XTREAM_MINIO_CONSOLE_PORT)"
  mkdir -p "$DATA_DIR/minio"
  say "starting MinIO on 127.0.0.1:$XTREAM_MINIO_PORT (console 127.0.0.1:$XTREAM_MINIO_CONSOLE_PORT)"
  MINIO_ROOT_USER="$MINIO_ACCESS_KEY" MINIO_ROOT_PASSWORD="$MINIO_SECRET_KEY" \
    MINIO_UPDATE=off MINIO_BROWSER_REDIRECT=off \
    spawn "$NAME" "$MINIO_BIN" server "$DATA_DIR/minio" --quiet --anonymous \
    --address "127.0.0.1:$XTREAM_MINIO_PORT" --console-address "127.0.0.1:$XTREAM_MINIO_CONSOLE_PORT"
  wait_for "$NAME" 60 health
  buckets
}

# Create the platform's buckets if missing (needs node_modules for the minio client),
# then the edge's read-only user.
buckets() {
  ensure_node_modules >/dev/null
  node "$XTREAM_ROOT/scripts/stack/minio-buckets.ts"
  edge_user
}

# The public HLS edge (playback) reads published media and nothing else: its own
# MinIO user (EDGE_MINIO_ACCESS_KEY from .data/stack.env) may only GetObject in
# the media bucket, so a compromised edge can neither write, delete, list nor
# read the uploaded sources. Idempotent: re-running resets the same user and policy.
edge_user() {
  bash "$XTREAM_ROOT/scripts/stack/install-tool.sh" mc
  local mc="$TOOLS_DIR/bin/mc" policy
  export MC_CONFIG_DIR="$STACK_DIR/mc"
  mkdir -p "$MC_CONFIG_DIR" && chmod 700 "$MC_CONFIG_DIR"
  "$mc" alias set xtream "$MINIO_ENDPOINT" "$MINIO_ACCESS_KEY" "$MINIO_SECRET_KEY" >/dev/null
  policy="$STACK_DIR/mc/edge-read-policy.json"
  printf '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::%s/*"]}]}\n' \
    "$MINIO_MEDIA_BUCKET" >"$policy"
  "$mc" admin policy create xtream xtream-edge-read "$policy" >/dev/null
  "$mc" admin user add xtream "$EDGE_MINIO_ACCESS_KEY" "$EDGE_MINIO_SECRET_KEY" >/dev/null
  "$mc" admin policy attach xtream xtream-edge-read --user "$EDGE_MINIO_ACCESS_KEY" >/dev/null 2>&1 ||
    "$mc" admin user info xtream "$EDGE_MINIO_ACCESS_KEY" | grep -q 'xtream-edge-read' ||
    die "could not give MinIO user $EDGE_MINIO_ACCESS_KEY the xtream-edge-read policy"
  echo "==> MinIO user $EDGE_MINIO_ACCESS_KEY: read-only on $MINIO_MEDIA_BUCKET (the edge's credentials)"
}

stop() {
  is_running "$NAME" && say "stopping MinIO"
  stop_pid "$NAME"
}

status() {
  if health; then echo "minio      healthy   $MINIO_ENDPOINT (/minio/health/live), console http://127.0.0.1:$XTREAM_MINIO_CONSOLE_PORT"; return 0; fi
  if is_running "$NAME"; then echo "minio      UNHEALTHY running but /minio/health/live fails on $MINIO_ENDPOINT"; else echo "minio      stopped"; fi
  return 1
}

component_main "$NAME" "${1:-}" buckets
