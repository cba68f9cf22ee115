"""Bad input: one clear line on stderr, exit 2 (1 for a failed check), and nothing changed."""

from __future__ import annotations

import io
import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cairn.chunking.car import CarWriter
from cairn.chunking.cid import CID, RAW
from cairn.chunking.dag import DagEntry, emit_directory, emit_pb
from cairn.chunking.dagpb import PBLink, PBNode
from cairn.chunking.multihash import SHA2_256
from cairn.chunking.unixfs import NodeType, UnixFSData
from tests.cli.helpers import Result, cairn
from tests.data import random_bytes, small_model, write_safetensors


def _store_state(home: Path) -> tuple[int, tuple[tuple[str, int], ...]]:
    packs = home / "blocks" / "packs"
    sizes = tuple(sorted((p.name, p.stat().st_size) for p in packs.glob("*.pack"))) if packs.exists() else ()
    index = home / "index.sqlite"
    count = 0
    if index.exists():
        import sqlite3

        with sqlite3.connect(index) as db:
            count = db.execute("SELECT count(*) FROM artifacts").fetchone()[0]
    return count, sizes


def _one_line_error(result: Result, code: int) -> None:
    assert result.code == code, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cairn: error: "), result.err
    assert "Traceback" not in result.err


@pytest.fixture
def seeded(capsys, home: Path, tmp_path: Path) -> Path:
    """A home that already holds one artifact, so 'nothing changed' means something."""
    write_safetensors(tmp_path / "seed" / "model.safetensors", small_model(seed=9, layers=2))
    assert cairn(capsys, "publish", tmp_path / "seed").code == 0
    return home


def test_missing_path(capsys, seeded: Path, tmp_path: Path) -> None:
    before = _store_state(seeded)
    _one_line_error(cairn(capsys, "publish", tmp_path / "nope"), 2)
    assert _store_state(seeded) == before


def test_a_fifo_is_not_a_regular_file(capsys, seeded: Path, tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    os.mkfifo(folder / "pipe")
    before = _store_state(seeded)
    _one_line_error(cairn(capsys, "publish", folder), 2)
    assert _store_state(seeded) == before


def test_a_name_with_a_backslash_is_refused_since_pull_could_not_write_it(capsys, seeded: Path, tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "ok.txt").write_text("fine")
    (folder / "a\\b.txt").write_text("a Windows path in disguise")
    before = _store_state(seeded)
    result = cairn(capsys, "publish", folder)
    _one_line_error(result, 2)
    assert "backslash" in result.err
    assert _store_state(seeded) == before


def test_symlink_out_of_the_folder_is_refused(capsys, seeded: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("do not publish")
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "ok.txt").write_text("fine")
    (folder / "leak.txt").symlink_to(tmp_path / "secret.txt")
    before = _store_state(seeded)
    result = cairn(capsys, "publish", folder)
    _one_line_error(result, 2)
    assert "outside" in result.err
    assert _store_state(seeded) == before


def test_symlink_inside_the_folder_is_followed(capsys, home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "real.txt").write_text("content")
    (folder / "alias.txt").symlink_to(folder / "real.txt")
    info = cairn(capsys, "publish", folder, "--json").json()
    assert sorted(f["path"] for f in info["files"]) == ["alias.txt", "real.txt"]


@pytest.mark.parametrize("case", ["length past end", "overlap"])
def test_corrupt_safetensors_is_refused_and_stores_nothing(capsys, seeded: Path, tmp_path: Path, case: str) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "config.json").write_bytes(random_bytes(500_000, seed=4))  # would be stored first
    if case == "length past end":
        (folder / "model.safetensors").write_bytes(struct.pack("<Q", 10**6) + b"{}")
    else:
        header = (
            b'{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},'
            b'"b":{"dtype":"U8","shape":[8],"data_offsets":[4,12]}}'
        )
        (folder / "model.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + bytes(12))
    before = _store_state(seeded)
    _one_line_error(cairn(capsys, "publish", folder), 2)
    assert _store_state(seeded) == before


@pytest.mark.parametrize("text", ["bafyNOTACID", "Qm123", "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvy"])
def test_malformed_cid_is_exit_2(capsys, seeded: Path, text: str) -> None:
    for command in ("pull", "verify", "show"):
        _one_line_error(cairn(capsys, command, text), 2)


def test_unknown_cid_is_exit_1(capsys, seeded: Path, tmp_path: Path) -> None:
    unknown = str(CID.of(RAW, SHA2_256, b"nobody has this"))
    _one_line_error(cairn(capsys, "pull", unknown, "-o", tmp_path / "o"), 1)
    assert not (tmp_path / "o").exists()
    assert cairn(capsys, "verify", unknown).code == 1


def _car_with_directory(path: Path, name: str) -> CID:
    """A CAR holding a UnixFS directory whose one entry has the given (hostile) name."""
    blocks: list[tuple[CID, bytes]] = []
    sink = lambda cid, data: blocks.append((cid, bytes(data)))  # noqa: E731
    payload = b"escaped"
    leaf = CID.of(RAW, SHA2_256, payload)
    sink(leaf, payload)
    node = PBNode((PBLink(leaf, name, len(payload)),), UnixFSData(NodeType.DIRECTORY).encode())
    root, _ = emit_pb(node, SHA2_256, sink)
    with open(path, "wb") as handle:
        writer = CarWriter(handle, [root])
        for cid, data in blocks:
            writer.put(cid, data)
    return root


@pytest.mark.parametrize("name", ["..", "../x", "/etc/passwd", "a/b", "", "."])
def test_hostile_directory_entries_are_refused_on_pull(capsys, home: Path, tmp_path: Path, name: str) -> None:
    root = _car_with_directory(tmp_path / "evil.car", name)
    assert cairn(capsys, "car", "import", tmp_path / "evil.car").code == 0
    target = tmp_path / "out" / "inner"
    _one_line_error(cairn(capsys, "pull", str(root), "-o", target), 2)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*"))
    assert not (tmp_path / "x").exists()


def test_car_with_a_wrong_block_changes_nothing(capsys, seeded: Path, tmp_path: Path) -> None:
    good = b"good bytes"
    cid = CID.of(RAW, SHA2_256, good)
    out = io.BytesIO()
    writer = CarWriter(out, [cid])
    writer.put(CID.of(RAW, SHA2_256, b"other"), b"other")
    writer.put(cid, b"evil bytes")  # same length, wrong content
    (tmp_path / "bad.car").write_bytes(out.getvalue())
    before = _store_state(seeded)
    result = cairn(capsys, "car", "import", tmp_path / "bad.car")
    _one_line_error(result, 1)
    assert str(cid) in result.err
    assert _store_state(seeded) == before


def test_car_missing_blocks_of_its_root_changes_nothing(capsys, seeded: Path, tmp_path: Path) -> None:
    leaf = CID.of(RAW, SHA2_256, b"absent")
    blocks: list[tuple[CID, bytes]] = []
    root = emit_directory([("f", DagEntry(leaf, 6, 6))], SHA2_256, lambda c, d: blocks.append((c, bytes(d))))
    out = io.BytesIO()
    writer = CarWriter(out, [root.cid])
    for cid, data in blocks:
        writer.put(cid, data)
    (tmp_path / "partial.car").write_bytes(out.getvalue())
    before = _store_state(seeded)
    _one_line_error(cairn(capsys, "car", "import", tmp_path / "partial.car"), 1)
    assert _store_state(seeded) == before


def test_unknown_profile_and_kind_are_usage_errors(capsys, seeded: Path, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    _one_line_error(cairn(capsys, "publish", tmp_path / "a.txt", "--profile", "nope"), 2)
    _one_line_error(cairn(capsys, "publish", tmp_path / "a.txt", "--kind", "nope"), 2)
    _one_line_error(cairn(capsys, "cid", tmp_path / "a.txt", "--profile", "native-v1", "--hash", "sha2-256"), 2)


def test_fsck_on_a_home_that_does_not_exist_is_fine(capsys, home: Path) -> None:
    assert cairn(capsys, "fsck").code == 0
    assert not home.exists()


def test_kill_9_during_publish_leaves_nothing_visible_and_a_rerun_completes(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    for i in range(6):
        (folder / f"part{i}.bin").write_bytes(random_bytes(40 << 20, seed=i))
    env = {**os.environ, "CAIRN_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "cairn.cli.main", "publish", str(folder)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    packs = home / "blocks" / "packs"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(p.stat().st_size > (20 << 20) for p in packs.glob("*.pack")):
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    from tests.cli.helpers import cairn_process

    assert cairn_process("ls", "--json", home=home).json() == []
    assert cairn_process("fsck", home=home).code == 0
    rerun = cairn_process("publish", str(folder), "--json", home=home)
    assert rerun.code == 0, rerun.err
    assert len(cairn_process("ls", "--json", home=home).json()) == 1
    assert cairn_process("verify", rerun.json()["cid"], home=home).code == 0


def test_a_full_disk_is_one_clear_line_not_an_internal_error(capsys) -> None:
    """A full disk cannot be made safely on a shared machine; the report it leads to can be checked."""
    import errno

    from cairn.cli.errors import report

    code = report(OSError(errno.ENOSPC, "short write to pack file (10 of 20 bytes)"))
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("cairn: error: the disk is full") and "internal error" not in err
