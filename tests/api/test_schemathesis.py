"""The REST API holds to its own OpenAPI schema under schemathesis (no 5xx, no schema violations)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_schemathesis_finds_no_failures() -> None:
    if shutil.which("curl") is None:
        pytest.fail("scripts/schemathesis.sh needs curl")
    done = subprocess.run(["bash", str(ROOT / "scripts" / "schemathesis.sh"), "30"], capture_output=True, text=True,
                          timeout=900)  # fmt: skip
    summary = done.stdout[-3000:]
    assert done.returncode == 0, summary + done.stderr[-2000:]
    assert " passed" in summary and "failed" not in summary.split("SUMMARY")[-1]
