#!/usr/bin/env bash
# Installs a load/bench tool, idempotently, printing progress:
#   install-tool.sh ghz|k6|mc → go install into .tools/bin (pinned versions)
#   install-tool.sh nginx|wrk|valgrind|ab → Debian packages
# Benches get .tools/bin on PATH from `./dev.sh bench`.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

go_tool() {
  local bin="$1" module="$2" version="$3"
  # A stamp per version, so bumping the pin rebuilds.
  if [[ -x "$TOOLS_DIR/bin/$bin" && -f "$TOOLS_DIR/bin/.$bin-$version" ]]; then
    echo "$bin $version already installed (.tools/bin/$bin)"
    return 0
  fi
  need go "$bin is built with go install: apt-get install golang-go (or install Go from go.dev)"
  say "installing $bin $version (go install $module@$version; a few minutes the first time)…"
  local start=$SECONDS hb rc=0
  # A heartbeat: k6 takes several minutes to build on two cores.
  (while sleep 30; do echo "    … still building $bin ($((SECONDS - start))s)"; done) &
  hb=$!
  GOBIN="$TOOLS_DIR/bin" go install "$module@$version" || rc=$?
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  ((rc == 0)) || die "go install $module@$version failed"
  rm -f "$TOOLS_DIR/bin/.$bin"-*
  touch "$TOOLS_DIR/bin/.$bin-$version"
  say "$bin ready in $((SECONDS - start))s → .tools/bin/$bin"
}

case "${1:-}" in
  ghz) go_tool ghz github.com/bojand/ghz/cmd/ghz v0.121.0 ;;
  k6) go_tool k6 go.k6.io/k6 v1.8.1 ;;
  # MinIO's client, for the admin API (users and policies) that the S3 SDKs lack.
  mc) go_tool mc github.com/minio/mc v0.0.0-20250313080218-cf909e1063a9 ;;
  nginx)
    command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || apt_install nginx
    echo "nginx ready ($(command -v nginx || echo /usr/sbin/nginx))"
    ;;
  wrk)
    command -v wrk >/dev/null || apt_install wrk
    echo "wrk ready ($(command -v wrk))"
    ;;
  valgrind)
    command -v callgrind_control >/dev/null || apt_install valgrind
    echo "valgrind ready ($(command -v valgrind))"
    ;;
  ab)
    command -v ab >/dev/null || apt_install apache2-utils
    echo "ab ready ($(command -v ab))"
    ;;
  *) echo "usage: $0 ghz|k6|mc|nginx|wrk|valgrind|ab" >&2; exit 2 ;;
esac
