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
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, scope TEXT NOT NULL,
    created_at REAL NOT NULL, revoked_at REAL
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, args TEXT NOT NULL, state TEXT NOT NULL,
    result TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS pins (
    cid TEXT NOT NULL, remote TEXT NOT NULL, state TEXT NOT NULL,
    blocks_sent INTEGER NOT NULL DEFAULT 0, bytes_sent INTEGER NOT NULL DEFAULT 0,
    detail TEXT NOT NULL DEFAULT '', updated_at REAL NOT NULL,
    PRIMARY KEY (cid, remote)
);
CREATE TABLE IF NOT EXISTS anchors (
    id INTEGER PRIMARY KEY, root BLOB NOT NULL, chain_id TEXT NOT NULL, contract TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL, tx TEXT NOT NULL DEFAULT '', block INTEGER NOT NULL DEFAULT 0,
    records INTEGER NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS anchors_by_target ON anchors (chain_id, contract, state);
CREATE TABLE IF NOT EXISTS anchor_proofs (
    cid TEXT NOT NULL, anchor INTEGER NOT NULL, leaf BLOB NOT NULL, proof BLOB NOT NULL,
    PRIMARY KEY (cid, anchor)
);
CREATE TABLE IF NOT EXISTS arweave_txs (
    tx_id TEXT PRIMARY KEY, cid TEXT NOT NULL, role TEXT NOT NULL, state TEXT NOT NULL,
    data_size INTEGER NOT NULL, reward TEXT NOT NULL,
    chunks_done INTEGER NOT NULL DEFAULT 0, chunks_total INTEGER NOT NULL,
    confirmations INTEGER NOT NULL DEFAULT 0, block_height INTEGER,
    roots TEXT NOT NULL DEFAULT '', header TEXT NOT NULL, spool TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS arweave_txs_by_cid ON arweave_txs (cid);
CREATE TABLE IF NOT EXISTS arweave_blocks (
    cid BLOB PRIMARY KEY, tx_id TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS arweave_blocks_by_tx ON arweave_blocks (tx_id);
"""


@dataclass(frozen=True)
class AnchorRow:
    """One anchored batch: its Merkle root on one target (an EVM chain id and contract, or
    ``arweave`` with no contract), and where that root landed."""

    id: int
    root: bytes
    chain_id: str
    contract: str  # "" on Arweave
    state: str  # sending -> anchored -> final; or abandoned (never landed), gone (reorganised away)
    tx: str
    block: int
    records: int
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class ProofRow:
    """A record's place in one batch: its leaf hash and the sibling hashes (32 bytes each) up to the root."""

    cid: str
    anchor: AnchorRow
    leaf: bytes
    proof: bytes


ANCHORED_STATES = ("anchored", "final")


@dataclass(frozen=True)
class ArweaveTxRow:
    """One Arweave transaction Cairn signed: a CAR part of an upload (``role`` "car") or its block
    map ("map"). ``state``: signed (header not yet accepted) -> uploading (chunks_done of
    chunks_total sent) -> pending (all data accepted) -> confirmed; or dropped. ``header`` is the
    signed header (public); ``spool`` the home-relative file of its data until it is all sent."""

    tx_id: str
    cid: str
    role: str
    state: str
    data_size: int
    reward: str
    chunks_done: int
    chunks_total: int
    confirmations: int
    block_height: int | None
    roots: str  # space-separated root CIDs the transaction covers
    header: str
    spool: str
    created_at: float
    updated_at: float


ARWEAVE_TX_FIELDS = frozenset({"state", "chunks_done", "confirmations", "block_height", "spool"})


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

    def add_anchor(self, root: bytes, chain_id: str, contract: str, proofs: list[tuple[str, bytes, bytes]]) -> int:
        """Record a batch as ``sending``, with every record's ``(cid, leaf, proof)``, before anything
        is sent: a crash then leaves a batch that the next ``cairn anchor`` settles."""
        with self.db as db:
            cursor = db.execute(
                "INSERT INTO anchors (root, chain_id, contract, state, records, created_at, updated_at) "
                "VALUES (?, ?, ?, 'sending', ?, ?, ?)",
                (root, chain_id, contract, len(proofs), now(), now()),
            )
            anchor_id = int(cursor.lastrowid or 0)
            db.executemany("INSERT OR REPLACE INTO anchor_proofs VALUES (?, ?, ?, ?)",
                           [(cid, anchor_id, leaf, proof) for cid, leaf, proof in proofs])  # fmt: skip
        return anchor_id

    def set_anchor(self, anchor_id: int, state: str, tx: str | None = None, block: int | None = None) -> None:
        with self.db as db:
            db.execute(
                "UPDATE anchors SET state = ?, tx = COALESCE(?, tx), block = COALESCE(?, block), updated_at = ? "
                "WHERE id = ?",
                (state, tx, block, now(), anchor_id),
            )

    def anchors(self, chain_id: str, contract: str, states: tuple[str, ...]) -> list[AnchorRow]:
        marks = ", ".join("?" * len(states))
        rows = self.db.execute(
            f"SELECT * FROM anchors WHERE chain_id = ? AND contract = ? AND state IN ({marks}) ORDER BY id",
            (chain_id, contract, *states),
        )
        return [AnchorRow(*row) for row in rows.fetchall()]

    def unanchored(self, chain_id: str, contract: str) -> list[str]:
        """Manifests and run records with no batch anchored on this target."""
        rows = self.db.execute(
            "SELECT cid FROM records r WHERE type IN ('artifact', 'run') AND NOT EXISTS ("
            " SELECT 1 FROM anchor_proofs p JOIN anchors a ON a.id = p.anchor"
            " WHERE p.cid = r.cid AND a.chain_id = ? AND a.contract = ? AND a.state IN ('anchored', 'final')"
            ") ORDER BY cid",
            (chain_id, contract),
        )
        return [r[0] for r in rows.fetchall()]

    def record_proofs(self, cid: str) -> list[ProofRow]:
        """Every batch ``cid`` was put in, newest first."""
        rows = self.db.execute(
            "SELECT a.*, p.leaf, p.proof FROM anchor_proofs p JOIN anchors a ON a.id = p.anchor "
            "WHERE p.cid = ? ORDER BY a.id DESC",
            (cid,),
        )
        return [ProofRow(cid, AnchorRow(*row[:10]), row[10], row[11]) for row in rows.fetchall()]

    # -- Arweave: the transactions Cairn signed and where each uploaded block lies --------------

    def add_arweave_tx(self, row: ArweaveTxRow) -> None:
        with self.db as db:
            db.execute("INSERT INTO arweave_txs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (row.tx_id, row.cid, row.role, row.state, row.data_size, row.reward, row.chunks_done,
                        row.chunks_total, row.confirmations, row.block_height, row.roots, row.header, row.spool,
                        row.created_at, row.updated_at))  # fmt: skip

    def update_arweave_tx(self, tx_id: str, **changes: object) -> None:
        """Change some of ``state``, ``chunks_done``, ``confirmations``, ``block_height``, ``spool``."""
        if not changes.keys() <= ARWEAVE_TX_FIELDS:
            raise ValueError(f"cannot change {sorted(changes.keys() - ARWEAVE_TX_FIELDS)} of an Arweave transaction")
        columns = ", ".join(f"{name} = ?" for name in changes)
        with self.db as db:
            db.execute(f"UPDATE arweave_txs SET {columns}, updated_at = ? WHERE tx_id = ?",
                       (*changes.values(), now(), tx_id))  # fmt: skip

    def delete_arweave_tx(self, tx_id: str) -> None:
        with self.db as db:
            db.execute("DELETE FROM arweave_txs WHERE tx_id = ?", (tx_id,))

    def arweave_txs(self, cid: str | None = None) -> list[ArweaveTxRow]:
        """Transactions of one pinned CID (or all), in the order they were signed."""
        where, args = ("WHERE cid = ?", (cid,)) if cid is not None else ("", ())
        rows = self.db.execute(f"SELECT * FROM arweave_txs {where} ORDER BY created_at, rowid", args)
        return [ArweaveTxRow(*row) for row in rows.fetchall()]

    def arweave_tx(self, tx_id: str) -> ArweaveTxRow | None:
        row = self.db.execute("SELECT * FROM arweave_txs WHERE tx_id = ?", (tx_id,)).fetchone()
        return None if row is None else ArweaveTxRow(*row)

    def add_arweave_blocks(self, tx_id: str, blocks: list[tuple[bytes, int, int]], state: str) -> None:
        """Record ``(cid, offset, length)`` of blocks now held by ``tx_id`` and set its state, in
        one transaction: blocks count as uploaded exactly when their transaction is."""
        with self.db as db:
            db.executemany("INSERT OR REPLACE INTO arweave_blocks VALUES (?, ?, ?, ?)",
                           [(cid, tx_id, offset, length) for cid, offset, length in blocks])  # fmt: skip
            db.execute("UPDATE arweave_txs SET state = ?, spool = '', updated_at = ? WHERE tx_id = ?",
                       (state, now(), tx_id))  # fmt: skip

    def drop_arweave_blocks(self, tx_id: str) -> None:
        """Forget the blocks of a transaction the network dropped, so they are uploaded again."""
        with self.db as db:
            db.execute("DELETE FROM arweave_blocks WHERE tx_id = ?", (tx_id,))

    def arweave_location(self, cid: bytes) -> tuple[str, int, int] | None:
        row = self.db.execute("SELECT tx_id, offset, length FROM arweave_blocks WHERE cid = ?", (cid,)).fetchone()
        return None if row is None else (str(row[0]), int(row[1]), int(row[2]))


def now() -> float:
    return time.time()
