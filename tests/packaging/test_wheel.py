"""The wheel built from the checkout: one top-level package, ``cairn``, with its data files."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from tests.packaging.conftest import ROOT, VERSION


def _files_under(folder: Path) -> set[str]:
    """Every file below ``folder`` (links followed), relative to it, caches left out."""
    found: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        found.update(str((Path(dirpath) / f).relative_to(folder)) for f in filenames if not f.endswith(".pyc"))
    return found


def test_the_wheel_has_exactly_one_top_level_package_cairn(wheel: Path, wheel_names: list[str]) -> None:
    assert wheel.name == f"cairn_store-{VERSION}-py3-none-any.whl"
    tops = {name.split("/")[0] for name in wheel_names}
    assert tops == {"cairn", f"cairn_store-{VERSION}.dist-info"}, "nothing but cairn/ may land in site-packages"


def test_the_wheel_holds_every_module_of_the_checkouts_cairn_package(wheel_names: list[str]) -> None:
    modules = {f"cairn/{name}" for name in _files_under(ROOT / "cairn") if name.endswith(".py")}
    assert modules <= set(wheel_names), sorted(modules - set(wheel_names))


def test_the_wheel_ships_py_typed_the_anchor_contract_and_the_web_pages(wheel_names: list[str]) -> None:
    names = set(wheel_names)
    assert "cairn/py.typed" in names
    for folder, wanted in (("contracts", ("Anchor.sol", "Anchor.abi.json", "Anchor.bin")), ("api/static", ())):
        shipped = {name for name in _files_under(ROOT / folder) if not name.endswith(".py")}
        assert set(wanted) <= shipped and shipped, folder
        assert {f"cairn/{folder}/{name}" for name in shipped} <= names, folder


def test_the_wheel_declares_the_cairn_command_and_the_cairn_fsspec_protocol(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        entry_points = archive.read(f"cairn_store-{VERSION}.dist-info/entry_points.txt").decode()
    assert "cairn = cairn.cli.main:main" in entry_points
    assert "cairn = cairn.lineage.interop.fsspec_fs:CairnFileSystem" in entry_points
