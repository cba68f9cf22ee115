"""Publishing and pulling a file much larger than the memory budget keep the process's peak
resident memory under it: mapped pages already used are given back as the work goes
(chunking/importer.py for the input, storage/packstore.py for the packs a pull verifies)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.cli.helpers import peak_rss_mb
from tests.data import write_safetensors

BUDGET_MB = 300  # the speed issue's bound for a 4 GB file


def _plain_file(path: Path, mb: int) -> Path:
    rng = np.random.default_rng(1)
    with open(path, "wb") as out:
        for _ in range(mb // 64):
            out.write(rng.integers(0, 256, 64 << 20, dtype=np.uint8).tobytes())
    return path


def _safetensors_file(path: Path, mb: int) -> Path:
    """Many tensors: cut on several lanes at once, the other path through the importer."""
    rng = np.random.default_rng(2)
    tensors = {f"layer.{i}": rng.integers(0, 256, 32 << 20, dtype=np.uint8) for i in range(mb // 32)}
    return write_safetensors(path, tensors)


@pytest.mark.slow
@pytest.mark.parametrize("make", [_plain_file, _safetensors_file])
def test_publish_and_pull_of_a_file_four_times_the_budget_stay_under_it(home: Path, tmp_path: Path, make) -> None:
    big = make(tmp_path / ("weights.safetensors" if make is _safetensors_file else "weights.bin"), BUDGET_MB * 4)
    env = {"CAIRN_HOME": str(home), "CAIRN_THREADS": "2"}
    publish = peak_rss_mb("publish", big, "--name", "big", env=env)
    assert publish < BUDGET_MB, f"publish: peak resident memory {publish:.0f} MB for a {BUDGET_MB * 4} MB file"
    pull = peak_rss_mb("pull", "big", "-o", tmp_path / "out", env=env)
    assert pull < BUDGET_MB, f"pull: peak resident memory {pull:.0f} MB for a {BUDGET_MB * 4} MB file"
    assert (tmp_path / "out" / big.name).stat().st_size == big.stat().st_size
