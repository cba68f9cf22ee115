#!/usr/bin/env bash
# Build Kubo (the reference IPFS node) once into a cache outside the checkout.
# CI clones afresh on every run, so a folder inside the checkout would always be empty.
# Prints the path of the ipfs binary on its last line.
set -euo pipefail
KUBO_VERSION="${KUBO_VERSION:-v0.41.0}"
# GOTOOLCHAIN=auto lets go fetch (once, through the module proxy) the toolchain that Kubo's go.mod asks for.
KUBO_GO="${KUBO_GO:-auto}"
cache="${CAIRN_TOOL_CACHE:-$HOME/.cache/cairn-tools}/kubo-$KUBO_VERSION"
if [ ! -x "$cache/ipfs" ]; then
  mkdir -p "$cache"
  echo "building Kubo $KUBO_VERSION into $cache (a few minutes, once)" >&2
  GOTOOLCHAIN="$KUBO_GO" GOBIN="$cache" go install "github.com/ipfs/kubo/cmd/ipfs@$KUBO_VERSION" >&2
fi
echo "$cache/ipfs"
