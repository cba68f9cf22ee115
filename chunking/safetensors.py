"""Reading the safetensors header: where each tensor's bytes are, and nothing more.

A safetensors file is an 8-byte little-endian header length, a JSON header, then the tensors'
bytes. Cairn cuts the header and every tensor separately (docs/formats.md, Profiles: native-v1), so a
corrupt header must be an error: guessing would give CIDs nobody can reproduce.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import struct
from dataclasses import dataclass
from typing import Any

from cairn.errors import CorruptInput

MAX_HEADER_BYTES = 100 * 1024 * 1024  # the limit the safetensors library itself enforces
MAX_NESTING = 64  # a real header nests 3 deep; serde_json, which safetensors uses, stops at 128

DTYPE_SIZES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1,
    "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
    "I32": 4, "U32": 4, "F32": 4,
    "I64": 8, "U64": 8, "F64": 8,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class TensorInfo:
    name: str
    dtype: str
    shape: tuple[int, ...]
    start: int  # absolute offset in the file
    end: int


@dataclass(frozen=True, slots=True)
class SafetensorsHeader:
    header_end: int  # 8 + header length: where tensor data begins
    tensors: tuple[TensorInfo, ...]  # sorted by offset
    metadata: dict[str, str]

    def regions(self, file_size: int) -> list[tuple[int, int]]:
        """Byte ranges ``(start, end)`` covering the file: the header, each tensor, any gap."""
        return [(start, end) for start, end, _ in self.typed_regions(file_size)]

    def typed_regions(self, file_size: int) -> list[tuple[int, int, str | None]]:
        """The same ranges, each with the dtype of its tensor (None for the header and gaps)."""
        regions: list[tuple[int, int, str | None]] = [(0, self.header_end, None)]
        pos = self.header_end
        for tensor in self.tensors:
            if tensor.start > pos:
                regions.append((pos, tensor.start, None))
            if tensor.end > tensor.start:
                regions.append((tensor.start, tensor.end, tensor.dtype))
            pos = max(pos, tensor.end)
        if file_size > pos:
            regions.append((pos, file_size, None))
        return regions


def parse_header(head: bytes | memoryview, file_size: int) -> SafetensorsHeader:
    """Parse the header from the first bytes of a file of ``file_size`` bytes.

    ``head`` must hold at least the first ``8 + header length`` bytes (a memory map of the
    whole file is simplest).
    """
    if file_size < 8 or len(head) < 8:
        raise CorruptInput("safetensors file shorter than its 8-byte header length")
    (length,) = struct.unpack("<Q", bytes(head[:8]))
    if length > MAX_HEADER_BYTES:
        raise CorruptInput(f"safetensors header length {length} exceeds {MAX_HEADER_BYTES}")
    if 8 + length > file_size or 8 + length > len(head):
        raise CorruptInput("safetensors header length points past the end of the file")
    raw = bytes(head[8 : 8 + length])
    if _nesting_depth(raw) > MAX_NESTING:
        raise CorruptInput(f"safetensors header is not JSON: nested deeper than {MAX_NESTING}")
    try:
        header = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        # ValueError: not UTF-8, not JSON, or a number of more than 4,300 digits; RecursionError:
        # nesting deeper than Python's stack (100 KB of "[" is enough). All are a corrupt header.
        raise CorruptInput(f"safetensors header is not JSON: {str(exc)[:200]}") from exc
    if not isinstance(header, dict):
        raise CorruptInput("safetensors header is not a JSON object")
    data_start = 8 + length
    _check_text(header)
    metadata = _metadata(header.pop("__metadata__", None))
    tensors = sorted(
        (_tensor(name, entry, data_start, file_size) for name, entry in header.items()),
        key=lambda t: (t.start, t.end),
    )
    for before, after in itertools.pairwise(tensors):
        if after.start < before.end:
            raise CorruptInput(f"safetensors tensors {before.name!r} and {after.name!r} overlap")
    return SafetensorsHeader(data_start, tuple(tensors), metadata)


def _check_text(value: Any) -> None:
    """Refuse lone surrogates (JSON can escape them, ``"\\ud800"``): they are not Unicode text, so
    the tensor index in the manifest could not encode them, and safetensors itself refuses them."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CorruptInput("safetensors header holds a string that is not valid Unicode") from exc


_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _nesting_depth(raw: bytes) -> int:
    """The deepest ``[``/``{`` nesting outside strings. Checked before ``json.loads``: deep enough
    nesting overflows the C stack of Python's JSON decoder (a crash, not an exception) where the
    recursion limit has been raised, as test runners and some libraries do."""
    depth = deepest = 0
    for match in _JSON_TOKENS.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def _metadata(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise CorruptInput("safetensors __metadata__ must map strings to strings")
    return dict(value)


def _tensor(name: str, entry: Any, data_start: int, file_size: int) -> TensorInfo:
    if not isinstance(entry, dict):
        raise CorruptInput(f"safetensors entry {name!r} is not an object")
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if not isinstance(dtype, str) or not isinstance(shape, list) or not isinstance(offsets, list):
        raise CorruptInput(f"safetensors entry {name!r} lacks dtype, shape or data_offsets")
    if not all(_is_size(d) for d in shape):
        raise CorruptInput(f"safetensors entry {name!r} has a bad shape")
    if len(offsets) != 2 or not all(_is_size(o) for o in offsets):
        raise CorruptInput(f"safetensors entry {name!r} has bad data_offsets")
    begin, end = offsets
    if not 0 <= begin <= end or data_start + end > file_size:
        raise CorruptInput(f"safetensors tensor {name!r} points past the end of the file")
    item = DTYPE_SIZES.get(dtype)
    if item is not None and item * math.prod(shape) != end - begin:
        raise CorruptInput(f"safetensors tensor {name!r}: {dtype}{shape} does not fit {end - begin} bytes")
    return TensorInfo(name, dtype, tuple(shape), data_start + begin, data_start + end)


def _is_size(value: Any) -> bool:
    """A non-negative JSON integer; ``true`` and ``false`` are ints to Python, not sizes to safetensors."""
    return type(value) is int and value >= 0
