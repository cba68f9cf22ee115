"""How commands talk to people and machines: JSON on stdout, notices on stderr, Rich progress
bars only on a terminal and never with ``--json``."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=False) + "\n")


def notice(message: str) -> None:
    print(message, file=sys.stderr)


@contextmanager
def progress_bar(description: str, total: int | None, enabled: bool) -> Iterator[Callable[[int], None]]:
    """Yield an ``advance(n_bytes)`` callback; a Rich bar on a terminal, a no-op elsewhere."""
    if not enabled or not sys.stderr.isatty():
        yield lambda _n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    # Bars go to stderr, like every notice, so stdout keeps only the result.
    console = Console(stderr=True)
    with Progress("[progress.description]{task.description}", *columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"
