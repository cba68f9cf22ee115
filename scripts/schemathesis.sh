#!/usr/bin/env bash
# Fuzz the REST API from its own OpenAPI schema with schemathesis against a real `cairn serve`
# holding a published artifact. Checks: no 5xx, every response matches its documented status,
# content type, headers and schema, bad input is rejected, 405s name the allowed methods.
# Left out: positive_data_acceptance (ST202): Cairn rejects schema-valid input that fails checks no
# schema can express (a CID-shaped string that is not a CID, bytes that do not hash to their CID,
# a body that is not a CAR), and must.
#   scripts/schemathesis.sh [max examples per operation, default 50]
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-50}"
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
export CAIRN_HOME="$work/home"
mkdir -p "$work/model"
printf '{"hidden": 8}' > "$work/model/config.json"
.venv/bin/python - "$work/model/model.safetensors" <<'PY'
import sys, numpy as np
from safetensors.numpy import save_file
save_file({"w": np.arange(4096, dtype=np.float32)}, sys.argv[1])
PY
.venv/bin/cairn publish "$work/model" --name fuzz --version 1 >/dev/null 2>&1
token=$(.venv/bin/cairn token new --scope write | tail -n 1)
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/cairn serve --port "$port" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/v1/health" >/dev/null && break; sleep 0.1; done
.venv/bin/schemathesis run "http://127.0.0.1:$port/openapi.json" \
  --checks all --exclude-checks positive_data_acceptance \
  --max-examples "$examples" --seed 1 --no-color \
  -H "Authorization: Bearer $token"
