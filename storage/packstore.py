"""The local block store, the embedded default: append-only pack files plus a location table.

Why packs: measured on this 2-core VM (bench/layout.py, 2 GiB of 256 KiB blocks made durable
once), one file per block wrote 271 MiB/s and a pack file 1073 MiB/s; a file per block also
costs an inode per 256 KiB. A pack entry is ``flags u8 | cid length u8 | stored length u32le |
cid | bytes``, so a pack describes itself and the table can be rebuilt by scanning it. ``flags``
is the block's at-rest compression (storage/compression.py; 0 when stored as is, the default:
compression is a setting of the home, ``compression = "zstd"``).

Crash safety: a writer appends blocks, then fsyncs the pack, and only then records their
locations (one SQLite transaction). A block is visible only once its location is committed, so
a crash leaves at most an unreferenced tail that ``gc`` reclaims. Every read is verified.

Writers and gc: ``writing()`` is a write session, which holds ``gc.lock`` shared from its start
to its end; gc (storage/gc.py) holds it exclusive, and reads its roots only once it has it. A
caller that stores blocks and then the index rows naming them (the roots gc keeps) opens one
session around both (``Repo.writing()``), so no block it wrote, or found already stored and
relied on, can be collected in between. A pack writer always joins a session for its own
lifetime; a store opened with ``writes_need_session`` (a home's, through ``Repo``) refuses a
writer outside one, so a workflow that forgets the session fails loudly instead of racing gc.
"""

from __future__ import annotations

import contextlib
import fcntl
import mmap
import os
import secrets
import sqlite3
import struct
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

from cairn.chunking.cid import CID
from cairn.errors import BadInput, BlockNotFound, IntegrityError
from cairn.storage.appender import BackgroundAppender
from cairn.storage.compression import BlockCompressor, Codec, decompress
from cairn.storage.sqlite import open_sqlite

ENTRY_HEAD = struct.Struct("<BBI")
PACK_SUFFIX = ".pack"
MAX_PACK_BYTES = 1 << 30  # start a new pack past 1 GiB so gc can rewrite packs piecemeal
CHECKPOINT_BYTES = 256 << 20  # make blocks durable and visible at least this often
FAULT_AROUND = 64 << 10  # Linux maps up to this much around a page fault on a file mapping
COMPRESSING_AHEAD = 8  # blocks handed to the compression threads before the writer waits for the oldest

_SCHEMA = """
CREATE TABLE IF NOT EXISTS blocks (
    cid BLOB PRIMARY KEY,
    pack TEXT NOT NULL,
    offset INTEGER NOT NULL,
    length INTEGER NOT NULL,
    flags INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS blocks_by_pack ON blocks (pack);
CREATE TABLE IF NOT EXISTS loose (
    cid BLOB PRIMARY KEY,
    stored_at REAL NOT NULL
) WITHOUT ROWID;
"""


class PackStore:
    """Blocks in ``<root>/packs/*.pack``, located through ``<root>/blocks.sqlite``."""

    def __init__(self, root: Path, compression: bool = False, writes_need_session: bool = False) -> None:
        self.root = root
        self.compression = compression  # for blocks written from now on; reads handle both
        self.writes_need_session = writes_need_session
        self.packs = root / "packs"
        self._db: sqlite3.Connection | None = None
        self._fds: dict[str, int] = {}
        self._maps: dict[str, mmap.mmap] = {}
        self._lock = threading.Lock()
        self._sessions = 0  # write sessions open on this object (nested, or on several threads)
        self._session_fd = -1  # gc.lock, held shared while any is open
        self._session_lock = threading.Lock()

    # -- plumbing -------------------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self.packs.mkdir(parents=True, exist_ok=True)
            self._db = open_sqlite(self.root / "blocks.sqlite", _SCHEMA)
        return self._db

    def close(self) -> None:
        self._maps.clear()  # unmapped when the last view of each is gone
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()
        if self._db is not None:
            self._db.close()
            self._db = None

    def _fd(self, pack: str) -> int:
        with self._lock:
            return self._fd_unlocked(pack)

    def _fd_unlocked(self, pack: str) -> int:
        fd = self._fds.get(pack)
        if fd is None:
            fd = os.open(self.packs / pack, os.O_RDONLY)
            self._fds[pack] = fd
        return fd

    def _location(self, cid: CID) -> tuple[str, int, int, int] | None:
        row = self.db.execute("SELECT pack, offset, length, flags FROM blocks WHERE cid = ?", (cid.raw,)).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3])

    # -- BlockStore -----------------------------------------------------------------------
    def has(self, cid: CID) -> bool:
        return self.db.execute("SELECT 1 FROM blocks WHERE cid = ?", (cid.raw,)).fetchone() is not None

    def size(self, cid: CID) -> int:
        """A block's length without reading it (what plans of uploads need), from the table."""
        location = self._location(cid)
        if location is None:
            raise BlockNotFound(f"block {cid} is not in the local store")
        return location[2] if location[3] == 0 else len(self.get(cid))

    def get(self, cid: CID) -> bytes:
        return self._read(cid, self._find(cid))[2]

    def get_stored(self, cid: CID) -> tuple[int, bytes]:
        """A block as stored, ``(flags, bytes)``, verified: what a peer that can decompress is
        sent, so compressed blocks cross the network as small as they sit on disk."""
        flags, stored, _ = self._read(cid, self._find(cid))
        return flags, stored

    def _read(self, cid: CID, location: tuple[str, int, int, int]) -> tuple[int, bytes, bytes]:
        """``(flags, stored bytes, block bytes)`` of a located block, the block bytes verified."""
        pack, offset, length, flags = location
        try:
            stored = os.pread(self._fd(pack), length, offset)
        except OSError as exc:
            raise IntegrityError(f"block {cid}: cannot read {pack}: {exc.strerror}") from exc
        if len(stored) != length:
            raise IntegrityError(f"block {cid} in the local store is truncated")
        data = stored if flags == Codec.NONE else _decompressed(cid, flags, stored)
        if not cid.matches(data):
            raise IntegrityError(f"block {cid} in the local store is corrupt")
        return flags, stored, data

    def verify_in_place(self, cid: CID) -> tuple[memoryview, tuple[int, int] | None]:
        """A block's bytes verified where they lie, and where that is: ``(view, (pack fd, offset))``.

        The view is a slice of a read-only map of the pack, so hashing reads the page cache with
        no copy into a buffer, and a writer may then copy that same (immutable, append-only)
        range kernel-side with ``copy_file_range``. A compressed block is decompressed instead,
        and lies nowhere as is (``None``).
        """
        location = self._find(cid)
        pack, offset, length, flags = location
        if flags != Codec.NONE:
            return memoryview(self._read(cid, location)[2]), None
        mapped = self._map(pack, offset + length)
        if mapped is None:
            raise IntegrityError(f"block {cid} in the local store is truncated")
        view = memoryview(mapped)[offset : offset + length]
        if not cid.matches(view):
            raise IntegrityError(f"block {cid} in the local store is corrupt")
        # Mapped pages once read count as this process's memory until dropped: drop them now (the
        # page cache keeps them; a later read of the view faults them back in), so a pull of any
        # size stays small. The kernel maps up to 64 KiB around each fault ("fault-around"), so
        # the tail of the block before is dropped again too.
        start = max(0, offset - offset % FAULT_AROUND - FAULT_AROUND)
        mapped.madvise(mmap.MADV_DONTNEED, start, offset + length - start)
        return view, (self._fd(pack), offset)

    def _map(self, pack: str, end: int) -> mmap.mmap | None:
        """A read-only map of ``pack`` covering at least ``end`` bytes (None if the file is shorter)."""
        with self._lock:
            mapped = self._maps.get(pack)
            if mapped is None or len(mapped) < end:
                size = os.fstat(self._fd_unlocked(pack)).st_size
                if size < end:
                    return None
                mapped = mmap.mmap(self._fd_unlocked(pack), size, access=mmap.ACCESS_READ)
                self._maps[pack] = mapped  # an older, shorter map stays valid for views still held
            return mapped

    def _find(self, cid: CID) -> tuple[str, int, int, int]:
        location = self._location(cid)
        if location is None:
            raise BlockNotFound(f"block {cid} is not in the local store")
        return location

    def put(self, cid: CID, data: bytes | memoryview) -> bool:
        with self.writer() as writer:
            return writer.put(cid, data)

    def iter_cids(self) -> Iterator[CID]:
        for (raw,) in self.db.execute("SELECT cid FROM blocks").fetchall():
            yield CID(raw)

    def count(self) -> int:
        row = self.db.execute("SELECT count(*) FROM blocks").fetchone()
        return int(row[0])

    def writer(self) -> PackWriter:
        return PackWriter(self)

    def put_loose(self, cid: CID, data: bytes | memoryview) -> bool:
        """Store a block that no record names yet (``PUT /v1/blocks``): gc keeps it for a grace
        period after its last put (``storage/gc.py``, ``LOOSE_GRACE_SECONDS``), time for the
        record that names it to arrive."""
        with self.writing():
            new = self.put(cid, data)
            with self.db as db:
                db.execute("INSERT OR REPLACE INTO loose (cid, stored_at) VALUES (?, ?)", (cid.raw, time.time()))
        return new

    def loose_since(self, cutoff: float) -> list[CID]:
        """The blocks put loose since ``cutoff`` (a Unix time); older marks are dropped (gc's, under its lock)."""
        with self.db as db:
            db.execute("DELETE FROM loose WHERE stored_at < ?", (cutoff,))
            return [CID(raw) for (raw,) in db.execute("SELECT cid FROM loose").fetchall()]

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """A write session: gc waits for it to end before it reads its roots, and no gc can start
        while it is open. Open one around storing blocks *and* writing the index rows that name
        them. Sessions nest and may be open on several threads: the lock is held while any is."""
        with self._session_lock:
            if self._sessions == 0:
                self._session_fd = self.gc_lock(exclusive=False)  # waits while a gc runs
            self._sessions += 1
        try:
            yield
        finally:
            with self._session_lock:
                self._sessions -= 1
                if self._sessions == 0:
                    os.close(self._session_fd)
                    self._session_fd = -1

    @property
    def in_session(self) -> bool:
        return self._sessions > 0

    def gc_lock(self, exclusive: bool) -> int:
        """Write sessions hold this shared and gc exclusive (one flock on ``gc.lock``, per home)."""
        self.db  # noqa: B018 - creates the folder
        fd = os.open(self.root / "gc.lock", os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        return fd

    def delete_many(self, cids: list[CID]) -> None:
        """Forget blocks; their bytes stay in the packs until ``repack`` rewrites them."""
        with self.db:
            self.db.executemany("DELETE FROM blocks WHERE cid = ?", [(c.raw,) for c in cids])


class PackWriter:
    """Append blocks to a pack this writer holds locked; ``commit`` makes them durable and visible.

    Used as a context manager: leaving it by an exception truncates what was not committed.
    """

    def __init__(self, store: PackStore, replace: bool = False) -> None:
        self.store = store
        self.replace = replace  # gc's repack (under gc's own lock): a fresh pack, and locations of recorded blocks move
        self.session = contextlib.ExitStack()
        if not replace:
            if store.writes_need_session and not store.in_session:
                raise RuntimeError("blocks written outside a write session (Repo.writing()): gc could collect them")
            self.session.enter_context(store.writing())
        self.pending: dict[bytes, tuple[int, int, int]] = {}  # cid -> offset, stored length, flags
        # Compression runs on threads (zstd releases the GIL) while the caller cuts and hashes; blocks
        # still reach the pack in the order they were appended.
        self.compressors = _Compressors() if store.compression else None
        self.compressing: deque[tuple[CID, bytes | memoryview, Future[tuple[Codec, bytes] | None]]] = deque()
        self.queued: set[bytes] = set()
        self.dtype: str | None = None  # what the blocks being appended hold (a safetensors dtype)
        self.bytes_new = 0
        self.blocks_new = 0
        try:
            self.pack, self.fd = self._open_pack()
        except BaseException:
            self.session.close()
            raise
        self.committed_end = os.lseek(self.fd, 0, os.SEEK_END)
        self.end = self.committed_end
        self.appender = BackgroundAppender(self.fd)

    def _open_pack(self) -> tuple[str, int]:
        """Reuse the newest unlocked pack below the size limit, else start a new one."""
        self.store.db  # noqa: B018 - creates the folders on first use
        reusable = (
            []
            if self.replace
            else sorted(self.store.packs.glob(f"*{PACK_SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)[:4]
        )
        for path in reusable:
            if path.stat().st_size >= MAX_PACK_BYTES:
                continue
            fd = os.open(path, os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return path.name, fd
            except BlockingIOError:
                os.close(fd)
        name = f"pack-{secrets.token_hex(8)}{PACK_SUFFIX}"
        fd = os.open(self.store.packs / name, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        _fsync_dir(self.store.packs)
        return name, fd

    def __enter__(self) -> PackWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if kind is None:
                self.commit()
            else:
                self.abort()
        finally:
            self.appender.close()
            if self.compressors is not None:
                self.compressors.close()
            os.close(self.fd)
            self.session.close()

    def has(self, cid: CID) -> bool:
        return cid.raw in self.pending or cid.raw in self.queued or self.store.has(cid)

    def get(self, cid: CID) -> bytes:
        """A block written by this writer (not yet committed) or already in the store, verified."""
        if cid.raw in self.queued:
            self._write_compressed(0)
        location = self.pending.get(cid.raw)
        if location is None:
            return self.store.get(cid)
        offset, length, flags = location
        self.appender.drain()
        data = os.pread(self.fd, length, offset)
        if flags != Codec.NONE:
            data = _decompressed(cid, flags, data)
        if not cid.matches(data):
            raise IntegrityError(f"block {cid} just written is corrupt")
        return data

    def iter_cids(self) -> Iterator[CID]:
        yield from (CID(raw) for raw in self.pending)
        yield from self.store.iter_cids()

    def put(self, cid: CID, data: bytes | memoryview) -> bool:
        """Append ``data`` as ``cid`` (which the caller computed or verified) unless already stored."""
        if self.has(cid):
            return False
        self.append(cid, data)
        return True

    def layout(self, dtype: str | None) -> None:
        """Say what the next blocks hold (the importer calls this per safetensors tensor), so that
        compression can pick a float codec."""
        self.dtype = dtype

    def append(self, cid: CID, data: bytes | memoryview) -> None:
        """Queue ``data`` for writing; it must stay valid until ``flush()`` (see storage/appender.py)."""
        self.bytes_new += len(data)
        self.blocks_new += 1
        if self.compressors is None:
            self._write(cid, Codec.NONE, data)
        else:
            self.compressing.append((cid, data, self.compressors.submit(data, self.dtype)))
            self.queued.add(cid.raw)
            self._write_compressed(COMPRESSING_AHEAD)
        if self.end - self.committed_end > CHECKPOINT_BYTES:
            self.commit()

    def _write(self, cid: CID, flags: Codec, stored: bytes | memoryview) -> None:
        head = ENTRY_HEAD.pack(flags, len(cid.raw), len(stored)) + cid.raw
        self.appender.write_at(self.end, (head, stored))
        self.pending[cid.raw] = (self.end + len(head), len(stored), flags)
        self.end += len(head) + len(stored)

    def _write_compressed(self, keep: int) -> None:
        """Write the oldest compressed blocks, in order, until at most ``keep`` are in flight."""
        while len(self.compressing) > keep:
            cid, data, future = self.compressing.popleft()
            self.queued.discard(cid.raw)
            flags, stored = future.result() or (Codec.NONE, data)
            self._write(cid, flags, stored)

    def flush(self) -> None:
        """Wait until every queued block is written, so the caller may release its buffers."""
        self._write_compressed(0)
        self.appender.drain()

    def commit(self) -> None:
        """Make every block so far durable, then visible."""
        self._write_compressed(0)
        self.appender.drain()
        if not self.pending:
            return
        os.fsync(self.fd)
        with self.store.db as db:
            verb = "INSERT OR REPLACE" if self.replace else "INSERT OR IGNORE"
            db.executemany(
                f"{verb} INTO blocks (cid, pack, offset, length, flags) VALUES (?, ?, ?, ?, ?)",
                [(raw, self.pack, offset, length, flags) for raw, (offset, length, flags) in self.pending.items()],
            )
        self.pending.clear()
        self.committed_end = self.end

    def abort(self) -> None:
        """Drop what was appended since the last commit."""
        for _, _, future in self.compressing:
            future.cancel()
        self.compressing.clear()
        self.queued.clear()
        with contextlib.suppress(OSError):  # the bytes are being dropped anyway
            self.appender.drain()
        self.pending.clear()
        os.ftruncate(self.fd, self.committed_end)
        self.end = self.committed_end


def scan_pack(path: Path) -> Iterator[tuple[CID, int, int, int]]:
    """Yield ``(cid, data offset, length, flags)`` of every complete entry in a pack file."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        pos = 0
        while pos + ENTRY_HEAD.size <= size:
            flags, cid_len, length = ENTRY_HEAD.unpack(handle.read(ENTRY_HEAD.size))
            raw = handle.read(cid_len)
            data_at = pos + ENTRY_HEAD.size + cid_len
            if data_at + length > size:
                return  # a torn tail from an interrupted writer
            try:
                cid = CID.decode(raw)
            except BadInput:
                return
            yield cid, data_at, length, flags
            handle.seek(length, os.SEEK_CUR)
            pos = data_at + length


class _Compressors:
    """A few threads, each with its own zstd context, compressing blocks for one writer."""

    def __init__(self) -> None:
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="cairn-zstd")

    def submit(self, data: bytes | memoryview, dtype: str | None) -> Future[tuple[Codec, bytes] | None]:
        return self.pool.submit(self._compress, data, dtype)

    def _compress(self, data: bytes | memoryview, dtype: str | None) -> tuple[Codec, bytes] | None:
        compressor = getattr(self.local, "compressor", None)
        if compressor is None:
            compressor = self.local.compressor = BlockCompressor()
        return compressor.compress(data, dtype)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _decompressed(cid: CID, flags: int, stored: bytes) -> bytes:
    try:
        return decompress(flags, stored)
    except IntegrityError as exc:
        raise IntegrityError(f"block {cid} in the local store: {exc}") from None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
