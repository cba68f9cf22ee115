"""The official IPFS gateway conformance suite (ipfs/gateway-conformance, trustless specs) against a
real `cairn serve`, through scripts/gateway-conformance.sh.

The suite's binary is ``CAIRN_GATEWAY_CONFORMANCE_BIN`` (scripts/test.sh exports what
scripts/install-gateway-conformance.sh built), else whatever that script builds or finds in its
cache, from the source vendored in third_party/gateway-conformance/. The suite also needs ``go`` at
run time, since it compiles its tests then. When either is missing the test skips and says why
(a failure under ``CAIRN_NO_SKIPS=1``, as in CI). The pass floor is the one recorded in the
script, so raising it there raises it here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gateway-conformance.sh"
INSTALL = ROOT / "scripts" / "install-gateway-conformance.sh"


def _recorded(path: Path, pattern: str) -> str:
    found = re.search(pattern, path.read_text(), re.MULTILINE)
    assert found, f"{path.name} no longer records {pattern!r}"
    return found.group(1)


def _binary() -> tuple[Path | None, str]:
    """The suite's binary, or None and why it is missing."""
    given = os.environ.get("CAIRN_GATEWAY_CONFORMANCE_BIN")
    if given:
        return Path(given), f"CAIRN_GATEWAY_CONFORMANCE_BIN={given}"
    done = subprocess.run(["bash", str(INSTALL)], capture_output=True, text=True, timeout=1800, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return None, f"{INSTALL.name} failed (exit {done.returncode}): {done.stderr.strip()[-1000:]}"
    return Path(lines[-1]), f"built by {INSTALL.name}"


def test_trustless_gateway_conformance(tmp_path: Path) -> None:
    binary, origin = _binary()
    if binary is None or not os.access(binary, os.X_OK):
        pytest.skip(f"gateway-conformance is not built ({origin}): run scripts/install-gateway-conformance.sh")
    if shutil.which("go") is None:
        pytest.skip("gateway-conformance needs `go` on PATH to compile its tests")
    floor = int(_recorded(SCRIPT, r"^PASS_FLOOR=(\d+)"))
    env = {**os.environ, "CAIRN_GATEWAY_CONFORMANCE_BIN": str(binary), "CAIRN_PYTHON": sys.executable}
    env.pop("CAIRN_HOME", None)
    done = subprocess.run(
        ["bash", str(SCRIPT), str(tmp_path / "out")], env=env, capture_output=True, text=True, timeout=900
    )
    output = f"{done.stdout}\n{done.stderr}"
    counts = re.search(r"^checks: passed=(\d+) failed=(\d+) skipped=(\d+)$", done.stdout, re.MULTILINE)
    assert counts, f"no summary from the suite:\n{output[-4000:]}"
    passed = int(counts.group(1))
    assert done.returncode == 0, f"conformance below the floor ({passed} < {floor}):\n{output[-4000:]}"
    assert passed >= floor > 0
    assert (tmp_path / "out" / "report.json").stat().st_size > 0
