"""The kill loop (scripts/kill-loop.py) in its CI size: at least 100 SIGKILLs of publish, pull,
pin --to ipfs (the session's real Kubo), pin --to arweave (its arlocal), anchor (its anvil) and
serve uploads, every check passing after each, nothing paid twice."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hardening.summary import SUMMARY
from tests.services.anvil import Anvil
from tests.services.arlocal import Arlocal
from tests.services.kubo import KuboDaemon

ROOT = Path(__file__).resolve().parents[2]
KILLS = int(os.environ.get("CAIRN_KILL_LOOP_KILLS", "100"))


@pytest.mark.kubo
@pytest.mark.timeout(900)
def test_kill_loop_survives_every_kill(kubo: KuboDaemon, arlocal: Arlocal, anvil: Anvil, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "kill-loop.py"), "--kills", str(KILLS), "--ipfs-api", kubo.api_url,
         "--arweave-url", arlocal.url, "--chain-rpc", anvil.rpc_url, "--chain-key", anvil.key,
         "--work", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=880, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    survived = re.search(r"^kills survived: (\d+)$", done.stdout, re.MULTILINE)
    assert survived and int(survived.group(1)) >= KILLS, done.stdout[-2000:]
    assert "winston paid = the index's rewards" in done.stdout and "roots on chain = the index's" in done.stdout
    SUMMARY.extend(done.stdout.strip().splitlines()[-3:])  # rounds and kills; what was paid; kills survived
