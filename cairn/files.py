"""Writing a file whole or not at all.

Keys, wallets, proofs, trust lists, spooled uploads and exported CARs are read back later by
code that trusts them to be complete; a crash mid-write must leave the old file or none, never
half a new one. So every such file is written to a temporary sibling, fsynced, and renamed over
its name (one atomic step on POSIX file systems). Secrets are created with mode 0600 from the
first byte, never widened afterwards.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from cairn.errors import BadInput

# What a path the user gave can be wrong with (a parent that cannot be made, a folder where a file
# goes, a file where a folder goes, no permission, a read-only file system, a name too long): bad
# input, exit 2. A full disk is not among them: the CLI reports it as such (cli/errors.py).
UNUSABLE_PATH = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EACCES, errno.EPERM, errno.EROFS,
                           errno.ENAMETOOLONG, errno.ELOOP, errno.EEXIST, errno.ENOTEMPTY})  # fmt: skip


@contextmanager
def writing(path: Path, doing: str = "write") -> Iterator[None]:
    """Inside: an ``OSError`` about ``path`` itself becomes a ``BadInput`` naming it, in one line."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in UNUSABLE_PATH:
            raise
        raise BadInput(f"cannot {doing} {path}: {exc.strerror}") from exc


@contextmanager
def atomic_write(path: Path, mode: int = 0o644) -> Iterator[BinaryIO]:
    """A binary handle whose bytes become ``path`` when the block ends without an exception."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        with writing(path):
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
