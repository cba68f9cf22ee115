"""Reading a GGUF header: where each tensor's bytes are, and nothing more.

A GGUF file (llama.cpp's format, versions 2 and 3, little-endian) is a header — magic, version,
tensor count, metadata key/values, one info record per tensor (name, dims, ggml type, offset) —
padded to ``general.alignment`` (default 32), then the tensors' bytes at their offsets. With
``native-v2`` Cairn cuts the header and each tensor as independent regions, so a changed tensor or
a longer metadata block never shifts the chunks of another tensor.

Region boundaries depend only on the offsets, never on the ggml type table: a tensor's region runs
from its offset to the next tensor's (the last to the end of the file), alignment padding
included. The type table serves only to refuse overlapping tensors and to label F32/F16/BF16
regions for compression, so a ggml type added later changes no CID. Every count, length and offset
is checked against the file size before use; a file that claims to be GGUF and is not is refused
(guessing would give CIDs nobody can reproduce).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from cairn.errors import CorruptInput, UnsupportedFormat

MAGIC = b"GGUF"
VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32
MAX_DIMS = 4  # GGML_MAX_DIMS: llama.cpp refuses more
MAX_ARRAY_NESTING = 8  # real files nest none; a bound keeps hostile nesting from recursing deep

# ggml type -> (elements per block, bytes per block), as gguf-py 0.19 lists them (GGML_QUANT_SIZES).
GGML_SIZES = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34), 9: (32, 40),
    10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210), 15: (256, 292),
    16: (256, 66), 17: (256, 74), 18: (256, 98), 19: (256, 50), 20: (32, 18), 21: (256, 110),
    22: (256, 82), 23: (256, 136), 24: (1, 1), 25: (1, 2), 26: (1, 4), 27: (1, 8), 28: (1, 8),
    29: (256, 56), 30: (1, 2), 34: (256, 54), 35: (256, 66), 39: (32, 17), 40: (64, 36), 41: (128, 18),
}  # fmt: skip
FLOAT_LABELS = {0: "F32", 1: "F16", 30: "BF16"}  # the dtype names storage compression knows

# Metadata value types: fixed sizes, then STRING (8) and ARRAY (9).
_FIXED = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY, _UINT32 = 8, 9, 4
_MIN_KV = 8 + 4 + 1  # key length, value type, the smallest value
_MIN_TENSOR_INFO = 8 + 4 + 4 + 8  # name length, dim count, type, offset


@dataclass(frozen=True, slots=True)
class GGUFTensor:
    name: str
    dims: tuple[int, ...]
    ggml_type: int
    start: int  # absolute offset in the file
    size: int | None  # bytes, None for a ggml type this table does not know


@dataclass(frozen=True, slots=True)
class GGUFHeader:
    version: int
    alignment: int
    metadata_end: int  # where the key/values end and the tensor infos begin
    infos_end: int  # where the tensor infos end (alignment padding follows)
    data_start: int  # where tensor data begins: the end of the tensor infos, aligned
    tensors: tuple[GGUFTensor, ...]  # sorted by offset

    def typed_regions(self, file_size: int) -> list[tuple[int, int, str | None]]:
        """``(start, end, dtype)`` ranges partitioning the file: the header block, any gap before the
        first tensor, then each tensor up to the next one's start (the last up to the end)."""
        regions: list[tuple[int, int, str | None]] = [(0, self.data_start, None)]
        starts = [t.start for t in self.tensors]
        if starts and starts[0] > self.data_start:
            regions.append((self.data_start, starts[0], None))
        for index, tensor in enumerate(self.tensors):
            end = starts[index + 1] if index + 1 < len(starts) else file_size
            if end > tensor.start:
                regions.append((tensor.start, end, FLOAT_LABELS.get(tensor.ggml_type)))
        if not self.tensors and file_size > self.data_start:
            regions.append((self.data_start, file_size, None))
        return regions


class _Reader:
    """Little-endian fields read from a buffer, each checked against its end before use."""

    def __init__(self, data: bytes | memoryview, size: int) -> None:
        self.data, self.size, self.pos = data, min(size, len(data)), 0

    def take(self, count: int, what: str) -> int:
        if count < 0 or self.pos + count > self.size:
            raise CorruptInput(f"GGUF {what} runs past the end of the file")
        start = self.pos
        self.pos += count
        return start

    def u32(self, what: str) -> int:
        return int(struct.unpack_from("<I", self.data, self.take(4, what))[0])

    def u64(self, what: str) -> int:
        return int(struct.unpack_from("<Q", self.data, self.take(8, what))[0])

    def string(self, what: str) -> str:
        length = self.u64(what)
        start = self.take(length, what)
        try:
            return bytes(self.data[start : start + length]).decode("utf-8")
        except UnicodeDecodeError:
            raise CorruptInput(f"GGUF {what} is not UTF-8") from None

    def left(self) -> int:
        return self.size - self.pos


def parse_gguf(data: bytes | memoryview, file_size: int) -> GGUFHeader:
    """Parse the header of a GGUF file of ``file_size`` bytes; ``data`` holds the whole file (a
    memory map is simplest), or at least its header."""
    reader = _Reader(data, file_size)
    if file_size < 4 or bytes(data[:4]) != MAGIC:
        raise CorruptInput("not a GGUF file: it does not start with the bytes 'GGUF'")
    reader.take(4, "magic")
    version = reader.u32("version")
    if version not in VERSIONS:
        raise UnsupportedFormat(f"GGUF version {version} is not supported (only 2 and 3, little-endian)")
    tensor_count, kv_count = reader.u64("tensor count"), reader.u64("metadata count")
    if kv_count > reader.left() // _MIN_KV:
        raise CorruptInput(f"GGUF metadata count {kv_count} cannot fit in the file")
    if tensor_count > reader.left() // _MIN_TENSOR_INFO:
        raise CorruptInput(f"GGUF tensor count {tensor_count} cannot fit in the file")
    alignment = DEFAULT_ALIGNMENT
    for _ in range(kv_count):
        key = reader.string("metadata key")
        kind = reader.u32("metadata type")
        if key == "general.alignment":
            alignment = _alignment(reader, kind)
        else:
            _skip_value(reader, kind, 0)
    metadata_end = reader.pos
    infos = [_tensor_info(reader) for _ in range(tensor_count)]
    data_start = _align(reader.pos, alignment)
    if data_start > file_size and not infos:
        data_start = file_size  # a metadata-only file (a vocabulary) ends unpadded after its header
    if data_start > file_size:
        raise CorruptInput("GGUF header padding runs past the end of the file")
    tensors = sorted((_tensor(info, data_start, alignment, file_size) for info in infos), key=lambda t: t.start)
    _check_layout(tensors, file_size)
    return GGUFHeader(version, alignment, metadata_end, reader.pos, data_start, tuple(tensors))


def _alignment(reader: _Reader, kind: int) -> int:
    if kind != _UINT32:
        raise CorruptInput("GGUF general.alignment is not a uint32")
    value = reader.u32("general.alignment")
    if value == 0 or value & (value - 1):
        raise CorruptInput(f"GGUF general.alignment {value} is not a power of two")
    return value


def _skip_value(reader: _Reader, kind: int, depth: int) -> None:
    if kind in _FIXED:
        reader.take(_FIXED[kind], "metadata value")
    elif kind == _STRING:
        reader.take(reader.u64("metadata string"), "metadata string")
    elif kind == _ARRAY:
        if depth >= MAX_ARRAY_NESTING:
            raise CorruptInput(f"GGUF metadata arrays nest deeper than {MAX_ARRAY_NESTING}")
        item, count = reader.u32("array type"), reader.u64("array length")
        if item in _FIXED:
            if count > reader.left() // _FIXED[item]:
                raise CorruptInput("GGUF metadata array runs past the end of the file")
            reader.take(count * _FIXED[item], "metadata array")
            return
        if count > reader.left() // 8:  # every string or nested array takes at least 8 bytes
            raise CorruptInput("GGUF metadata array runs past the end of the file")
        if item == _STRING:
            _skip_strings(reader, count)
            return
        for _ in range(count):
            _skip_value(reader, item, depth + 1)
    else:
        raise CorruptInput(f"GGUF metadata value type {kind} is unknown")


_U64 = struct.Struct("<Q")


def _skip_strings(reader: _Reader, count: int) -> None:
    """Skip an array of strings: a tokenizer's vocabulary is one of 32k-256k, so this loop is the
    header's hot path (a tight loop here parses a 6.5 MB header in a few tens of ms)."""
    data, pos, size, unpack = reader.data, reader.pos, reader.size, _U64.unpack_from
    for _ in range(count):
        if pos + 8 > size:
            raise CorruptInput("GGUF metadata string runs past the end of the file")
        pos += 8 + unpack(data, pos)[0]
    if pos > size:
        raise CorruptInput("GGUF metadata string runs past the end of the file")
    reader.pos = pos


_Info = tuple[str, tuple[int, ...], int, int]


def _tensor_info(reader: _Reader) -> _Info:
    name = reader.string("tensor name")
    n_dims = reader.u32("tensor dimension count")
    if n_dims > MAX_DIMS:
        raise CorruptInput(f"GGUF tensor {name!r} has {n_dims} dimensions (at most {MAX_DIMS})")
    dims = tuple(reader.u64("tensor dimension") for _ in range(n_dims))
    return name, dims, reader.u32("tensor type"), reader.u64("tensor offset")


def _tensor(info: _Info, data_start: int, alignment: int, file_size: int) -> GGUFTensor:
    name, dims, kind, offset = info
    if offset % alignment:
        raise CorruptInput(f"GGUF tensor {name!r} offset {offset} is not a multiple of {alignment}")
    if offset > file_size - data_start:
        raise CorruptInput(f"GGUF tensor {name!r} points past the end of the file")
    return GGUFTensor(name, dims, kind, data_start + offset, _size(name, dims, kind, file_size))


def _size(name: str, dims: tuple[int, ...], kind: int, file_size: int) -> int | None:
    if kind not in GGML_SIZES:
        return None  # a newer ggml type: its region still ends where the next tensor starts
    block, per_block = GGML_SIZES[kind]
    if dims and dims[0] % block:
        raise CorruptInput(f"GGUF tensor {name!r}: first dimension {dims[0]} is not a multiple of {block}")
    elements = math.prod(dims)
    if elements // block > file_size:  # bounds the product before it is used as a size
        raise CorruptInput(f"GGUF tensor {name!r} is larger than the file")
    return elements // block * per_block


def _check_layout(tensors: list[GGUFTensor], file_size: int) -> None:
    names: set[str] = set()
    for index, tensor in enumerate(tensors):
        if tensor.name in names:
            raise CorruptInput(f"GGUF tensor {tensor.name!r} appears twice")
        names.add(tensor.name)
        limit = tensors[index + 1].start if index + 1 < len(tensors) else file_size
        if tensor.size is not None and tensor.start + tensor.size > limit:
            if limit == file_size:
                raise CorruptInput(f"GGUF tensor {tensor.name!r} runs past the end of the file")
            raise CorruptInput(f"GGUF tensors {tensor.name!r} and {tensors[index + 1].name!r} overlap")


def _align(position: int, alignment: int) -> int:
    return position + (-position % alignment)
