"""The index: which artifacts and records this home holds, and the lineage edges between them.

It is a cache of facts the records already prove (``fsck --reindex`` rebuilds it from them);
it holds no block bytes. An artifact appears here only after every block it needs is durable,
which is what makes a publish invisible until complete.

One implementation (SQLAlchemy Core) serves both backends: the SQLite file of the home, the
zero-config default, and a PostgreSQL server named by ``CAIRN_INDEX_URL``, which several API
replicas share. Tables and migrations live in ``lineage/index/schema.py``, connections in
``lineage/index/db.py``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from cairn.chunking.cid import CID
from cairn.errors import CairnError
from cairn.lineage.index import schema as t
from cairn.lineage.index.db import dispose, engine_for, index_url, redact, unavailable
from cairn.lineage.records.admission import Equivocation, Refused, Verdict, admit
from cairn.lineage.records.model import Manifest, SignedRecord
from cairn.lineage.records.names import NameClaim
from cairn.redact import redact_url


class SchemaBehind(CairnError):
    """A shared index that has not been migrated to this Cairn's schema yet."""


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

    cid: CID
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
    cid: CID
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
    cid: CID
    remote: str
    state: str  # "pinning" while incomplete (also after a crash), then "pinned"
    blocks_sent: int
    bytes_sent: int
    detail: str
    updated_at: float

    def to_json(self) -> dict[str, Any]:
        """One entry of `pins --json` (Arweave pins add their transactions)."""
        return {**asdict(self), "cid": str(self.cid)}


@dataclass(frozen=True)
class ArtifactRow:
    cid: CID
    name: str
    version: str | None
    kind: str
    profile: str
    bytes: int
    file_count: int
    publisher: str
    access: str
    published_at: float

    def to_json(self) -> dict[str, Any]:
        """One entry of `ls --json` and of ``GET /v1/artifacts``."""
        return {**asdict(self), "cid": str(self.cid)}


class Index:
    """The index of one home (a SQLite file) or of a fleet of replicas (a database URL).

    A SQLite index is created and migrated on first use; a server's index is migrated only by
    ``cairn migrate`` and at ``cairn serve`` start, and refuses to be used while behind.
    """

    def __init__(self, target: Path | str) -> None:
        self.url = index_url(target)
        self._engine: Engine | None = None

    @property
    def where(self) -> str:
        """The index's location as it may be shown (no password)."""
        return redact(self.url)

    @property
    def dialect(self) -> str:
        return str(self.url.get_backend_name())

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            engine = engine_for(self.url)
            try:
                self._check_schema(engine)
            except BaseException:
                dispose(engine)
                raise
            self._engine = engine
        return self._engine

    def _check_schema(self, engine: Engine) -> None:
        with self._open(engine) as conn:
            version = t.schema_version(conn)
            conn.rollback()
            if version == t.LATEST:
                return
            if version > t.LATEST:
                raise t.NewerSchema(version)
            if self.dialect != "sqlite":
                raise SchemaBehind(f"the index at {self.where} is at schema version {version}, this cairn needs "
                                   f"{t.LATEST}: run `cairn migrate`")  # fmt: skip
            with conn.begin():
                t.migrate(conn)

    def migrate(self) -> tuple[int, int]:
        """Bring the schema up to date (creating it on an empty database); ``(before, after)``."""
        engine = self._engine or engine_for(self.url)
        try:
            with self._open(engine) as conn, conn.begin():
                return t.migrate(conn)
        finally:
            if self._engine is None:
                dispose(engine)

    def _open(self, engine: Engine) -> Any:
        try:
            return engine.connect()
        except sa.exc.DBAPIError as exc:
            raise unavailable(self.url, exc) from exc

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for queries; nothing it does is committed."""
        with self._lost_connection(), self._open(self.engine) as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in one transaction, committed when the block ends without an error."""
        with self._lost_connection(), self._open(self.engine) as conn, conn.begin():
            yield conn

    @contextmanager
    def _lost_connection(self) -> Iterator[None]:
        """A server that went away mid-statement is ``IndexUnavailable`` too (HTTP 503, exit 1)."""
        try:
            yield
        except sa.exc.DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            raise unavailable(self.url, exc) from exc

    def close(self) -> None:
        if self._engine is not None:
            dispose(self._engine)
            self._engine = None

    # -- statements that differ between the dialects --------------------------------------------

    def _insert(self, table: sa.Table) -> Any:
        """The dialect's own INSERT, which has ``ON CONFLICT`` (imported here: a SQLite home never
        loads the PostgreSQL dialect, 27 ms of start-up)."""
        if self.dialect == "postgresql":
            from sqlalchemy.dialects import postgresql

            return postgresql.insert(table)
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)

    def _insert_ignore(self, table: sa.Table) -> Any:
        """``INSERT ... ON CONFLICT DO NOTHING`` (both dialects spell it the same way)."""
        return self._insert(table).on_conflict_do_nothing()

    def _upsert(self, table: sa.Table) -> Any:
        """``INSERT ... ON CONFLICT (primary key) DO UPDATE`` every other column."""
        insert = self._insert(table)
        keys = [c.name for c in table.primary_key.columns]
        others = {c.name: insert.excluded[c.name] for c in table.columns if c.name not in keys}
        return insert.on_conflict_do_update(index_elements=keys, set_=others)

    def _rows(self, query: Any, params: dict[str, Any] | None = None) -> Sequence[Any]:
        with self.read() as conn:
            return conn.execute(query, params or {}).all()

    def _one(self, query: Any) -> Any:
        with self.read() as conn:
            return conn.execute(query).first()

    # -- records: admitted through one door ----------------------------------------------------

    def admit(self, record: SignedRecord) -> Verdict:
        """Whether ``record`` may count here: ``admission.admit`` (form, signature, names,
        references), then what only this index can tell. A name record must not point at a
        record that is not an artifact, nor at another publisher's private artifact."""
        verdict = admit(record)
        if isinstance(verdict, Refused) or verdict.type != "name" or verdict.claim is None:
            return verdict
        target, publisher = verdict.claim.target, verdict.claim.publisher
        kind = self.record_type(target)
        if kind is not None and kind != "artifact":
            return Refused(verdict.cid, f"it names {target}, a {kind} record, not an artifact")
        row = self.artifact(target)
        if row is not None and row.access != "public" and row.publisher != publisher:
            return Refused(verdict.cid, f"it names {target}, a private artifact of another publisher")
        return verdict

    def add_signed(self, record: SignedRecord) -> Verdict:
        """Index a record, if it is admitted (``admit``): the only way into the artifact, name, run
        and lineage-edge rows, whatever brought the record. A refused record writes nothing; a
        name record its publisher contradicted at the same seq is an ``Equivocation``."""
        verdict = self.admit(record)
        if isinstance(verdict, Refused):
            return verdict
        if verdict.manifest is not None:
            self._add_manifest(verdict.manifest, list(verdict.edges))
        elif verdict.type == "name" and verdict.claim is not None:
            if not self._add_name(verdict.claim):
                c = verdict.claim
                return Equivocation(verdict.cid, f"{c.publisher} already signed another record for {c.name!r} "
                                                 f"at seq {c.seq}; the first one seen stays")  # fmt: skip
        else:
            with self.write() as db:
                db.execute(self._insert_ignore(t.records).values(cid=verdict.cid, type=verdict.type))
                self._add_edges(db, [(verdict.cid, parent, relation) for parent, relation in verdict.edges])
        return verdict

    def forget(self, cid: CID) -> None:
        """Drop every row a record made (artifact, name, record, the edges leaving it): what
        ``fsck --reindex`` does with a row that does not pass admission. Its block stays."""
        with self.write() as db:
            db.execute(sa.delete(t.artifacts).where(t.artifacts.c.cid == cid))
            db.execute(sa.delete(t.names).where(t.names.c.record == cid))
            db.execute(sa.delete(t.records).where(t.records.c.cid == cid))
            db.execute(sa.delete(t.edges).where(t.edges.c.child == cid))

    # The writers below take what they are given. Only ``add_signed`` calls them (and tests or
    # benchmarks that build an index by hand): nothing else may write these rows.

    def _add_artifact(self, row: ArtifactRow, edges: list[tuple[CID, str]]) -> None:
        """An artifact, its manifest record and its lineage edges (``(parent, relation)``)."""
        with self.write() as db:
            db.execute(self._insert_ignore(t.artifacts).values(
                cid=row.cid, name=row.name, version=row.version, kind=row.kind, profile=row.profile, bytes=row.bytes,
                file_count=row.file_count, publisher=row.publisher, access=row.access,
                published_at=row.published_at))  # fmt: skip
            db.execute(self._insert_ignore(t.records).values(cid=row.cid, type="artifact"))
            if edges:
                self._add_edges(db, [(row.cid, parent, rel) for parent, rel in edges])

    def _add_manifest(self, m: Manifest, edges: list[tuple[CID, str]]) -> None:
        row = ArtifactRow(m.cid, m.name, m.version, m.kind, m.profile, m.bytes, m.file_count,
                          m.publisher, m.access, now())  # fmt: skip
        self._add_artifact(row, edges)

    def _add_edges(self, db: Connection, edges: list[tuple[CID, CID, str]]) -> None:
        """``(child, parent, relation)`` edges as they are."""
        if edges:
            db.execute(self._insert_ignore(t.edges), [{"child": c, "parent": p, "relation": r} for c, p, r in edges])

    def _add_record(self, cid: CID, record_type: str) -> None:
        with self.write() as db:
            db.execute(self._insert_ignore(t.records).values(cid=cid, type=record_type))

    def _add_name(self, claim: NameClaim) -> bool:
        """A name record's claim. False when its publisher already signed a *different* record for
        that name at that seq (a race, or equivocation): the first one seen stays, and the other
        is not indexed at all."""
        with self.write() as db:
            db.execute(self._insert_ignore(t.names).values(
                record=claim.record, name=claim.name, version=claim.version, target=claim.target,
                seq=claim.seq, publisher=claim.publisher, seen_at=now()))  # fmt: skip
            n = t.names.c
            held = db.execute(sa.select(n.record).where(n.publisher == claim.publisher, n.name == claim.name,
                                                        n.seq == claim.seq)).scalar_one()  # fmt: skip
            if held == claim.record:
                db.execute(self._insert_ignore(t.records).values(cid=claim.record, type="name"))
        return bool(held == claim.record)

    # -- what is indexed ------------------------------------------------------------------------

    def parents(self, cid: CID) -> list[tuple[CID, str]]:
        """``(parent, relation)`` edges leaving ``cid`` toward its ancestors."""
        e = t.edges.c
        rows = self._rows(sa.select(e.parent, e.relation).where(e.child == cid).order_by(e.parent))
        return [(r[0], r[1]) for r in rows]

    def children(self, cid: CID) -> list[tuple[CID, str]]:
        """``(child, relation)`` edges arriving at ``cid`` from its descendants."""
        e = t.edges.c
        rows = self._rows(sa.select(e.child, e.relation).where(e.parent == cid).order_by(e.child))
        return [(r[0], r[1]) for r in rows]

    def record_type(self, cid: CID) -> str | None:
        row = self._one(sa.select(t.records.c.type).where(t.records.c.cid == cid))
        return None if row is None else str(row[0])

    def record_rows(self) -> list[tuple[CID, str]]:
        """Every indexed record and its type."""
        return [(r[0], str(r[1])) for r in self._rows(sa.select(t.records.c.cid, t.records.c.type))]

    def edge_rows(self) -> list[tuple[CID, CID, str]]:
        """Every lineage edge, ``(child, parent, relation)``."""
        e = t.edges.c
        return [(r[0], r[1], str(r[2])) for r in self._rows(sa.select(e.child, e.parent, e.relation))]

    # -- names ----------------------------------------------------------------------------------

    def next_name_seq(self, publisher: str, name: str) -> int:
        n = t.names.c
        top = self._one(sa.select(sa.func.max(n.seq)).where(n.publisher == publisher, n.name == name))
        return int(top[0] or 0) + 1

    def name_claims(self, name: str) -> list[NameClaim]:
        """Every claim on ``name``: its name records, and each manifest so named (at seq 0)."""
        a = t.artifacts.c
        manifests = self._rows(sa.select(a.cid, a.version, a.publisher, a.published_at).where(a.name == name))
        return self.name_records(name) + [NameClaim(cid, name, version, cid, 0, publisher, at)
                                          for cid, version, publisher, at in manifests]  # fmt: skip

    def name_records(self, name: str | None = None, target: CID | None = None,
                     every: bool = False) -> list[NameClaim]:  # fmt: skip
        """The indexed name records (on ``name``, pointing at ``target``, or all of them). A record
        of one publisher naming another's private artifact never counts, whatever the order they
        arrived in (admission refuses it when the artifact came first); ``every`` shows those too."""
        n, a = t.names.c, t.artifacts.c
        query = sa.select(n.record, n.name, n.version, n.target, n.seq, n.publisher, n.seen_at)
        if not every:
            counted = sa.or_(a.cid.is_(None), a.access == "public", a.publisher == n.publisher)
            query = query.select_from(t.names.outerjoin(t.artifacts, a.cid == n.target)).where(counted)
        if name is not None:
            query = query.where(n.name == name)
        if target is not None:
            query = query.where(n.target == target)
        rows = self._rows(query.order_by(n.publisher, n.name, n.seq))
        return [NameClaim(r[0], r[1], r[2], r[3], int(r[4]), r[5], r[6]) for r in rows]

    # -- pins -----------------------------------------------------------------------------------

    def set_pin(self, cid: CID, remote: str, state: str, blocks_sent: int = 0, bytes_sent: int = 0,
                detail: str = "") -> None:  # fmt: skip
        """``remote`` is stored as ``redact_url`` shows it: a peer URL's credentials stay out of the index."""
        with self.write() as db:
            db.execute(self._upsert(t.pins).values(cid=cid, remote=redact_url(remote), state=state,
                                                   blocks_sent=blocks_sent, bytes_sent=bytes_sent, detail=detail,
                                                   updated_at=now()))  # fmt: skip

    def remove_pin(self, cid: CID, remote: str) -> None:
        with self.write() as db:
            db.execute(sa.delete(t.pins).where(t.pins.c.cid == cid, t.pins.c.remote == remote))

    def pins(self) -> list[PinRow]:
        rows = [PinRow(*row) for row in self._rows(sa.select(t.pins).order_by(t.pins.c.updated_at))]
        return [replace(row, remote=redact_url(row.remote)) for row in rows]  # rows written before set_pin redacted

    def add_root(self, cid: CID, reason: str) -> None:
        with self.write() as db:
            db.execute(self._insert_ignore(t.roots).values(cid=cid, reason=reason))

    def artifact(self, cid: CID) -> ArtifactRow | None:
        row = self._one(sa.select(t.artifacts).where(t.artifacts.c.cid == cid))
        return None if row is None else ArtifactRow(*row)

    def artifacts(self) -> list[ArtifactRow]:
        a = t.artifacts.c
        return [ArtifactRow(*row) for row in self._rows(sa.select(t.artifacts).order_by(a.published_at, a.cid))]

    def root_cids(self) -> list[CID]:
        """Everything gc must keep: every record and every explicitly kept root."""
        query = sa.union(sa.select(t.records.c.cid), sa.select(t.roots.c.cid))
        return [r[0] for r in self._rows(query)]

    def has_record(self, cid: CID) -> bool:
        return self._one(sa.select(sa.literal(1)).where(t.records.c.cid == cid)) is not None

    # -- anchors --------------------------------------------------------------------------------

    def add_anchor(self, root: bytes, chain_id: str, contract: str, proofs: list[tuple[CID, bytes, bytes]]) -> int:
        """Record a batch as ``sending``, with every record's ``(cid, leaf, proof)``, before anything
        is sent: a crash then leaves a batch that the next ``cairn anchor`` settles."""
        stamp = now()
        with self.write() as db:
            anchor_id = int(db.execute(
                sa.insert(t.anchors).values(root=root, chain_id=chain_id, contract=contract, state="sending",
                                            records=len(proofs), created_at=stamp, updated_at=stamp)
                .returning(t.anchors.c.id)
            ).scalar_one())  # fmt: skip
            if proofs:
                db.execute(self._upsert(t.anchor_proofs),
                           [{"cid": cid, "anchor": anchor_id, "leaf": leaf, "proof": proof}
                            for cid, leaf, proof in proofs])  # fmt: skip
        return anchor_id

    def set_anchor(self, anchor_id: int, state: str, tx: str | None = None, block: int | None = None) -> None:
        a = t.anchors.c
        changes: dict[str, object] = {"state": state, "updated_at": now()}
        if tx is not None:
            changes["tx"] = tx
        if block is not None:
            changes["block"] = block
        with self.write() as db:
            db.execute(sa.update(t.anchors).where(a.id == anchor_id).values(**changes))

    def anchors(self, chain_id: str, contract: str, states: tuple[str, ...]) -> list[AnchorRow]:
        a = t.anchors.c
        query = sa.select(t.anchors).where(a.chain_id == chain_id, a.contract == contract, a.state.in_(states))
        return [AnchorRow(*row) for row in self._rows(query.order_by(a.id))]

    def unanchored(self, chain_id: str, contract: str) -> list[CID]:
        """Manifests and run records with no batch anchored on this target."""
        query = sa.text(
            "SELECT cid FROM records r WHERE type IN ('artifact', 'run') AND NOT EXISTS ("
            " SELECT 1 FROM anchor_proofs p JOIN anchors a ON a.id = p.anchor"
            " WHERE p.cid = r.cid AND a.chain_id = :chain AND a.contract = :contract"
            " AND a.state IN ('anchored', 'final')"
            ") ORDER BY cid"
        )
        return [CID.parse(r[0]) for r in self._rows(query, {"chain": chain_id, "contract": contract})]

    def record_proofs(self, cid: CID) -> list[ProofRow]:
        """Every batch ``cid`` was put in, newest first."""
        p = t.anchor_proofs.c
        query = (sa.select(t.anchors, p.leaf, p.proof).join_from(t.anchor_proofs, t.anchors, t.anchors.c.id == p.anchor)
                 .where(p.cid == cid).order_by(t.anchors.c.id.desc()))  # fmt: skip
        return [ProofRow(cid, AnchorRow(*row[:10]), row[10], row[11]) for row in self._rows(query)]

    # -- Arweave: the transactions Cairn signed and where each uploaded block lies --------------

    def add_arweave_tx(self, row: ArweaveTxRow) -> None:
        with self.write() as db:
            db.execute(sa.insert(t.arweave_txs).values(**row.__dict__))

    def update_arweave_tx(self, tx_id: str, **changes: object) -> None:
        """Change some of ``state``, ``chunks_done``, ``confirmations``, ``block_height``, ``spool``."""
        if not changes.keys() <= ARWEAVE_TX_FIELDS:
            raise ValueError(f"cannot change {sorted(changes.keys() - ARWEAVE_TX_FIELDS)} of an Arweave transaction")
        with self.write() as db:
            db.execute(sa.update(t.arweave_txs).where(t.arweave_txs.c.tx_id == tx_id)
                       .values(**changes, updated_at=now()))  # fmt: skip

    def delete_arweave_tx(self, tx_id: str) -> None:
        with self.write() as db:
            db.execute(sa.delete(t.arweave_txs).where(t.arweave_txs.c.tx_id == tx_id))

    def arweave_txs(self, cid: CID | None = None) -> list[ArweaveTxRow]:
        """Transactions of one pinned CID (or all), in the order they were signed."""
        x = t.arweave_txs.c
        query = sa.select(t.arweave_txs)
        if cid is not None:
            query = query.where(x.cid == cid)
        return [ArweaveTxRow(*row) for row in self._rows(query.order_by(x.created_at, x.tx_id))]

    def arweave_tx(self, tx_id: str) -> ArweaveTxRow | None:
        row = self._one(sa.select(t.arweave_txs).where(t.arweave_txs.c.tx_id == tx_id))
        return None if row is None else ArweaveTxRow(*row)

    def add_arweave_blocks(self, tx_id: str, blocks: list[tuple[bytes, int, int]], state: str) -> None:
        """Record ``(cid, offset, length)`` of blocks now held by ``tx_id`` and set its state, in
        one transaction: blocks count as uploaded exactly when their transaction is."""
        with self.write() as db:
            if blocks:
                db.execute(self._upsert(t.arweave_blocks),
                           [{"cid": cid, "tx_id": tx_id, "offset": offset, "length": length}
                            for cid, offset, length in blocks])  # fmt: skip
            db.execute(sa.update(t.arweave_txs).where(t.arweave_txs.c.tx_id == tx_id)
                       .values(state=state, spool="", updated_at=now()))  # fmt: skip

    def drop_arweave_blocks(self, tx_id: str) -> None:
        """Forget the blocks of a transaction the network dropped, so they are uploaded again."""
        with self.write() as db:
            db.execute(sa.delete(t.arweave_blocks).where(t.arweave_blocks.c.tx_id == tx_id))

    def arweave_location(self, cid: bytes) -> tuple[str, int, int] | None:
        b = t.arweave_blocks.c
        row = self._one(sa.select(b.tx_id, b.offset, b.length).where(b.cid == cid))
        return None if row is None else (str(row[0]), int(row[1]), int(row[2]))


def now() -> float:
    return time.time()
