"""Shared fixtures. Real services (Kubo, arlocal, anvil, PostgreSQL) are started by the modules
in ``tests/services/`` on free loopback ports and stopped at the end of the session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services.anvil import anvil  # noqa: F401
from tests.services.arlocal import arlocal  # noqa: F401
from tests.services.kubo import kubo  # noqa: F401
from tests.services.postgres import postgres  # noqa: F401

INDEX_BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Cairn home, also exported as CAIRN_HOME for commands run in the test."""
    path = tmp_path / "home"
    monkeypatch.setenv("CAIRN_HOME", str(path))
    return path


@pytest.fixture(params=INDEX_BACKENDS)
def index_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str | None]:
    """Each index backend in turn: ``None`` for the home's SQLite file, else the URL of a fresh,
    migrated PostgreSQL database, also exported as CAIRN_INDEX_URL for commands run in the test."""
    if request.param == "sqlite":
        yield None
        return
    from cairn.lineage.index.catalog import Index
    from cairn.lineage.index.db import release

    url = request.getfixturevalue("postgres").fresh_database()
    Index(url).migrate()
    monkeypatch.setenv("CAIRN_INDEX_URL", url)
    yield url
    release(url)
