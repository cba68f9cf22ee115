#!/usr/bin/env bash
# mypy over the whole package under its installed names, and proof that it read every module:
# the count mypy reports must equal the number of .py files under cairn/ (its links followed).
# Then the tests, benchmarks and scripts, leniently (their helpers untyped where a test reads better).
set -euo pipefail
cd "$(dirname "$0")/.."
py=".venv/bin"
expected="$(find -L cairn -name '*.py' -not -path '*/__pycache__/*' | wc -l)"
out="$("$py/mypy" 2>&1)" || { echo "$out"; exit 1; }
echo "$out" | tail -n 1
checked="$(echo "$out" | sed -nE 's/.*in ([0-9]+) source files?.*/\1/p')"
if [ "$checked" != "$expected" ]; then
  echo "mypy checked $checked modules, but cairn/ holds $expected" >&2
  exit 1
fi
"$py/mypy" --config-file mypy-tests.ini tests bench scripts/kill-loop.py
