"""Publishing a file much larger than the memory budget keeps the process's peak resident memory
under it: mapped pages already stored are given back as the import goes (chunking/importer.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BUDGET_MB = 300  # the speed issue's bound for a 4 GB file


@pytest.mark.slow
def test_publish_of_a_file_twice_the_budget_stays_under_it(home: Path, tmp_path: Path) -> None:
    big = tmp_path / "weights.bin"
    rng = np.random.default_rng(1)
    with open(big, "wb") as out:
        for _ in range(BUDGET_MB * 2 // 64):
            out.write(rng.integers(0, 256, 64 << 20, dtype=np.uint8).tobytes())
    env = {**os.environ, "CAIRN_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "publish", str(big)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    peak_mb = usage.ru_maxrss / 1024
    assert peak_mb < BUDGET_MB, f"peak resident memory {peak_mb:.0f} MB for a {BUDGET_MB * 2} MB file"
