"""Running the real `cairn` command: in-process for speed, as a subprocess where a test must
kill it or watch its exit as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cli.main import run


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def last_line(self) -> str:
        return self.out.strip().splitlines()[-1]


def cairn(capsys: pytest.CaptureFixture[str], *args: str | Path) -> Result:
    capsys.readouterr()
    code = run([str(a) for a in args])
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def cairn_process(*args: str | Path, home: Path, timeout: float = 600, env: dict[str, str] | None = None,
                  input: str | None = None) -> Result:  # fmt: skip
    """Run ``cairn ARGS`` as a user would; ``input`` is typed on its standard input (else none)."""
    env = {**os.environ, **(env or {}), "CAIRN_HOME": str(home)}
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input if input is not None else "",
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)
