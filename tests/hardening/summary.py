"""Lines the hardening tests want shown at the end of the session (conftest.py prints them)."""

from __future__ import annotations

SUMMARY: list[str] = []
