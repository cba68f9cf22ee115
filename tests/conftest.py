"""Shared fixtures. Real services (Kubo, arlocal, anvil) are started by the modules in
``tests/services/`` on free loopback ports and stopped at the end of the session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.services.anvil import anvil  # noqa: F401
from tests.services.arlocal import arlocal  # noqa: F401
from tests.services.kubo import kubo  # noqa: F401


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Cairn home, also exported as CAIRN_HOME for commands run in the test."""
    path = tmp_path / "home"
    monkeypatch.setenv("CAIRN_HOME", str(path))
    return path
