"""Cairn installs one top-level package, ``cairn``: a user's own ``storage/``, ``cli/``, ``api/`` or
``lineage/`` packages, or another distribution's ``cli/``, neither shadow it nor are shadowed."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.packaging.conftest import VERSION, Venv


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's project folder with packages named like the folders of Cairn's repository."""
    root = tmp_path_factory.mktemp("project")
    for package in ("storage", "cli", "api", "lineage"):
        (root / package).mkdir()
        (root / package / "__init__.py").write_text(f'WHOSE = "the project\'s own {package}"\n')
    (root / "storage" / "blockstore.py").write_text("class BlockStore:\n    pass  # the project's, not Cairn's\n")
    (root / "cli" / "main.py").write_text("def main():\n    raise SystemExit('the project cli')\n")
    (root / "data").mkdir()
    (root / "data" / "hello.txt").write_text("hello from the project\n")
    return root


def test_the_projects_packages_do_shadow_on_sys_path_from_its_folder(base_venv: Venv, project: Path) -> None:
    """The premise of the tests below: ``python`` run there imports the project's ``storage``."""
    result = base_venv.run("python", "-c", "import storage.blockstore, cli; print(cli.WHOSE)", cwd=project)
    assert result.returncode == 0 and result.stdout == "the project's own cli\n", result.stderr


def test_the_cairn_command_works_in_a_folder_with_its_own_storage_cli_api_and_lineage(
    base_venv: Venv, project: Path, tmp_path: Path
) -> None:
    env = {"CAIRN_HOME": str(tmp_path / "home")}
    assert base_venv.run("cairn", "--version", cwd=project).stdout == f"cairn {VERSION}\n"
    published = base_venv.run("cairn", "publish", "data", "--name", "hello", "--version", "1", cwd=project, env=env)
    assert published.returncode == 0, published.stderr
    cid = published.stdout.strip().splitlines()[-1]
    listed = base_venv.run("python", "-m", "cairn", "ls", cwd=project, env=env)  # the folder first on sys.path
    assert listed.returncode == 0 and cid in listed.stdout.split(), listed.stderr
    verified = base_venv.run("python", "-m", "cairn", "verify", "hello@1", cwd=project, env=env)
    assert verified.returncode == 0, verified.stderr


SDK = """
import cairn.lineage, cairn.storage.blockstore
from cairn import Cairn
assert "site-packages" in cairn.lineage.__file__ and hasattr(cairn.storage.blockstore, "BlockStore")
with Cairn() as c:
    result = c.publish("data", name="hello", version="1")
    assert c.verify(result.cid).ok
    print(result.cid)
"""

FSSPEC = """
import sys
import fsspec
with fsspec.open("cairn://hello@1/hello.txt", "rb") as handle:
    sys.stdout.write(handle.read().decode())
"""


def test_the_sdk_and_fsspec_work_in_that_folder(base_venv: Venv, project: Path, tmp_path: Path) -> None:
    env = {"CAIRN_HOME": str(tmp_path / "home")}
    published = base_venv.run("python", "-c", textwrap.dedent(SDK), cwd=project, env=env)
    assert published.returncode == 0, published.stderr
    read = base_venv.run("python", "-c", textwrap.dedent(FSSPEC), cwd=project, env=env)  # no import of cairn
    assert read.returncode == 0 and read.stdout == "hello from the project\n", read.stderr


def test_another_distribution_with_a_top_level_cli_main_leaves_cairn_working_installed_and_uninstalled(
    base_venv: Venv, tmp_path: Path
) -> None:
    other = tmp_path / "other-tool"
    (other / "cli").mkdir(parents=True)
    (other / "cli" / "__init__.py").write_text("")
    (other / "cli" / "main.py").write_text("def main():\n    print('other-tool says hi')\n")
    (other / "pyproject.toml").write_text(
        textwrap.dedent("""
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "other-tool"
        version = "1.0"

        [project.scripts]
        other-tool = "cli.main:main"

        [tool.setuptools]
        packages = ["cli"]
    """)
    )
    home = {"CAIRN_HOME": str(tmp_path / "home")}
    base_venv.pip("install", "-q", other)
    try:
        assert base_venv.run("other-tool").stdout == "other-tool says hi\n"
        assert base_venv.run("cairn", "--version", cwd=tmp_path).stdout == f"cairn {VERSION}\n"
        doctor = base_venv.run("cairn", "doctor", "--json", cwd=tmp_path, env=home)  # every command module
        assert doctor.returncode == 0, doctor.stderr
    finally:
        base_venv.pip("uninstall", "-y", "-q", "other-tool")
    assert base_venv.run("python", "-c", "import cli", cwd=tmp_path).returncode != 0, "cli/ went with other-tool"
    assert base_venv.run("cairn", "--version", cwd=tmp_path).stdout == f"cairn {VERSION}\n"
    doctor = base_venv.run("cairn", "doctor", "--json", cwd=tmp_path, env=home)
    assert doctor.returncode == 0, doctor.stderr
