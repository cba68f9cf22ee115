"""The kill loop (scripts/kill-loop.py) in its CI size: at least 100 SIGKILLs of publish, pull,
pin --to ipfs (the session's real Kubo) and serve uploads, every check passing after each."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hardening.summary import SUMMARY
from tests.services.kubo import KuboDaemon

ROOT = Path(__file__).resolve().parents[2]
KILLS = int(os.environ.get("CAIRN_KILL_LOOP_KILLS", "100"))


@pytest.mark.kubo
@pytest.mark.timeout(900)
def test_kill_loop_survives_every_kill(kubo: KuboDaemon, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "kill-loop.py"), "--kills", str(KILLS), "--ipfs-api", kubo.api_url,
         "--work", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=880, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    survived = re.search(r"^kills survived: (\d+)$", done.stdout, re.MULTILINE)
    assert survived and int(survived.group(1)) >= KILLS, done.stdout[-2000:]
    SUMMARY.extend(done.stdout.strip().splitlines()[-2:])  # rounds, kills by operation; kills survived
