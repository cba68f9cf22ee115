"""A UnixFS file as a seekable, read-only Python file object: only the blocks a read touches
are fetched (and verified), so a parquet footer or one CSV chunk costs just its blocks."""

from __future__ import annotations

import io

from cairn.chunking.cid import CID
from cairn.storage.blockstore import BlockStore
from cairn.storage.unixfs_read import file_size, iter_range


class UnixFSFile(io.RawIOBase):
    def __init__(self, store: BlockStore, cid: CID, size: int | None = None) -> None:
        self.store = store
        self.cid = cid
        self.size = file_size(store, cid) if size is None else size
        self.position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        end = min(self.size, self.position + len(buffer))
        if end <= self.position:
            return 0
        filled = 0
        for piece in iter_range(self.store, self.cid, self.position, end):
            buffer[filled : filled + len(piece)] = piece
            filled += len(piece)
        self.position += filled
        return filled


def open_file(store: BlockStore, cid: CID, size: int | None = None, buffer_size: int = 1 << 20) -> io.BufferedReader:
    return io.BufferedReader(UnixFSFile(store, cid, size), buffer_size)
