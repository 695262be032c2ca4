#!/usr/bin/env bash
# Installs OpenTofu and its Helm provider for k8s/terraform, idempotently, with progress:
#   .tools/bin/tofu                 go build of scripts/k8s/tofu (OpenTofu, pinned there)
#   .tools/tofu-mirror/registry.opentofu.org/hashicorp/helm/<v>/linux_amd64/terraform-provider-helm_v<v>
#                                   go build of scripts/k8s/tofu-provider-helm, laid out as a
#                                   filesystem mirror (providers cannot come from their registry here)
#   .tools/tofu.rc                  CLI configuration: providers from that mirror only
# Use: TF_CLI_CONFIG_FILE=.tools/tofu.rc .tools/bin/tofu -chdir=k8s/terraform/environments/dev init
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOFU_VERSION="v1.10.6"          # must match scripts/k8s/tofu/go.mod
HELM_PROVIDER_VERSION="1.3.2"   # must match scripts/k8s/tofu-provider-helm/go.mod
MIRROR="$TOOLS_DIR/tofu-mirror"
PROVIDER_DIR="$MIRROR/registry.opentofu.org/hashicorp/helm/$HELM_PROVIDER_VERSION/linux_amd64"

# build NAME MODULE_DIR PACKAGE OUTPUT STAMP [LDFLAGS]: go build with a heartbeat, unless STAMP
# matches the module's go.mod + go.sum and the flags.
build() {
  local name="$1" dir="$XTREAM_ROOT/$2" pkg="$3" out="$4" stamp="$5" ldflags="-s -w ${6:-}" sum
  sum="$(cat "$dir/go.mod" "$dir/go.sum" <(echo "$ldflags") | sha256sum | cut -c1-12)"
  if [[ -x "$out" && -f "$stamp" && "$(cat "$stamp")" == "$sum" ]]; then
    echo "    $name already built ($(realpath --relative-to="$XTREAM_ROOT" "$out"))"
    return 0
  fi
  need go "$name is built with go build: apt-get install golang-go (or install Go from go.dev)"
  say "building $name (go build in $2; a few minutes on 2 cores the first time)…"
  local start=$SECONDS hb rc=0
  (while sleep 30; do echo "    … still building $name ($((SECONDS - start))s)"; done) &
  hb=$!
  mkdir -p "$(dirname "$out")"
  (cd "$dir" && go build -mod=mod -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg") || rc=$?
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  ((rc == 0)) || die "building $name failed ($2)"
  mv "$out.tmp" "$out"
  echo "$sum" >"$stamp"
  say "$name ready in $((SECONDS - start))s"
}

# dev=no: a release build, as OpenTofu's own release sets it (otherwise it reports itself
# as the pre-release 1.10.6-dev).
build "OpenTofu $TOFU_VERSION" scripts/k8s/tofu github.com/opentofu/opentofu/cmd/tofu \
  "$TOOLS_DIR/bin/tofu" "$TOOLS_DIR/bin/.tofu-stamp" "-X github.com/opentofu/opentofu/version.dev=no"
build "the Helm provider $HELM_PROVIDER_VERSION" scripts/k8s/tofu-provider-helm github.com/hashicorp/terraform-provider-helm \
  "$PROVIDER_DIR/terraform-provider-helm_v$HELM_PROVIDER_VERSION" "$TOOLS_DIR/bin/.tofu-provider-helm-stamp"

cat >"$TOOLS_DIR/tofu.rc.tmp" <<EOF
# Written by scripts/stack/install-tofu.sh: providers come from the local mirror only.
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["registry.opentofu.org/hashicorp/helm"]
  }
}
EOF
mv "$TOOLS_DIR/tofu.rc.tmp" "$TOOLS_DIR/tofu.rc"
echo "    OpenTofu ready: TF_CLI_CONFIG_FILE=.tools/tofu.rc .tools/bin/tofu"
