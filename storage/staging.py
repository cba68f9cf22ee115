"""Staging folders that say whether their owner is alive: locked while in use, removable after.

A pull writes into a staging folder and an upload saves its files into one; a process killed
mid-way leaves that folder behind, and a later pull would find its target "not empty", a home
would collect dead uploads for ever. Each staging folder is held under an exclusive ``flock``
for as long as its process works in it; the kernel drops the lock when the process dies, however
it dies, so whoever finds a staging folder whose lock is free knows it is a leftover.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def locked_folder(path: Path) -> Iterator[Path]:
    """Create ``path`` and hold its lock until the block ends; remove it if the block fails."""
    path.mkdir()
    lock = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield path
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    finally:
        os.close(lock)


def remove_leftovers(folder: Path, pattern: str) -> list[Path]:
    """Remove the folders matching ``pattern`` in ``folder`` whose lock is free; return them."""
    removed = []
    for path in sorted(folder.glob(pattern)):
        if _abandoned(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _abandoned(path: Path) -> bool:
    try:
        lock = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return False  # not a folder (a file, a symlink): not ours to remove
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # its process is at work right now
    finally:
        os.close(lock)
    return True


_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where the
    kernel or file system cannot, so the caller falls back to something less atomic."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(a))
