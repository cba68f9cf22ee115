"""The index: which artifacts and records this home holds, and the lineage edges between them.

It is a cache of facts the records already prove (``fsck --reindex`` rebuilds it from them);
it holds no block bytes. An artifact appears here only after every block it needs is durable,
which is what makes a publish invisible until complete.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from chunking.cid import CID
from lineage.records import Manifest, SignedRecord
from storage.sqlite import open_sqlite

_SCHEMA = """
CREATE TABLE IF NOT EXISTS artifacts (
    cid TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    version TEXT,
    kind TEXT NOT NULL,
    profile TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    file_count INTEGER NOT NULL,
    publisher TEXT NOT NULL,
    access TEXT NOT NULL,
    published_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS artifacts_by_name ON artifacts (name, version);
CREATE TABLE IF NOT EXISTS records (cid TEXT PRIMARY KEY, type TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS edges (
    child TEXT NOT NULL, parent TEXT NOT NULL, relation TEXT NOT NULL,
    PRIMARY KEY (child, parent, relation)
);
CREATE INDEX IF NOT EXISTS edges_by_parent ON edges (parent);
CREATE TABLE IF NOT EXISTS roots (cid TEXT PRIMARY KEY, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pins (
    cid TEXT NOT NULL, remote TEXT NOT NULL, state TEXT NOT NULL,
    blocks_sent INTEGER NOT NULL DEFAULT 0, bytes_sent INTEGER NOT NULL DEFAULT 0,
    detail TEXT NOT NULL DEFAULT '', updated_at REAL NOT NULL,
    PRIMARY KEY (cid, remote)
);
"""


@dataclass(frozen=True)
class PinRow:
    cid: str
    remote: str
    state: str  # "pinning" while incomplete (also after a crash), then "pinned"
    blocks_sent: int
    bytes_sent: int
    detail: str
    updated_at: float


@dataclass(frozen=True)
class ArtifactRow:
    cid: str
    name: str
    version: str | None
    kind: str
    profile: str
    bytes: int
    file_count: int
    publisher: str
    access: str
    published_at: float


class Index:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = open_sqlite(self.path, _SCHEMA)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def add_artifact(self, row: ArtifactRow, edges: list[tuple[str, str]]) -> None:
        """Record an artifact, its manifest record and its lineage edges (``(parent, relation)``)."""
        with self.db as db:
            db.execute(
                "INSERT OR IGNORE INTO artifacts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (row.cid, row.name, row.version, row.kind, row.profile, row.bytes, row.file_count,
                 row.publisher, row.access, row.published_at),
            )  # fmt: skip
            db.execute("INSERT OR IGNORE INTO records VALUES (?, 'artifact')", (row.cid,))
            db.executemany(
                "INSERT OR IGNORE INTO edges VALUES (?, ?, ?)",
                [(row.cid, parent, rel) for parent, rel in edges],
            )

    def add_manifest(self, manifest: Manifest) -> None:
        """Index an artifact from its manifest, with its lineage edges."""
        m = manifest
        row = ArtifactRow(str(m.cid), m.name, m.version, m.kind, m.profile, m.bytes, m.file_count,
                          m.publisher, m.access, now())  # fmt: skip
        edges = [(str(parent), "derived_from") for parent in manifest.derived_from]
        if manifest.run is not None:
            edges.append((str(manifest.run), "run"))
        self.add_artifact(row, edges)

    def add_run(self, cid: str, inputs: list[str]) -> None:
        with self.db as db:
            db.execute("INSERT OR IGNORE INTO records VALUES (?, 'run')", (cid,))
            db.executemany("INSERT OR IGNORE INTO edges VALUES (?, ?, 'input')", [(cid, i) for i in inputs])

    def parents(self, cid: str) -> list[tuple[str, str]]:
        """``(parent, relation)`` edges leaving ``cid`` toward its ancestors."""
        rows = self.db.execute("SELECT parent, relation FROM edges WHERE child = ? ORDER BY parent", (cid,))
        return [(r[0], r[1]) for r in rows.fetchall()]

    def children(self, cid: str) -> list[tuple[str, str]]:
        """``(child, relation)`` edges arriving at ``cid`` from its descendants."""
        rows = self.db.execute("SELECT child, relation FROM edges WHERE parent = ? ORDER BY child", (cid,))
        return [(r[0], r[1]) for r in rows.fetchall()]

    def record_type(self, cid: str) -> str | None:
        row = self.db.execute("SELECT type FROM records WHERE cid = ?", (cid,)).fetchone()
        return None if row is None else str(row[0])

    def add_signed(self, record: SignedRecord) -> None:
        """Index any record by what it says: artifacts with their edges, runs with their inputs."""
        if record.type == "artifact":
            self.add_manifest(Manifest.from_record(record))
        elif record.type == "run":
            inputs = [str(CID.decode(raw)) for raw in record.body.get("inputs") or []]
            self.add_run(str(record.cid), inputs)
        else:
            self.add_record(str(record.cid), record.type)

    def set_pin(self, cid: str, remote: str, state: str, blocks_sent: int = 0, bytes_sent: int = 0,
                detail: str = "") -> None:  # fmt: skip
        with self.db as db:
            db.execute(
                "INSERT OR REPLACE INTO pins VALUES (?, ?, ?, ?, ?, ?, ?)",
                (cid, remote, state, blocks_sent, bytes_sent, detail, now()),
            )

    def remove_pin(self, cid: str, remote: str) -> None:
        with self.db as db:
            db.execute("DELETE FROM pins WHERE cid = ? AND remote = ?", (cid, remote))

    def pins(self) -> list[PinRow]:
        return [PinRow(*row) for row in self.db.execute("SELECT * FROM pins ORDER BY updated_at").fetchall()]

    def add_record(self, cid: str, record_type: str) -> None:
        with self.db as db:
            db.execute("INSERT OR IGNORE INTO records VALUES (?, ?)", (cid, record_type))

    def add_root(self, cid: str, reason: str) -> None:
        with self.db as db:
            db.execute("INSERT OR IGNORE INTO roots VALUES (?, ?)", (cid, reason))

    def artifact(self, cid: str) -> ArtifactRow | None:
        row = self.db.execute("SELECT * FROM artifacts WHERE cid = ?", (cid,)).fetchone()
        return None if row is None else ArtifactRow(*row)

    def artifacts(self) -> list[ArtifactRow]:
        rows = self.db.execute("SELECT * FROM artifacts ORDER BY published_at, cid").fetchall()
        return [ArtifactRow(*row) for row in rows]

    def find_by_name(self, name: str, version: str | None = None) -> list[ArtifactRow]:
        """Artifacts called ``name`` (and ``version`` if given), newest first."""
        query = "SELECT * FROM artifacts WHERE name = ?"
        args: tuple[str, ...] = (name,)
        if version is not None:
            query, args = query + " AND version = ?", (name, version)
        rows = self.db.execute(query + " ORDER BY published_at DESC", args).fetchall()
        return [ArtifactRow(*row) for row in rows]

    def root_cids(self) -> list[str]:
        """Everything gc must keep: every record and every explicitly kept root."""
        rows = self.db.execute("SELECT cid FROM records UNION SELECT cid FROM roots").fetchall()
        return [r[0] for r in rows]

    def has_record(self, cid: str) -> bool:
        return self.db.execute("SELECT 1 FROM records WHERE cid = ?", (cid,)).fetchone() is not None


def now() -> float:
    return time.time()
