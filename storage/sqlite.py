"""Opening the SQLite files Cairn keeps (the block locations, the index) the one way they need.

WAL so that readers never wait for a writer, and ``synchronous=FULL`` because a committed row
is a promise (a block is durable, an artifact is whole) that must survive a power cut.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_sqlite(path: Path, schema: str) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=60, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.executescript(schema)
    return db
