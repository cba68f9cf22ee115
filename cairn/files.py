"""Writing a file whole or not at all.

Keys, wallets, proofs, trust lists, spooled uploads and exported CARs are read back later by
code that trusts them to be complete; a crash mid-write must leave the old file or none, never
half a new one. So every such file is written to a temporary sibling, fsynced, and renamed over
its name (one atomic step on POSIX file systems). Secrets are created with mode 0600 from the
first byte, never widened afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_write(path: Path, mode: int = 0o644) -> Iterator[BinaryIO]:
    """A binary handle whose bytes become ``path`` when the block ends without an exception."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
