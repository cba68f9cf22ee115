"""The safetensors header: regions for real files, clear errors for corrupt ones."""

from __future__ import annotations

import itertools
import json
import struct
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest

from cairn.chunking.safetensors import parse_header
from cairn.errors import CorruptInput
from tests.data import real_model_dir, write_safetensors


def _header_file(header: Mapping[str, object], data_len: int) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + b"\0" * data_len


def test_regions_cover_the_file_header_first_then_each_tensor(tmp_path: Path) -> None:
    path = write_safetensors(tmp_path / "m.safetensors", {"a": np.ones((4, 4), np.float32), "b": np.zeros(3, np.int64)})
    data = path.read_bytes()
    header = parse_header(data, len(data))
    regions = header.regions(len(data))
    assert regions[0] == (0, header.header_end)
    assert sorted(end - start for start, end in regions[1:]) == [24, 64]
    assert regions[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(regions))


def test_real_model_header_lists_every_tensor() -> None:
    path = real_model_dir() / "model.safetensors"
    head = path.read_bytes()[: 1 << 20]
    header = parse_header(head, path.stat().st_size)
    assert len(header.tensors) > 50
    assert {t.dtype for t in header.tensors} >= {"F32"}
    assert header.tensors[-1].end <= path.stat().st_size


def test_length_past_end_is_corrupt() -> None:
    data = struct.pack("<Q", 1000) + b"{}"
    with pytest.raises(CorruptInput, match="past the end"):
        parse_header(data, len(data))


def test_overlapping_tensors_are_corrupt() -> None:
    header = {"a": {"dtype": "U8", "shape": [8], "data_offsets": [0, 8]},
              "b": {"dtype": "U8", "shape": [8], "data_offsets": [4, 12]}}  # fmt: skip
    data = _header_file(header, 12)
    with pytest.raises(CorruptInput, match="overlap"):
        parse_header(data, len(data))


def test_tensor_past_end_is_corrupt() -> None:
    data = _header_file({"a": {"dtype": "U8", "shape": [8], "data_offsets": [0, 8]}}, 4)
    with pytest.raises(CorruptInput, match="past the end"):
        parse_header(data, len(data))


@pytest.mark.parametrize(
    "payload",
    [b"not json", b"[1, 2]", b'{"a": 5}', b'{"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 4]}}'],
)
def test_malformed_headers_are_corrupt(payload: bytes) -> None:
    data = struct.pack("<Q", len(payload)) + payload + b"\0" * 16
    with pytest.raises(CorruptInput):
        parse_header(data, len(data))


def test_short_file_is_corrupt() -> None:
    with pytest.raises(CorruptInput):
        parse_header(b"\1\0", 2)
