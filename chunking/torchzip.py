"""Reading a PyTorch zip checkpoint: where each stored tensor storage's bytes are, and nothing more.

``torch.save`` (since PyTorch 1.6) writes a zip archive: ``<name>/data.pkl`` (the pickled object
tree), a few small records, and one member ``<name>/data/<key>`` per tensor storage, all stored
uncompressed (ZIP_STORED) with their data aligned to 64 bytes. With ``native-v2`` Cairn cuts each
member's data as an independent region; the local file headers and the central directory are the
gaps between them. A changed storage then never shifts the chunks of another, whatever the
lengths of the names before it.
The float storages (F32, F16, BF16) are labelled with their dtype for storage compression, read
from the persistent ids in data.pkl with ``pickletools``, which parses a pickle without running
it; a label never moves a boundary, so a data.pkl that does not parse only loses the labels.

The central directory is read with ``zipfile``; every local header and data range is checked
against the file size and against its neighbours before use. A zip that is not a torch checkpoint,
or that holds compressed or encrypted members, is cut as one region (as ``native-v1`` does); one
that does not parse is refused.
"""

from __future__ import annotations

import io
import itertools
import pickletools
import struct
import warnings
import zipfile
from dataclasses import dataclass

from cairn.errors import CorruptInput

ZIP_MAGIC = b"PK\x03\x04"
MAX_PICKLE_BYTES = 64 << 20  # data.pkl is KBs to a few MB; past this its storages go unlabelled
STORAGE_DTYPES = {"torch FloatStorage": "F32", "torch HalfStorage": "F16", "torch BFloat16Storage": "BF16"}
LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature ... name length, extra length: 30 bytes


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    header: int  # where its local header begins
    start: int  # where its data begins, after the local header
    end: int


def is_zip(data: bytes | memoryview) -> bool:
    return bytes(data[:4]) == ZIP_MAGIC


def torch_zip_regions(data: memoryview, file_size: int) -> list[tuple[int, int, str | None]] | None:
    """``(start, end, dtype)`` ranges partitioning the file, one per member's data and one per gap
    between them; None when the file is not a torch zip of stored members (cut it whole). The
    dtype (F32, F16, BF16, for storage compression) never moves a boundary."""
    members = stored_members(data, file_size)
    if members is None:
        return None
    dtypes = _member_dtypes(data, members)
    regions: list[tuple[int, int, str | None]] = []
    pos = 0
    for member in members:
        if member.start > pos:
            regions.append((pos, member.start, None))
        if member.end > member.start:
            regions.append((member.start, member.end, dtypes.get(member.name)))
        pos = member.end
    if file_size > pos:
        regions.append((pos, file_size, None))
    return regions


def stored_members(data: memoryview, file_size: int) -> list[Member] | None:
    """The members of a torch zip in file order, or None when it is not one whose members are all
    stored uncompressed. Raises CorruptInput when the zip does not parse or its members overlap."""
    if file_size < len(ZIP_MAGIC) or not is_zip(data):
        return None
    infos = _central_directory(data[:file_size])
    if not any(info.filename == "data.pkl" or info.filename.endswith("/data.pkl") for info in infos):
        return None
    if any(info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 1 for info in infos):
        return None
    members = sorted((_member(data, file_size, info) for info in infos), key=lambda m: m.start)
    for before, after in itertools.pairwise(members):
        if after.header < before.end:
            raise CorruptInput(f"zip members {before.name!r} and {after.name!r} overlap")
    return members


def _member_dtypes(data: memoryview, members: list[Member]) -> dict[str, str]:
    """Member name -> dtype of the storage it holds, for the float storages data.pkl names."""
    pickles = [m for m in members if m.name == "data.pkl" or m.name.endswith("/data.pkl")]
    if len(pickles) != 1 or pickles[0].end - pickles[0].start > MAX_PICKLE_BYTES:
        return {}
    prefix = pickles[0].name[: -len("data.pkl")] + "data/"
    found = storage_dtypes(bytes(data[pickles[0].start : pickles[0].end]))
    return {prefix + key: dtype for key, dtype in found.items()}


def storage_dtypes(pickle: bytes) -> dict[str, str]:
    """Storage key -> dtype, from the persistent ids ``('storage', torch.FloatStorage, key, ...)``
    that torch.save pickles for each storage. ``pickletools`` parses the pickle without running
    it; the labels only guide compression, so a pickle that does not parse just gives none."""
    with warnings.catch_warnings():  # a STRING opcode with a bad escape warns; it is data, not code
        warnings.simplefilter("ignore")
        return _storage_dtypes(pickle)


def _storage_dtypes(pickle: bytes) -> dict[str, str]:
    memo: dict[int, object] = {}
    recent: list[object] = [None, None, None]
    found: dict[str, str] = {}
    try:
        for op, arg, _ in pickletools.genops(pickle):
            if op.name in ("BINPUT", "LONG_BINPUT", "PUT", "MEMOIZE"):
                memo[len(memo) if op.name == "MEMOIZE" else _index(arg)] = recent[-1]
                continue
            value = memo.get(_index(arg)) if op.name in ("BINGET", "LONG_BINGET", "GET") else _value(op.name, arg)
            recent = [*recent[1:], value]
            marker, storage, key = recent
            if marker == "storage" and isinstance(storage, _Global) and isinstance(key, str):
                dtype = STORAGE_DTYPES.get(storage.name)
                if dtype is not None:
                    found[key] = dtype
    except (ValueError, struct.error, EOFError, OverflowError, IndexError, KeyError):
        return {}
    return found


@dataclass(frozen=True, slots=True)
class _Global:
    name: str  # "module qualname", as the GLOBAL opcode spells it


def _index(arg: object) -> int:
    if not isinstance(arg, int):  # pickletools gives every memo opcode an int; refuse anything else
        raise ValueError("memo index is not an integer")
    return arg


def _value(opcode: str, arg: object) -> object:
    if opcode == "GLOBAL" and isinstance(arg, str):
        return _Global(arg)
    return arg if isinstance(arg, str) and "UNICODE" in opcode else None


def _central_directory(data: memoryview) -> list[zipfile.ZipInfo]:
    try:
        with zipfile.ZipFile(_ViewFile(data)) as archive:
            return archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, struct.error, EOFError, OverflowError,
            NotImplementedError, KeyError, IndexError) as exc:  # fmt: skip
        raise CorruptInput(f"zip central directory does not parse: {str(exc)[:200]}") from exc


def _member(data: memoryview, file_size: int, info: zipfile.ZipInfo) -> Member:
    offset = info.header_offset
    if not 0 <= offset <= file_size - LOCAL_HEADER.size:
        raise CorruptInput(f"zip member {info.filename!r} has its header past the end of the file")
    fields = LOCAL_HEADER.unpack_from(data, offset)
    if fields[0] != ZIP_MAGIC:
        raise CorruptInput(f"zip member {info.filename!r} has no local header where the directory says")
    start = offset + LOCAL_HEADER.size + fields[-2] + fields[-1]
    if info.file_size != info.compress_size:
        raise CorruptInput(f"zip member {info.filename!r} is stored but its sizes differ")
    end = start + info.compress_size
    if end > file_size:
        raise CorruptInput(f"zip member {info.filename!r} runs past the end of the file")
    return Member(info.filename, offset, start, end)


class _ViewFile(io.RawIOBase):
    """A seekable read-only file over a buffer, so ``zipfile`` reads a memory map without a copy."""

    def __init__(self, data: memoryview) -> None:
        self.data, self.pos = data, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: len(self.data)}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self.pos = base + offset
        return self.pos

    def tell(self) -> int:
        return self.pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self.data[self.pos : self.pos + len(buffer)]
        buffer[: len(chunk)] = chunk
        self.pos += len(chunk)
        return len(chunk)
