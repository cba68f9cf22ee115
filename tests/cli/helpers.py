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

from cairn.cli.main import run


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
        [sys.executable, "-m", "cairn.cli.main", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input if input is not None else "",
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def peak_rss_mb(*args: str | Path, env: dict[str, str] | None = None) -> float:
    """Run ``cairn ARGS`` and return its peak resident memory in MB, mapped file pages included.

    Read from the process's own ``VmHWM`` while it runs, not from ``wait4``: Linux carries the
    parent's peak into the child's ``ru_maxrss`` across fork and exec, so a big parent (a test
    runner, a benchmark that just made a 4 GB file) would be measured instead of the command.
    """
    import time

    full_env = {**os.environ, **(env or {})}
    command = [sys.executable, "-m", "cairn.cli.main", *map(str, args)]
    proc = subprocess.Popen(command, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_kb = 0
    while proc.poll() is None:
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
        except OSError:
            break
        for line in status.splitlines():
            if line.startswith("VmHWM:") and proc.poll() is None:
                peak_kb = max(peak_kb, int(line.split()[1]))
        time.sleep(0.01)
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise AssertionError(f"cairn {args[0]} exited {proc.returncode}: {err.decode(errors='replace')[-500:]}")
    return peak_kb / 1024
