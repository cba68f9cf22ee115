"""Prints what the hardening tests measured (kills survived) at the end of the session."""

from __future__ import annotations

import pytest

from tests.hardening.summary import SUMMARY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARY:
        terminalreporter.section("hardening")
        for line in SUMMARY:
            terminalreporter.write_line(line)
