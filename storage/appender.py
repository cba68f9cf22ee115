"""Writing pack bytes on a background thread, so cutting and hashing (main thread) overlap with
the kernel copying into the page cache (``pwritev`` releases the GIL).

The caller hands over buffers it promises to keep alive until ``drain()`` returns: for ingest
these are slices of the input's memory map, so nothing is copied in user space. Writeback is
started early with ``sync_file_range`` so that the final ``fsync`` has little left to do and
the page cache never fills with dirty pages (which throttles writers).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import queue
import threading
from collections.abc import Sequence

_SYNC_FILE_RANGE_WRITE = 2
_WRITEBACK_EVERY = 64 << 20
_QUEUE_ITEMS = 64


def _load_sync_file_range() -> ctypes._NamedFuncPointer | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        func = libc.sync_file_range
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


_sync_file_range = _load_sync_file_range()

Buffers = Sequence[bytes | memoryview]


class BackgroundAppender:
    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._queue: queue.Queue[tuple[int, Buffers] | None] = queue.Queue(maxsize=_QUEUE_ITEMS)
        self._error: BaseException | None = None
        self._flushed_to = 0
        self._thread = threading.Thread(target=self._run, name="cairn-pack-writer", daemon=True)
        self._thread.start()

    def write_at(self, offset: int, buffers: Buffers) -> None:
        self._raise_pending_error()
        self._queue.put((offset, buffers))

    def drain(self) -> None:
        """Wait until every buffer handed over is written (not yet durable); re-raise a write error."""
        self._queue.join()
        self._raise_pending_error()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _raise_pending_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self._error is None:
                    self._write(*item)
            except BaseException as exc:
                self._error = exc
            finally:
                item = None  # drop our reference to the caller's buffers before saying done
                self._queue.task_done()

    def _write(self, offset: int, buffers: Buffers) -> None:
        expected = sum(len(b) for b in buffers)
        written = os.pwritev(self.fd, buffers, offset)
        if written != expected:
            raise OSError(errno.ENOSPC, f"short write to pack file ({written} of {expected} bytes)")
        end = offset + written
        if _sync_file_range is not None and end - self._flushed_to >= _WRITEBACK_EVERY:
            _sync_file_range(self.fd, self._flushed_to, end - self._flushed_to, _SYNC_FILE_RANGE_WRITE)
            self._flushed_to = end
