"""Prints how many inputs each fuzz target ran, however the session went (the README quotes them)."""

from __future__ import annotations

import pytest

from tests.fuzz.harness import EXAMPLES, MUTANTS, STATS, UPLOAD_EXAMPLES, summary_lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not STATS:
        return
    terminalreporter.section(
        f"fuzz inputs (CAIRN_FUZZ_EXAMPLES={EXAMPLES}, CAIRN_FUZZ_MUTANTS={MUTANTS},"
        f" CAIRN_FUZZ_UPLOAD_EXAMPLES={UPLOAD_EXAMPLES})"
    )
    for line in summary_lines():
        terminalreporter.write_line(line)
