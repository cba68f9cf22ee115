"""Chunkers: spans cover the input, cut points depend only on content, regions stay independent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cairn.chunking.chunkers import CDCChunker, FixedChunker, chunker_from_name
from cairn.chunking.dag import discard
from cairn.chunking.importer import import_file
from cairn.chunking.profiles import get_profile
from cairn.errors import BadInput
from tests.data import random_bytes, write_safetensors


def _covers(spans: list[tuple[int, int]], size: int) -> bool:
    pos = 0
    for offset, length in spans:
        if offset != pos or length <= 0:
            return False
        pos += length
    return pos == size


@pytest.mark.parametrize("size", [0, 1, 262143, 262144, 262145, 3 * 262144 + 7])
def test_fixed_spans_cover_the_input(size: int) -> None:
    spans = list(FixedChunker(262144).spans(memoryview(bytes(size))))
    assert _covers(spans, size)
    assert all(length <= 262144 for _, length in spans)


def test_cdc_spans_respect_bounds_and_cover_the_input() -> None:
    data = random_bytes(8 << 20)
    spans = list(CDCChunker().spans(memoryview(data)))
    assert _covers(spans, len(data))
    assert all(65536 <= length <= 1048576 for _, length in spans[:-1])
    assert 200_000 < len(data) / len(spans) < 500_000  # mean near avg + min


def test_cdc_resynchronises_after_an_insertion() -> None:
    data = random_bytes(4 << 20)
    edited = data[:1000] + b"inserted" + data[1000:]
    cuts = {o + n for o, n in CDCChunker().spans(memoryview(data))}
    cuts_after = {o + n - 8 for o, n in CDCChunker().spans(memoryview(edited))}
    assert len(cuts & cuts_after) >= len(cuts) - 2


def test_chunker_names() -> None:
    assert chunker_from_name("fixed-1024") == FixedChunker(1024)
    assert isinstance(chunker_from_name("fastcdc"), CDCChunker)
    with pytest.raises(BadInput):
        chunker_from_name("rabin")
    with pytest.raises(BadInput):
        FixedChunker(2 << 20)


def _leaves(path: Path) -> set[bytes]:
    seen: set[bytes] = set()
    import_file(path, get_profile("native-v1"), lambda cid, data: seen.add(cid.raw) if cid.codec == 0x55 else None)
    return seen


def test_changing_one_tensor_changes_only_its_blocks(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    tensors = {f"t{i}": rng.standard_normal(300_000).astype(np.float32) for i in range(6)}
    before = _leaves(write_safetensors(tmp_path / "a.safetensors", tensors))
    tensors["t3"] = tensors["t3"] + 1
    after = _leaves(write_safetensors(tmp_path / "b.safetensors", tensors))
    changed = after - before
    # t3 is 1.2 MB: a handful of blocks, plus nothing else (the header keeps its size and offsets).
    assert 1 <= len(changed) <= 8
    assert len(after & before) >= len(before) - 8


def test_safetensors_with_a_corrupt_header_is_an_error_not_a_fallback(tmp_path: Path) -> None:
    path = tmp_path / "bad.safetensors"
    path.write_bytes((10**6).to_bytes(8, "little") + b"{}")
    from cairn.errors import CorruptInput

    with pytest.raises(CorruptInput):
        import_file(path, get_profile("native-v1"), discard)
