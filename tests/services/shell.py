"""The shell entry point every test service shares (``python -m tests.services.kubo`` and the
like): start the service in a throwaway folder, then run a command with its settings in the
environment, or print them as ``export`` lines and wait for Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def serve(
    name: str,
    doc: str,
    running: Callable[[Path], AbstractContextManager[T]],
    exports: Callable[[T], dict[str, str]],
    note: str,
    setup_error: type[Exception],
    argv: Sequence[str] | None = None,
) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m tests.services.{name}", description=doc.split("\n\n")[0])
    parser.add_argument("command", nargs=argparse.REMAINDER, help="run this (after --) with the service up")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    with tempfile.TemporaryDirectory(prefix=f"cairn-{name}-") as base:
        try:
            with running(Path(base)) as service:
                settings = exports(service)
                if command:
                    return subprocess.run(command, env={**os.environ, **settings}, check=False).returncode
                for key, value in settings.items():
                    print(f"export {key}={value}")
                print(f"# {note}; Ctrl-C stops it", file=sys.stderr, flush=True)
                signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
                with contextlib.suppress(KeyboardInterrupt):
                    signal.pause()
                return 0
        except setup_error as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
