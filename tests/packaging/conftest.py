"""Real installs for the packaging tests: the wheel built once from this checkout, and one venv
holding it without extras (dependencies from PyPI, through pip's own cache), shared by the session.

Commands run in that venv see none of the test runner's CAIRN_* settings, PYTHONPATH or virtualenv,
so what they import is what a user's install holds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
VERSION: str = PYPROJECT["project"]["version"]
INSTALL_TIMEOUT = 600


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment less what would make a command see the checkout or the test
    session's Cairn settings instead of its own install."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "PYTHONSAFEPATH")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_") and k not in drop}
    return {**env, **extra}


@dataclass(frozen=True)
class Venv:
    root: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    def run(self, *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:  # fmt: skip
        """Run a program of this venv (``cairn``, ``python``, ``pip``) as a user whose PATH starts there."""
        path = f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}"
        full_env = clean_env(PATH=path, **(env or {}))
        command = [str(self.bin / str(args[0])), *map(str, args[1:])]
        return subprocess.run(command, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)  # fmt: skip

    def pip(self, *args: str | Path, cwd: Path | None = None) -> None:
        result = self.run("python", "-m", "pip", *args, cwd=cwd, timeout=INSTALL_TIMEOUT)
        assert result.returncode == 0, f"pip {args}:\n{result.stdout[-2000:]}{result.stderr[-3000:]}"

    def distributions(self) -> set[str]:
        """Every distribution installed in this venv, by normalised name (``python-multipart``)."""
        code = "import importlib.metadata as m, json; print(json.dumps([d.name for d in m.distributions()]))"
        result = self.run("python", "-c", code)
        assert result.returncode == 0, result.stderr
        return {name.lower().replace("_", "-").replace(".", "-") for name in json.loads(result.stdout)}


def source_tree(into: Path) -> Path:
    """What the build reads, copied out of the checkout: pyproject.toml, README.md, cairn/ and the
    folders its links lead to. A copy, so that no stale build/ folder of the checkout (setuptools
    keeps one and would ship files deleted since) and no __pycache__ reaches the wheel."""
    into.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, into / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "cairn", into / "cairn", symlinks=True, ignore=ignore)
    for link in (ROOT / "cairn").iterdir():
        if link.is_symlink():
            target = (link.parent / os.readlink(link)).resolve()
            shutil.copytree(target, into / target.relative_to(ROOT), symlinks=True, ignore=ignore)
    return into


def build_wheel(source: Path, out: Path) -> Path:
    """``pip wheel --no-deps`` with build isolation: setuptools comes from PyPI (or pip's cache)."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        env=clean_env(), capture_output=True, text=True, timeout=INSTALL_TIMEOUT,
    )  # fmt: skip
    assert result.returncode == 0, f"building the wheel failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}"
    (wheel,) = out.glob("*.whl")
    return wheel


def make_venv(root: Path) -> Venv:
    venv.EnvBuilder(with_pip=True, symlinks=True).create(root)
    return Venv(root)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    return build_wheel(source_tree(base / "src"), base / "dist")


@pytest.fixture(scope="session")
def wheel_names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


@pytest.fixture(scope="session")
def base_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """The wheel installed as ``pip install cairn-store`` installs it: no extras."""
    env = make_venv(tmp_path_factory.mktemp("base-venv") / "venv")
    env.pip("install", "-q", wheel)
    return env
