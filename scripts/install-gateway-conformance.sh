#!/usr/bin/env bash
# Build the IPFS gateway conformance suite (ipfs/gateway-conformance) once into a cache outside the
# checkout; CI clones afresh on every run, so a folder inside the checkout would always be empty.
# Prints the path of the gateway-conformance binary on its last line.
#
# The source is the suite's release vendored, unchanged, in third_party/gateway-conformance/
# (third_party/README.md: the Go module proxy reachable here refuses this one module). Its Go
# dependencies come from the module proxy as usual. The cache entry is keyed by a hash of that
# vendored tree, so updating it (or changing a file in it) builds afresh.
#
# The binary runs `go test ./tests` inside its own source tree at test time (and reads its fixtures
# from there), so the cache keeps a copy of that tree next to the binary: <cache>/src, which
# scripts/gateway-conformance.sh passes on as GATEWAY_CONFORMANCE_HOME.
set -euo pipefail
cd "$(dirname "$0")/.."
SOURCE=third_party/gateway-conformance
VERSION=v0.13.2 # the release vendored there (third_party/README.md); the binary reports it
export GOTOOLCHAIN=auto # fetch the Go version go.mod asks for when the local one is older

[ -f "$SOURCE/go.mod" ] || { echo "no vendored source: $SOURCE/go.mod is missing" >&2; exit 1; }
command -v go >/dev/null || { echo "gateway-conformance needs Go (\`go\` is not on PATH)" >&2; exit 1; }
# Every file's path and content, in a fixed order: any change to the vendored tree changes the key.
key="$(cd "$SOURCE" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
cache="${CAIRN_TOOL_CACHE:-$HOME/.cache/cairn-tools}/gateway-conformance-$VERSION-$key"

if [ ! -x "$cache/bin/gateway-conformance" ]; then
  echo "building gateway-conformance $VERSION from $SOURCE into $cache (a minute or two, once)" >&2
  mkdir -p "$(dirname "$cache")"
  staging="$cache.tmp.$$"
  rm -rf "$staging"
  mkdir -p "$staging/src" "$staging/bin"
  trap 'rm -rf "$staging"' EXIT
  cp -R "$SOURCE/." "$staging/src/"
  chmod -R u+w "$staging/src"
  (
    cd "$staging/src"
    # As the suite's own Makefile builds its release (else it calls itself "dev").
    go build -ldflags="-X github.com/ipfs/gateway-conformance/tooling.Version=$VERSION" \
      -o "$staging/bin/gateway-conformance" ./cmd/gateway-conformance
    # Compile the test package once now, so the first suite run does not pay for it.
    go test -c -o /dev/null ./tests
  ) >&2
  # Another build of the same source may have finished meanwhile: keep whichever came first
  # (a tree in use is never replaced under a running suite).
  if [ ! -x "$cache/bin/gateway-conformance" ]; then
    rm -rf "$cache"
    mv -T "$staging" "$cache" 2>/dev/null || [ -x "$cache/bin/gateway-conformance" ]
  fi
  rm -rf "$staging"
  trap - EXIT
fi
echo "$cache/bin/gateway-conformance"
