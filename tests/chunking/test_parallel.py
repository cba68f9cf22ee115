"""Cutting and hashing on several threads changes nothing: the same blocks reach the sink in the
same order and the file has the same CID, for real and synthetic models and for plain files."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from cairn.chunking.cid import CID
from cairn.chunking.importer import import_file
from cairn.chunking.profiles import get_profile
from tests.data import random_bytes, real_model_dir, small_model, write_safetensors


def _blocks(path: Path, profile: str, threads: int) -> tuple[CID, list[CID]]:
    seen: list[CID] = []
    root = import_file(path, get_profile(profile), lambda cid, data: seen.append(cid), threads=threads)
    return root.cid, seen


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    plain = tmp_path / "plain.bin"
    plain.write_bytes(random_bytes(5 << 20, seed=3))
    return [
        real_model_dir() / "model.safetensors",
        write_safetensors(tmp_path / "synthetic.safetensors", small_model(seed=4, layers=9)),
        plain,
        real_model_dir() / "tokenizer.json",
    ]


@pytest.mark.parametrize("profile", ["native-v1", "kubo", "unixfs-v1-2025"])
def test_any_number_of_threads_gives_the_same_blocks_in_the_same_order(files: list[Path], profile: str) -> None:
    for path in files:
        expected = _blocks(path, profile, threads=1)
        for threads in (2, 3, 8):
            assert _blocks(path, profile, threads) == expected, (path.name, threads)


def test_a_failing_sink_stops_every_lane(tmp_path: Path) -> None:
    path = write_safetensors(tmp_path / "m.safetensors", small_model(seed=5, layers=12))
    calls = 0

    def sink(cid: CID, data: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 10:
            raise OSError("disk full")

    before = threading.active_count()
    with pytest.raises(OSError, match="disk full"):
        import_file(path, get_profile("native-v1"), sink, threads=4)
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() == before
