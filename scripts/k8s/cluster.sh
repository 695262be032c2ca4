#!/usr/bin/env bash
# A real Kubernetes control plane on loopback, with fake nodes, for installing the chart:
#   scripts/k8s/cluster.sh install | up | down | status | reset | env
# - etcd, kube-apiserver, kube-controller-manager and kube-scheduler are the real
#   upstream code, built with `go build` from the Go module proxy (scripts/k8s/kube/go.mod
#   pins Kubernetes; its etcd is the one Kubernetes itself requires);
# - kwok (go install sigs.k8s.io/kwok) plays the kubelets: it keeps $XTREAM_K8S_NODES fake
#   nodes Ready and marks scheduled pods Running and Ready (no containers run).
# Everything listens on 127.0.0.1 only, on XTREAM_K8S_PORT (the API server) and the next
# five ports (etcd client and peer, controller-manager, scheduler, kwok). Default 6443, moved
# by 10 per port offset of the local stack (XTREAM_REDIS_PORT), so work trees do not collide.
# State: .data/k8s (etcd data, keys, kubeconfig), .stack/logs/k8s-*.log, .stack/pids/k8s-*.pid.
# Kubeconfig for kubectl/helm: .data/k8s/kubeconfig (`eval "$(scripts/k8s/cluster.sh env)"`).
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/stack/lib.sh"

KUBE_VERSION="v1.34.4"   # must match scripts/k8s/kube/go.mod
KWOK_VERSION="v0.7.0"
BIN="$TOOLS_DIR/bin"
K8S_DATA="$DATA_DIR/k8s"
KUBECONFIG_FILE="$K8S_DATA/kubeconfig"
NODES="${XTREAM_K8S_NODES:-3}"
PORT="${XTREAM_K8S_PORT:-$((6443 + 10 * (XTREAM_REDIS_PORT - 6390)))}"
ETCD_PORT=$((PORT + 1)) ETCD_PEER_PORT=$((PORT + 2)) KCM_PORT=$((PORT + 3)) SCHED_PORT=$((PORT + 4)) KWOK_PORT=$((PORT + 5))
# Start order; down stops in reverse.
PARTS=(k8s-etcd k8s-apiserver k8s-controller-manager k8s-scheduler k8s-kwok)

# The control plane's binaries: one `go build` of the pinned module (5 min cold on 2 cores).
install_kube() {
  local stamp="$BIN/.kube-$KUBE_VERSION" sum
  sum="$(cat "$XTREAM_ROOT/scripts/k8s/kube/go.mod" "$XTREAM_ROOT/scripts/k8s/kube/go.sum" | sha256sum | cut -c1-12)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$sum" ]] &&
    [[ -x "$BIN/etcd" && -x "$BIN/kube-apiserver" && -x "$BIN/kube-controller-manager" && -x "$BIN/kube-scheduler" && -x "$BIN/kubectl" ]]; then
    echo "    etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl $KUBE_VERSION already built (.tools/bin)"
    return 0
  fi
  need go "the control plane is built with go build: apt-get install golang-go (or install Go from go.dev)"
  say "building kube-apiserver, kube-controller-manager, kube-scheduler, kubectl $KUBE_VERSION and etcd (go build, ~6 min cold on 2 cores)…"
  local start=$SECONDS hb rc=0 out v=k8s.io/component-base/version
  out="$(mktemp -d)"
  (while sleep 30; do echo "    … still building the control plane ($((SECONDS - start))s)"; done) &
  hb=$!
  # The version stamps are what Kubernetes' own build sets (hack/lib/version.sh); without
  # them the server says v0.0.0 and charts' kubeVersion constraints fail.
  (cd "$XTREAM_ROOT/scripts/k8s/kube" && go build -mod=mod -trimpath \
    -ldflags "-s -w -X $v.gitVersion=$KUBE_VERSION -X $v.gitMajor=$(echo "$KUBE_VERSION" | cut -d. -f1 | tr -d v) -X $v.gitMinor=$(echo "$KUBE_VERSION" | cut -d. -f2) -X $v.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION" \
    -o "$out/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl go.etcd.io/etcd/server/v3) || rc=$?
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  ((rc == 0)) || die "building the Kubernetes control plane failed (scripts/k8s/kube)"
  # go names etcd's main package (go.etcd.io/etcd/server/v3) "server".
  mv "$out/server" "$BIN/etcd"
  mv "$out"/kube-apiserver "$out"/kube-controller-manager "$out"/kube-scheduler "$out"/kubectl "$BIN/"
  rmdir "$out"
  echo "$sum" >"$stamp"
  say "control plane ready in $((SECONDS - start))s → .tools/bin"
}

install_kwok() {
  if [[ -x "$BIN/kwok" && -f "$BIN/.kwok-$KWOK_VERSION" ]]; then
    echo "    kwok $KWOK_VERSION already installed (.tools/bin/kwok)"
    return 0
  fi
  need go "kwok is built with go install: apt-get install golang-go (or install Go from go.dev)"
  say "installing kwok $KWOK_VERSION (go install sigs.k8s.io/kwok/cmd/kwok, ~2 min cold)…"
  local start=$SECONDS
  GOBIN="$BIN" go install "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" || die "go install sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION failed"
  rm -f "$BIN"/.kwok-*
  touch "$BIN/.kwok-$KWOK_VERSION"
  say "kwok ready in $((SECONDS - start))s"
}

install() {
  bash "$XTREAM_ROOT/scripts/stack/install-deploy-tools.sh" helm
  install_kube
  install_kwok
  command -v openssl >/dev/null || apt_install openssl
  command -v curl >/dev/null || apt_install curl
}

# Keys and credentials, once per data directory: a CA and the API server's serving
# certificate for 127.0.0.1, the service-account signing key, and static bearer tokens
# (admin in system:masters; the controller-manager and scheduler as the users the
# bootstrap RBAC policy grants their roles to).
credentials() {
  mkdir -p "$K8S_DATA/pki"
  local pki="$K8S_DATA/pki"
  [[ -f "$pki/tokens.csv" ]] && return 0
  say "generating the cluster's keys and tokens (.data/k8s/pki)…"
  (
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=xtream-local-ca" \
      -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
      -keyout "$pki/apiserver.key" -out "$pki/apiserver.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\n' >"$pki/san.ext"
    openssl x509 -req -in "$pki/apiserver.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
      -days 3650 -extfile "$pki/san.ext" -out "$pki/apiserver.crt" 2>/dev/null
    openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
    openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
    local rand
    rand() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
    {
      echo "$(rand),admin,admin,system:masters"
      echo "$(rand),system:kube-controller-manager,system:kube-controller-manager"
      echo "$(rand),system:kube-scheduler,system:kube-scheduler"
    } >"$pki/tokens.csv.tmp"
    mv "$pki/tokens.csv.tmp" "$pki/tokens.csv"
  )
}

# kubeconfig FILE USER: a kubeconfig for one of the token users.
kubeconfig() {
  local file="$1" user="$2" token
  token="$(awk -F, -v u="$user" '$2 == u {print $1}' "$K8S_DATA/pki/tokens.csv")"
  (
    umask 077
    cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: xtream-local
  cluster:
    server: https://127.0.0.1:$PORT
    certificate-authority: $K8S_DATA/pki/ca.crt
users:
- name: $user
  user:
    token: $token
contexts:
- name: xtream-local
  context: {cluster: xtream-local, user: $user}
current-context: xtream-local
EOF
  )
}

api_ready() {
  [[ -f "$KUBECONFIG_FILE" ]] && "$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" get --raw /readyz >/dev/null 2>&1
}

start_part() {
  local name="$1"
  if is_running "$name"; then
    echo "    $name already running (pid $(running_pid "$name"))"
    return 0
  fi
  case "$name" in
    k8s-etcd)
      spawn k8s-etcd "$BIN/etcd" --name xtream-local --data-dir "$K8S_DATA/etcd" \
        --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
        --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
        --initial-cluster "xtream-local=http://127.0.0.1:$ETCD_PEER_PORT" --quota-backend-bytes 2147483648 --log-level warn
      wait_for k8s-etcd 30 port_open "$ETCD_PORT"
      ;;
    k8s-apiserver)
      spawn k8s-apiserver "$BIN/kube-apiserver" --bind-address 127.0.0.1 --advertise-address 127.0.0.1 \
        --secure-port "$PORT" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
        --tls-cert-file "$K8S_DATA/pki/apiserver.crt" --tls-private-key-file "$K8S_DATA/pki/apiserver.key" \
        --client-ca-file "$K8S_DATA/pki/ca.crt" --token-auth-file "$K8S_DATA/pki/tokens.csv" \
        --authorization-mode Node,RBAC --allow-privileged=false \
        --service-account-issuer https://kubernetes.default.svc.cluster.local \
        --service-account-key-file "$K8S_DATA/pki/sa.pub" --service-account-signing-key-file "$K8S_DATA/pki/sa.key" \
        --service-cluster-ip-range 10.96.0.0/16 --service-node-port-range 30000-32767 \
        --enable-priority-and-fairness=false --profiling=false --v 0
      wait_for k8s-apiserver 120 api_ready
      ;;
    k8s-controller-manager)
      spawn k8s-controller-manager "$BIN/kube-controller-manager" --kubeconfig "$K8S_DATA/controller-manager.kubeconfig" \
        --authentication-kubeconfig "$K8S_DATA/controller-manager.kubeconfig" --authorization-kubeconfig "$K8S_DATA/controller-manager.kubeconfig" \
        --bind-address 127.0.0.1 --secure-port "$KCM_PORT" --leader-elect=false --use-service-account-credentials \
        --service-account-private-key-file "$K8S_DATA/pki/sa.key" --root-ca-file "$K8S_DATA/pki/ca.crt" \
        --cluster-name xtream-local --controllers '*,-nodeipam' --profiling=false --v 0
      wait_for k8s-controller-manager 60 curl -sfk "https://127.0.0.1:$KCM_PORT/healthz"
      ;;
    k8s-scheduler)
      spawn k8s-scheduler "$BIN/kube-scheduler" --kubeconfig "$K8S_DATA/scheduler.kubeconfig" \
        --authentication-kubeconfig "$K8S_DATA/scheduler.kubeconfig" --authorization-kubeconfig "$K8S_DATA/scheduler.kubeconfig" \
        --bind-address 127.0.0.1 --secure-port "$SCHED_PORT" --leader-elect=false --profiling=false --v 0
      wait_for k8s-scheduler 60 curl -sfk "https://127.0.0.1:$SCHED_PORT/healthz"
      ;;
    k8s-kwok)
      # A config without stages: kwok's built-in ones (node heartbeat via leases, pods
      # Running and Ready, deleted pods removed); it also keeps ~/.kwok out of it.
      printf 'apiVersion: config.kwok.x-k8s.io/v1alpha1\nkind: KwokConfiguration\noptions: {}\n' >"$K8S_DATA/kwok.yaml"
      spawn k8s-kwok "$BIN/kwok" --kubeconfig "$KUBECONFIG_FILE" -c "$K8S_DATA/kwok.yaml" \
        --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
        --node-lease-duration-seconds 40 --cidr 10.244.0.1/16 --node-ip 127.0.0.1 --server-address "127.0.0.1:$KWOK_PORT"
      wait_for k8s-kwok 30 port_open "$KWOK_PORT"
      ;;
  esac
  echo "    $name started (pid $(running_pid "$name"))"
}

# The fake nodes: kwok manages nodes annotated kwok.x-k8s.io/node=fake.
nodes() {
  local i manifest=""
  for ((i = 1; i <= NODES; i++)); do
    manifest+="$(cat <<EOF
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/hostname: kwok-node-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    node-role.kubernetes.io/worker: ""
    topology.kubernetes.io/zone: zone-$(((i - 1) % 3 + 1))
    type: kwok
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110", ephemeral-storage: 1Ti}
  capacity: {cpu: "32", memory: 256Gi, pods: "110", ephemeral-storage: 1Ti}
---
EOF
)"$'\n'
  done
  printf '%s' "$manifest" | "$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" apply -f - >/dev/null
  local ready
  for ((i = 0; i < 120; i++)); do
    ready="$("$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" get nodes -l type=kwok \
      -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True || true)"
    ((ready >= NODES)) && { echo "    $ready fake nodes Ready"; return 0; }
    sleep 0.5
  done
  die "the fake nodes did not become Ready (see .stack/logs/k8s-kwok.log)"
}

up() {
  install
  lock_component k8s
  credentials
  kubeconfig "$KUBECONFIG_FILE" admin
  kubeconfig "$K8S_DATA/controller-manager.kubeconfig" system:kube-controller-manager
  kubeconfig "$K8S_DATA/scheduler.kubeconfig" system:kube-scheduler
  say "starting the control plane on 127.0.0.1:$PORT (etcd $ETCD_PORT, kwok nodes: $NODES)"
  local part
  for part in "${PARTS[@]}"; do start_part "$part"; done
  nodes
  say "cluster up: export KUBECONFIG=$KUBECONFIG_FILE   (or: eval \"\$(scripts/k8s/cluster.sh env)\")"
}

down() {
  lock_component k8s
  local i
  for ((i = ${#PARTS[@]} - 1; i >= 0; i--)); do
    if is_running "${PARTS[i]}"; then
      stop_pid "${PARTS[i]}"
      echo "    ${PARTS[i]} stopped"
    fi
  done
}

status() {
  local part rc=0
  for part in "${PARTS[@]}"; do
    if is_running "$part"; then echo "    $part running (pid $(running_pid "$part"))"; else echo "    $part down"; rc=1; fi
  done
  if api_ready; then
    echo "    API server https://127.0.0.1:$PORT ready ($("$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" get nodes --no-headers 2>/dev/null | grep -c ' Ready' || true) nodes Ready)"
  else
    echo "    API server https://127.0.0.1:$PORT not answering"
    rc=1
  fi
  return $rc
}

case "${1:-}" in
  install) install ;;
  up) up ;;
  down) down ;;
  status) status ;;
  # reset: stop, and delete the etcd data and keys (the next `up` starts empty).
  reset) down; rm -rf "$K8S_DATA"; echo "    .data/k8s removed" ;;
  env) echo "export KUBECONFIG='$KUBECONFIG_FILE' PATH='$BIN':\"\$PATH\"" ;;
  *) echo "usage: $0 install|up|down|status|reset|env" >&2; exit 2 ;;
esac
