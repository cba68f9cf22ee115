"""The index's tables, one definition for SQLite and PostgreSQL, and the migrations between versions.

Why a small runner instead of Alembic: the history is a short straight line, the same code must
check the version every time a command opens a SQLite home (Alembic's import and script-folder
scan cost more than the whole check), and adopting a home made before versioning needs a step
that looks at what is there rather than trusting a revision table.

Rules for a migration: it takes a connection inside the migration's transaction, and it brings
any earlier shape to its own, looking before it changes (step 1 creates the tables as they are
now, so a later step finds its columns already present on a fresh database). The version lives
in ``cairn_schema``; a database without that table is version 0 (new, or made before
versioning). Migrating holds a lock (an advisory lock on PostgreSQL, a write transaction on
SQLite), so replicas started together migrate once.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import BigInteger, Column, Double, Index, Integer, LargeBinary, MetaData, Table, Text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.types import TypeDecorator

from cairn.chunking.cid import CID
from cairn.errors import CairnError

metadata = MetaData()


class CidText(TypeDecorator[CID]):
    """A CID column: ``CID`` values in and out, its canonical text in the database (so a person
    can read the tables, and PostgreSQL and SQLite store the same). A ``str`` is refused on the
    way in: a CID that crosses the index boundary as text is a bug this makes loud."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: CID | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, CID):
            raise TypeError(f"the index takes CID values, not {type(value).__name__} {value!r}")
        return str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> CID | None:
        return None if value is None else CID.parse(value)


def _cid(name: str, nullable: bool = False, **kw: object) -> Column[CID]:
    return Column(name, CidText(), nullable=nullable, **kw)  # type: ignore[arg-type]


def _text(name: str, nullable: bool = False, **kw: object) -> Column[str]:
    return Column(name, Text, nullable=nullable, **kw)  # type: ignore[arg-type]


def _int(name: str, default: int | None = 0) -> Column[int]:
    server_default = None if default is None else sa.text(str(default))
    return Column(name, BigInteger, nullable=False, server_default=server_default)


def _time(name: str, nullable: bool = False) -> Column[float]:
    return Column(name, Double, nullable=nullable)


artifacts = Table(
    "artifacts", metadata,
    _cid("cid", primary_key=True), _text("name"), _text("version", nullable=True), _text("kind"), _text("profile"),
    _int("bytes"), _int("file_count"), _text("publisher"), _text("access"), _time("published_at"),
    Index("artifacts_by_name", "name", "version"),
)  # fmt: skip
records = Table("records", metadata, _cid("cid", primary_key=True), _text("type"))
edges = Table(
    "edges", metadata,
    _cid("child", primary_key=True), _cid("parent", primary_key=True), _text("relation", primary_key=True),
    Index("edges_by_parent", "parent"),
)  # fmt: skip
roots = Table("roots", metadata, _cid("cid", primary_key=True), _text("reason"))
tokens = Table(
    "tokens", metadata,
    _text("id", primary_key=True), _text("secret_hash"), _text("scope"), _time("created_at"),
    _time("revoked_at", nullable=True),
)  # fmt: skip
jobs = Table(
    "jobs", metadata,
    _text("id", primary_key=True), _text("kind"), _text("args"), _text("state"),
    _text("result", server_default=""), _text("error", server_default=""),
    _time("created_at"), _time("updated_at"),
    # v2: who runs it and until when; a lease not renewed in time lets another replica take it.
    _text("owner", server_default=""), Column("lease_until", Double, nullable=False, server_default=sa.text("0")),
    _int("attempts"),
    Index("jobs_by_state", "state", "created_at"),
)  # fmt: skip
pins = Table(
    "pins", metadata,
    _cid("cid", primary_key=True), _text("remote", primary_key=True), _text("state"),
    _int("blocks_sent"), _int("bytes_sent"), _text("detail", server_default=""), _time("updated_at"),
)  # fmt: skip
anchors = Table(
    "anchors", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True), Column("root", LargeBinary, nullable=False),
    _text("chain_id"), _text("contract", server_default=""), _text("state"), _text("tx", server_default=""),
    _int("block"), _int("records", default=None), _time("created_at"), _time("updated_at"),
    Index("anchors_by_target", "chain_id", "contract", "state"),
)  # fmt: skip
anchor_proofs = Table(
    "anchor_proofs", metadata,
    _cid("cid", primary_key=True), Column("anchor", Integer, primary_key=True, autoincrement=False),
    Column("leaf", LargeBinary, nullable=False), Column("proof", LargeBinary, nullable=False),
)  # fmt: skip
arweave_txs = Table(
    "arweave_txs", metadata,
    _text("tx_id", primary_key=True), _cid("cid"), _text("role"), _text("state"), _int("data_size", default=None),
    _text("reward"), _int("chunks_done"), _int("chunks_total", default=None), _int("confirmations"),
    Column("block_height", BigInteger, nullable=True), _text("roots", server_default=""), _text("header"),
    _text("spool", server_default=""), _time("created_at"), _time("updated_at"),
    Index("arweave_txs_by_cid", "cid"),
)  # fmt: skip
arweave_blocks = Table(
    "arweave_blocks", metadata,
    Column("cid", LargeBinary, primary_key=True), _text("tx_id"), _int("offset", default=None),
    _int("length", default=None),
    Index("arweave_blocks_by_tx", "tx_id"),
    sqlite_with_rowid=False,
)  # fmt: skip
names = Table(
    "names", metadata,
    # v3: signed name records; a manifest's own name is read from ``artifacts`` as a seq-0 claim.
    _cid("record", primary_key=True), _text("name"), _text("version", nullable=True), _cid("target"),
    _int("seq", default=None), _text("publisher"), _time("seen_at"),
    sa.UniqueConstraint("publisher", "name", "seq", name="names_one_seq"),
    Index("names_by_name", "name", "version"),
)  # fmt: skip
cairn_schema = Table("cairn_schema", metadata, Column("version", Integer, nullable=False))

_INDEX_TABLES = [t for t in metadata.sorted_tables if t is not cairn_schema]
_JOB_LEASE_COLUMNS = {
    "owner": "TEXT NOT NULL DEFAULT ''",
    "lease_until": "DOUBLE PRECISION NOT NULL DEFAULT 0",
    "attempts": "BIGINT NOT NULL DEFAULT 0",
}


def _v1_tables(conn: Connection) -> None:
    """The tables (and their indexes) of the index; those that exist already are kept as they are."""
    metadata.create_all(conn, tables=_INDEX_TABLES, checkfirst=True)


def _v2_job_leases(conn: Connection) -> None:
    """Jobs get an owner and a lease, so a replica that dies mid-job has it taken over."""
    present = {c["name"] for c in sa.inspect(conn).get_columns("jobs")}
    for name, ddl in _JOB_LEASE_COLUMNS.items():
        if name not in present:
            conn.exec_driver_sql(f"ALTER TABLE jobs ADD COLUMN {name} {ddl}")
    if "jobs_by_state" not in {i["name"] for i in sa.inspect(conn).get_indexes("jobs")}:
        conn.exec_driver_sql("CREATE INDEX jobs_by_state ON jobs (state, created_at)")


def _v3_names(conn: Connection) -> None:
    """Signed name records get their own table (docs/formats.md, Name records: names scoped to publishers, by seq)."""
    metadata.create_all(conn, tables=[names], checkfirst=True)


MIGRATIONS: list[Callable[[Connection], None]] = [_v1_tables, _v2_job_leases, _v3_names]
LATEST = len(MIGRATIONS)
_PG_LOCK_KEY = 0x0CA1_2000_0001  # pg_advisory_xact_lock key: "cairn migrate"


def schema_version(conn: Connection) -> int:
    """The version a database is at: 0 when it has no version table (new, or pre-versioning)."""
    if not sa.inspect(conn).has_table("cairn_schema"):
        return 0
    return int(conn.execute(sa.select(sa.func.max(cairn_schema.c.version))).scalar() or 0)


def migrate(conn: Connection) -> tuple[int, int]:
    """Bring the database to ``LATEST`` inside the caller's transaction; ``(before, after)``."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # pysqlite leaves DDL outside transactions otherwise
    before = schema_version(conn)
    if before > LATEST:
        raise NewerSchema(before)
    for step in MIGRATIONS[before:]:
        step(conn)
    if before < LATEST:
        cairn_schema.create(conn, checkfirst=True)
        conn.execute(sa.delete(cairn_schema))
        conn.execute(sa.insert(cairn_schema).values(version=LATEST))
    return before, LATEST


class NewerSchema(CairnError):
    """The database was migrated by a newer Cairn; this one would misread it."""

    def __init__(self, version: int) -> None:
        super().__init__(f"the index is at schema version {version}, newer than this cairn ({LATEST}): upgrade cairn")
