"""Every test of the index and the lineage workflows runs once per index backend (SQLite, PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def home(home: Path, index_url: str | None) -> Path:
    """The empty home of the root conftest, its index on each backend in turn."""
    return home
