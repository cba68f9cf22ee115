"""``pull --force`` into a folder that has content: the folder is the old one or the new one,
never a mix, even when the pull is killed; files the artifact does not name are kept."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.cli.helpers import cairn, cairn_process
from tests.data import random_bytes


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _artifact(tmp_path: Path) -> Path:
    folder = tmp_path / "release"
    for i in range(120):
        path = folder / f"shard{i % 4}" / f"part{i}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(random_bytes(64 << 10, seed=i))
    (folder / "weights.bin").write_bytes(random_bytes(24 << 20, seed=999))
    return folder


def _old_target(tmp_path: Path) -> Path:
    target = tmp_path / "target"
    (target / "shard1").mkdir(parents=True)
    (target / "weights.bin").write_bytes(b"old weights")
    (target / "shard1" / "part1.bin").write_bytes(b"old part")
    (target / "shard1" / "mine.txt").write_text("kept")
    (target / "notes.md").write_text("my notes")
    return target


def test_force_keeps_other_files_and_swaps_the_folder_in_one_step(capsys, home: Path, tmp_path: Path) -> None:
    cid = cairn(capsys, "publish", _artifact(tmp_path)).last_line
    target = _old_target(tmp_path)
    inode_before = target.stat().st_ino
    assert cairn(capsys, "pull", cid, "-o", target, "--force").code == 0
    pulled = _snapshot(target)
    assert pulled["notes.md"] == b"my notes" and pulled["shard1/mine.txt"] == b"kept"
    assert pulled["weights.bin"] == (tmp_path / "release" / "weights.bin").read_bytes()
    assert len(pulled) == 121 + 2
    assert target.stat().st_ino != inode_before  # exchanged, not written file by file
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".target")] == []


def test_a_file_where_the_artifact_has_a_folder_is_a_conflict_and_nothing_changes(
    capsys, home: Path, tmp_path: Path
) -> None:
    cid = cairn(capsys, "publish", _artifact(tmp_path)).last_line
    target = tmp_path / "target"
    target.mkdir()
    (target / "shard2").write_text("a file, not a folder")
    before = _snapshot(target)
    result = cairn(capsys, "pull", cid, "-o", target, "--force")
    assert result.code == 2 and "same name" in result.err
    assert _snapshot(target) == before


def test_kill_9_during_a_forced_pull_leaves_the_old_or_the_new_folder(home: Path, tmp_path: Path) -> None:
    release = _artifact(tmp_path)
    cid = cairn_process("publish", release, home=home).last_line
    target = _old_target(tmp_path)
    old = _snapshot(target)
    new = {**old, **{str(p.relative_to(release)): p.read_bytes() for p in release.rglob("*") if p.is_file()}}
    rng = random.Random(7)
    env = {**os.environ, "CAIRN_HOME": str(home)}
    for _ in range(8):
        proc = subprocess.Popen([sys.executable, "-m", "cairn.cli.main", "pull", cid, "-o", str(target), "--force"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(rng.uniform(0.2, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = _snapshot(target)
        assert state in (old, new), "a killed pull left a mix of old and new files"
        if state == new:  # the kill came after the swap: start again from the old folder
            shutil.rmtree(target)
            _old_target(tmp_path)
    assert cairn_process("pull", cid, "-o", target, "--force", home=home).code == 0
    assert _snapshot(target) == new
    assert cairn_process("fsck", home=home).code == 0
