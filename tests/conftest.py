"""Shared fixtures. Real services (Kubo, arlocal, anvil, PostgreSQL) are started by the modules
in ``tests/services/`` on free loopback ports and stopped at the end of the session.

With ``CAIRN_NO_SKIPS=1`` (scripts/test.sh, hence CI) no test may skip: a skip, whatever raised it
(``pytest.skip`` in a test or fixture, a ``skipif`` mark, a developer's ``CAIRN_SKIP_*``), is
reported as a failure that names the skip's reason, so a missing service or tool cannot pass
unnoticed. Without it, skips stay skips, for developers who lack a service."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.services.anvil import anvil  # noqa: F401
from tests.services.arlocal import arlocal  # noqa: F401
from tests.services.kubo import kubo  # noqa: F401
from tests.services.postgres import postgres  # noqa: F401

INDEX_BACKENDS = ["sqlite", "postgresql"]
NO_SKIPS = "CAIRN_NO_SKIPS"


def _skip_reason(longrepr: Any) -> str:
    # A skip's report carries (path, line, "Skipped: <reason>"); anything else is shown whole.
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        path, line, message = longrepr
        return f"{message} ({path}:{line})"
    return str(longrepr)


def _refuse_skip(report: pytest.TestReport | pytest.CollectReport) -> None:
    if os.environ.get(NO_SKIPS) == "1" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"{NO_SKIPS}=1, so this skip is a failure: {_skip_reason(report.longrepr)}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    _refuse_skip(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, Any]:
    # Module-level skips (pytest.skip(allow_module_level=True), importorskip) happen at collection.
    report = yield
    _refuse_skip(report)
    return report


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
