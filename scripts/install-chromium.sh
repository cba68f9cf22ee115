#!/usr/bin/env bash
# Debian's Chromium for the web page tests (docs/services.md); prints the browser's path last.
# Playwright's own browser download cannot work offline, so the distribution's package is used.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi
command -v chromium
