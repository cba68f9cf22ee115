#!/usr/bin/env bash
# Build the IPFS gateway conformance suite (ipfs/gateway-conformance) once into a cache outside the
# checkout; CI clones afresh on every run, so a folder inside the checkout would always be empty.
# Prints the path of the gateway-conformance binary on its last line.
#
# The binary runs `go test ./tests` inside its own source tree at test time (and reads its fixtures
# from there), so the cache keeps that tree next to the binary: <cache>/src, which
# scripts/gateway-conformance.sh passes on as GATEWAY_CONFORMANCE_HOME.
#
# The source comes from the Go module proxy (`go mod download`, what `go install ...@tag` uses).
# The proxy reachable from the development VM answers 403 for this one module: there the script
# fails (and the conformance test skips, saying so) unless the cache already holds a build.
set -euo pipefail
GATEWAY_CONFORMANCE_VERSION="${GATEWAY_CONFORMANCE_VERSION:-v0.13.2}"
MODULE=github.com/ipfs/gateway-conformance
cache="${CAIRN_TOOL_CACHE:-$HOME/.cache/cairn-tools}/gateway-conformance-$GATEWAY_CONFORMANCE_VERSION"
export GOTOOLCHAIN=auto # fetch the Go version go.mod asks for when the local one is older

fetch_from_proxy() {
  local dir
  dir=$(go mod download -json "$MODULE@$GATEWAY_CONFORMANCE_VERSION" 2>/dev/null | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [ -n "$dir" ] && [ -d "$dir" ] || return 1
  cp -R "$dir/." "$1/"
  chmod -R u+w "$1"
}

fetch_source() {
  fetch_from_proxy "$1" && return 0
  echo "the Go module proxy does not serve $MODULE@$GATEWAY_CONFORMANCE_VERSION" >&2
  return 1
}

if [ ! -x "$cache/bin/gateway-conformance" ]; then
  echo "building gateway-conformance $GATEWAY_CONFORMANCE_VERSION into $cache (a few minutes, once)" >&2
  staging="$cache.tmp.$$"
  rm -rf "$staging"
  mkdir -p "$staging/src" "$staging/bin"
  trap 'rm -rf "$staging"' EXIT
  fetch_source "$staging/src"
  [ -f "$staging/src/go.mod" ] || { echo "no go.mod in the fetched source" >&2; exit 1; }
  (
    cd "$staging/src"
    go build -o "$staging/bin/gateway-conformance" ./cmd/gateway-conformance
    # Compile the test package once now, so the first suite run does not pay for it.
    go test -c -o /dev/null ./tests
  ) >&2
  rm -rf "$cache"
  mkdir -p "$(dirname "$cache")"
  mv "$staging" "$cache"
  trap - EXIT
fi
echo "$cache/bin/gateway-conformance"
