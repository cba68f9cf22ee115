"""Connecting to the index database: the SQLite file of a home, or a server named by a URL.

One SQLAlchemy engine per index. SQLite keeps the settings the raw ``sqlite3`` index had (WAL so
readers never wait for a writer, ``synchronous=FULL`` because a committed row is a promise, a
60 s busy timeout so writers queue instead of failing). Any other URL (PostgreSQL in practice)
gets a small connection pool shared by every ``Index`` on that URL in the process, since an API
server opens one per worker thread and a database allows only so many connections.

A URL is shown only with its password replaced by ``***``; connection failures become one
``IndexUnavailable`` line, never a driver traceback.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from cairn.errors import BadInput, RemoteUnavailable
from cairn.extras import require
from cairn.redact import redact_url, scrub


class IndexUnavailable(RemoteUnavailable):
    """The index database could not be reached (a server down, a wrong password, a bad host)."""


_shared: dict[str, Engine] = {}
_shared_lock = threading.Lock()


def index_url(target: Path | str) -> URL:
    """The SQLAlchemy URL of a SQLite file path or of a URL given in config."""
    if isinstance(target, Path):
        return URL.create("sqlite+pysqlite", database=str(target))
    try:
        url = make_url(target)
    except sa.exc.ArgumentError as exc:
        raise BadInput(f"CAIRN_INDEX_URL is not a database URL: {redact(target)}") from exc
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3, the one driver we ship
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise BadInput(f"unsupported index database {url.get_backend_name()!r} (use sqlite or postgresql)")
    return url


def redact(url: URL | str) -> str:
    """The URL as it may appear in output (``cairn.redact``), without the driver Cairn picked."""
    text = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    return redact_url(text.replace("+psycopg", "", 1).replace("+pysqlite", "", 1))


def engine_for(url: URL) -> Engine:
    """A new engine for a SQLite file (closed with its index), a shared one for a server."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    key = url.render_as_string(hide_password=False)
    with _shared_lock:
        engine = _shared.get(key)
        if engine is None:
            if url.get_driver_name() == "psycopg":
                require("postgres", "a PostgreSQL index (CAIRN_INDEX_URL)")
            engine = sa.create_engine(url, pool_size=8, max_overflow=16, pool_pre_ping=True, pool_recycle=1800)
            _shared[key] = engine
        return engine


def dispose(engine: Engine) -> None:
    """Close an engine's connections, unless it is shared with other indexes of the process."""
    if engine.url.get_backend_name() == "sqlite":
        engine.dispose()


def _sqlite_engine(url: URL) -> Engine:
    if url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    return engine


def unavailable(url: URL, exc: BaseException) -> IndexUnavailable:
    """The one line a connection failure becomes (the driver's first line, password removed)."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    detail = scrub(reason[0], url.render_as_string(hide_password=False)) if reason else type(exc).__name__
    return IndexUnavailable(f"cannot reach the index at {redact(url)}: {detail}")


def release(target: str) -> None:
    """Close the shared pool of a database URL (a test's throwaway database, a finished benchmark)."""
    key = index_url(target).render_as_string(hide_password=False)
    with _shared_lock:
        engine = _shared.pop(key, None)
    if engine is not None:
        engine.dispose()
