"""Reading a PyTorch zip checkpoint: where each stored tensor storage's bytes are, and nothing more.

``torch.save`` (since PyTorch 1.6) writes a zip archive: ``<name>/data.pkl`` (the pickled object
tree), a few small records, and one member ``<name>/data/<key>`` per tensor storage, all stored
uncompressed (ZIP_STORED) with their data aligned to 64 bytes. With ``native-v2`` Cairn cuts each
member's data as an independent region; the local file headers and the central directory are the
gaps between them. A changed storage then never shifts the chunks of another, whatever the
lengths of the names before it.

The central directory is read with ``zipfile``; every local header and data range is checked
against the file size and against its neighbours before use. A zip that is not a torch checkpoint,
or that holds compressed or encrypted members, is cut as one region (as ``native-v1`` does); one
that does not parse is refused.
"""

from __future__ import annotations

import io
import itertools
import struct
import zipfile
from dataclasses import dataclass

from cairn.errors import CorruptInput

ZIP_MAGIC = b"PK\x03\x04"
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
    """``(start, end, None)`` ranges partitioning the file, one per member's data and one per gap
    between them; None when the file is not a torch zip of stored members (cut it whole)."""
    members = stored_members(data, file_size)
    if members is None:
        return None
    regions: list[tuple[int, int, str | None]] = []
    pos = 0
    for member in members:
        if member.start > pos:
            regions.append((pos, member.start, None))
        if member.end > member.start:
            regions.append((member.start, member.end, None))
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
