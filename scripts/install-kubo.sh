#!/usr/bin/env bash
# Build Kubo (the reference IPFS node) once into a cache outside the checkout.
# CI clones afresh on every run, so a folder inside the checkout would always be empty.
# Prints the path of the ipfs binary on its last line.
set -euo pipefail
KUBO_VERSION="${KUBO_VERSION:-v0.41.0}"
cache="${CAIRN_TOOL_CACHE:-$HOME/.cache/cairn-tools}/kubo-$KUBO_VERSION"
if [ ! -x "$cache/ipfs" ]; then
  mkdir -p "$cache"
  echo "building Kubo $KUBO_VERSION into $cache (a few minutes, once)" >&2
  # Kubo's go.mod has replace/exclude directives, which `go install pkg@version` refuses; build
  # inside the downloaded module instead so they apply. GOTOOLCHAIN=auto fetches the Go version
  # its go.mod asks for through the module proxy when the local one is older.
  src=$(GOTOOLCHAIN=auto go mod download -json "github.com/ipfs/kubo@$KUBO_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  (cd "$src" && GOTOOLCHAIN=auto go build -trimpath -o "$cache/ipfs.tmp" ./cmd/ipfs) >&2
  mv "$cache/ipfs.tmp" "$cache/ipfs"
fi
echo "$cache/ipfs"
