#!/usr/bin/env bash
# Shared helpers for the local stack scripts. Source it; it sets XTREAM_ROOT,
# the ports, the generated secrets and the environment contract (see env.sh),
# plus small functions to start/stop/check background processes by pid file.
set -euo pipefail

XTREAM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export XTREAM_ROOT
STACK_DIR="$XTREAM_ROOT/.stack"
DATA_DIR="$XTREAM_ROOT/.data"
TOOLS_DIR="$XTREAM_ROOT/.tools"
PID_DIR="$STACK_DIR/pids"
LOG_DIR="$STACK_DIR/logs"
mkdir -p "$PID_DIR" "$LOG_DIR" "$DATA_DIR" "$TOOLS_DIR/bin"
# PostgreSQL runs as the postgres user and must be able to traverse into .data.
chmod 755 "$DATA_DIR"

# shellcheck source=scripts/stack/env.sh
. "$XTREAM_ROOT/scripts/stack/env.sh"

say() { echo "==> $*"; }
die() { echo "error: $*" >&2; exit 1; }

# need CMD "how to get it": fail with a helpful message when a prerequisite is missing.
need() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is missing. $2"
}

pid_file() { echo "$PID_DIR/$1.pid"; }

# proc_start PID: the process's start time in clock ticks since boot (/proc/PID/stat field 22),
# which identifies it for as long as it lives; empty when there is no such process.
proc_start() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  # The command name (field 2) may hold spaces: count from after its closing parenthesis.
  stat="${stat##*) }"
  # shellcheck disable=SC2086
  set -- $stat
  echo "${20:-}"
}

# Prints the pid recorded for NAME if that process is still alive.
running_pid() {
  local f pid
  f="$(pid_file "$1")"
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  # A live process with that pid is ours only if it is the one spawn started:
  # same start time (a reused pid, e.g. after a reboot, has another). Comparing
  # wall-clock times instead misfired when the clock was stepped during a run
  # (stop left the process running, and start found its port taken).
  if [[ -f "$f.start" ]]; then
    [[ "$(proc_start "$pid")" == "$(cat "$f.start")" ]] || return 1
  else
    local age started
    age="$(ps -o etimes= -p "$pid" 2>/dev/null | tr -d ' ')"
    [[ -n "$age" ]] || return 1
    started=$(($(date +%s) - age))
    ((started <= $(stat -c %Y "$f") + 60)) || return 1
  fi
  echo "$pid"
}

is_running() { running_pid "$1" >/dev/null; }

# port_open PORT: true if something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# spawn NAME CMD...: start CMD detached (own session, so a Ctrl-C in the
# caller's terminal does not hit it), output to .stack/logs/NAME.log.
spawn() {
  local name="$1"; shift
  # 9>&-: the daemon must not inherit the component lock (see lock_component).
  setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$(pid_file "$name")"
  proc_start $! >"$(pid_file "$name").start"
}

# lock_component NAME: serialise start/stop of one component, e.g. when two
# test files restart Kafka at once. Held on fd 9 until the script exits.
lock_component() {
  exec 9>"$STACK_DIR/$1.lock"
  flock -w 300 9 || die "timed out waiting for another start/stop of $1"
}

# wait_for NAME SECONDS CHECK...: poll CHECK until it succeeds; fail with the log tail.
wait_for() {
  local name="$1" secs="$2"; shift 2
  local i
  for ((i = 0; i < secs * 4; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if ! is_running "$name"; then
      echo "error: $name exited while starting; last log lines:" >&2
      tail -n 30 "$LOG_DIR/$name.log" >&2 || true
      return 1
    fi
    sleep 0.25
  done
  echo "error: $name not healthy after ${secs}s; last log lines:" >&2
  tail -n 30 "$LOG_DIR/$name.log" >&2 || true
  return 1
}

# stop_pid NAME [SIGNAL]: signal the recorded process, wait up to 20 s, then KILL.
stop_pid() {
  local name="$1" sig="${2:-TERM}" pid i
  if ! pid="$(running_pid "$name")"; then
    rm -f "$(pid_file "$name")" "$(pid_file "$name").start"
    return 0
  fi
  kill "-$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < 80; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "warning: $name (pid $pid) did not stop in 20s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$(pid_file "$name")" "$(pid_file "$name").start"
}

# apt_install PKG...: install Debian packages that are not installed yet.
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  need apt-get "This stack installs ${missing[*]} from Debian packages; on another system install them with its package manager."
  [[ $EUID -eq 0 ]] || die "installing ${missing[*]} needs root (run: sudo apt-get install ${missing[*]})"
  say "installing ${missing[*]} (Debian packages)…"
  # Update the package lists once per machine boot-ish; a stale list makes installs fail.
  if [[ ! -f "$STACK_DIR/apt-updated" ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    touch "$STACK_DIR/apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# node_tool: make sure the project Node and node_modules are there (helpers use npm packages).
ensure_node_modules() {
  # shellcheck source=scripts/ensure-node.sh
  . "$XTREAM_ROOT/scripts/ensure-node.sh"
  local lock="$XTREAM_ROOT/package-lock.json" stamp="$XTREAM_ROOT/node_modules/.package-lock.json"
  if [[ ! -d "$XTREAM_ROOT/node_modules" || ! -f "$stamp" || "$lock" -nt "$stamp" ]]; then
    say "installing npm dependencies (npm ci)…"
    (cd "$XTREAM_ROOT" && npm ci --no-audit --no-fund)
  fi
}

# component_main NAME COMMAND [EXTRA...]: the command line every component
# script shares (install|start|stop|restart|status, plus the script's own EXTRA
# commands). start and stop are serialised per component, since test files may
# restart one while another starts it.
component_main() {
  local name="$1" command="${2:-}" extra
  shift 2 || true
  for extra in "$@"; do [[ "$command" == "$extra" ]] && { "$command"; return; }; done
  case "$command" in
    start | stop) lock_component "$name"; "$command" ;;
    restart) lock_component "$name"; stop; start ;;
    install | status) "$command" ;;
    *)
      local usage="install|start|stop|restart|status"
      for extra in "$@"; do usage+="|$extra"; done
      echo "usage: $0 $usage" >&2
      exit 2
      ;;
  esac
}

# reserve_service_ports: the services' gRPC ports (50051-50055, and the test
# platforms' offsets up to +900) sit inside Linux's ephemeral range
# (32768-60999), so a test server on port 0 or an outgoing connection can be
# handed one of them and a service then fails with EADDRINUSE. Reserving the
# block keeps the kernel from giving it out automatically; explicit binds
# still work. Needs root (CI runs as root); elsewhere it only says so.
SERVICE_PORT_BLOCK="50000-51099"
reserve_service_ports() {
  local file=/proc/sys/net/ipv4/ip_local_reserved_ports current
  [[ -r "$file" ]] || return 0
  current="$(cat "$file")"
  [[ ",$current," == *",$SERVICE_PORT_BLOCK,"* ]] && return 0
  if [[ -w "$file" ]] && echo "${current:+$current,}$SERVICE_PORT_BLOCK" >"$file" 2>/dev/null; then
    say "reserved ports $SERVICE_PORT_BLOCK from the kernel's ephemeral range (net.ipv4.ip_local_reserved_ports)"
  else
    echo "note: cannot reserve ports $SERVICE_PORT_BLOCK from the ephemeral range (not root); a port-0 listener may rarely take a service's port" >&2
  fi
}
