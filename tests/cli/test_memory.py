"""Publishing and pulling a file much larger than the memory budget keep the process's peak
resident memory under it: mapped pages already used are given back as the work goes
(chunking/importer.py for the input, storage/packstore.py for the packs a pull verifies)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BUDGET_MB = 300  # the speed issue's bound for a 4 GB file


def _peak_mb(home: Path, *args: str | Path) -> float:
    env = {**os.environ, "CAIRN_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", *map(str, args)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return usage.ru_maxrss / 1024


@pytest.mark.slow
def test_publish_and_pull_of_a_file_twice_the_budget_stay_under_it(home: Path, tmp_path: Path) -> None:
    big = tmp_path / "weights.bin"
    rng = np.random.default_rng(1)
    with open(big, "wb") as out:
        for _ in range(BUDGET_MB * 2 // 64):
            out.write(rng.integers(0, 256, 64 << 20, dtype=np.uint8).tobytes())
    publish = _peak_mb(home, "publish", big, "--name", "big")
    assert publish < BUDGET_MB, f"publish: peak resident memory {publish:.0f} MB for a {BUDGET_MB * 2} MB file"
    pull = _peak_mb(home, "pull", "big", "-o", tmp_path / "out")
    assert pull < BUDGET_MB, f"pull: peak resident memory {pull:.0f} MB for a {BUDGET_MB * 2} MB file"
    assert (tmp_path / "out" / "weights.bin").stat().st_size == big.stat().st_size
