#!/usr/bin/env bash
# Fetches the protovalidate schema (buf/validate/validate.proto) that our
# contracts import, from the Go module proxy at a pinned version, into
# .tools/proto-deps. We use no BSR dependencies, so buf finds it as a second
# workspace module. Idempotent.
set -euo pipefail
PROTOVALIDATE_VERSION="v1.2.2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.tools/proto-deps/buf/validate/validate.proto"
[[ -f "$dest" ]] && exit 0
command -v go >/dev/null || { echo "ensure-proto-deps: 'go' is missing; install Go (Debian: apt-get install golang) to fetch protovalidate" >&2; exit 1; }
echo "==> fetching protovalidate $PROTOVALIDATE_VERSION schema (Go module proxy)"
dir="$(cd "$root" && GOFLAGS=-mod=mod go mod download -json "github.com/bufbuild/protovalidate@$PROTOVALIDATE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
mkdir -p "$(dirname "$dest")"
cp "$dir/proto/protovalidate/buf/validate/validate.proto" "$dest"
chmod 644 "$dest"
