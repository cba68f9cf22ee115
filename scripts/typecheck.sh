#!/usr/bin/env bash
# mypy (strict) over the whole package under its installed names, and proof that it read every
# module: the files mypy reports as its sources must be exactly the .py files under cairn/ (its
# links into chunking/, storage/, ... followed). Then the tests, benchmarks and scripts, leniently
# (mypy-tests.ini: untyped test functions are allowed, but their bodies and every call into cairn
# are checked).
set -euo pipefail
cd "$(dirname "$0")/.."
py=".venv/bin"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! "$py/mypy" -v >"$log.out" 2>"$log"; then
  cat "$log.out"
  exit 1
fi
tail -n 1 "$log.out"
checked="$(sed -nE "s/.*Found source: .*path='([^']+\.py)'.*/\1/p" "$log" | sed "s#^$PWD/##" | sort)"
expected="$(find -L cairn -name '*.py' -not -path '*/__pycache__/*' | sort)"
if [ "$checked" != "$expected" ]; then
  echo "mypy did not check every module of cairn/:" >&2
  diff <(echo "$expected") <(echo "$checked") >&2 || true
  exit 1
fi
echo "mypy checked all $(echo "$expected" | wc -l) modules of cairn/ under their installed names"
rm -f "$log.out"
"$py/mypy" --config-file mypy-tests.ini tests bench scripts/kill-loop.py
