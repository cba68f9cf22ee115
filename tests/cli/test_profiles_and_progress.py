"""Profiles end to end (a HAMT-sharded folder published, pulled and matched to `cairn cid`),
progress bars on a terminal only, and Ctrl-C during publish."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.cli.helpers import cairn, cairn_process
from tests.data import random_bytes


def test_a_hamt_sharded_folder_round_trips_with_the_cid_kubo_would_give(capsys, home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(3000):  # 3000 links of ~60 bytes pass Kubo's 256 KiB estimate: a HAMT
        (folder / f"sample-{i:05d}-with-a-longer-name-to-fill-the-directory.txt").write_text(f"row {i}\n")
    expected = cairn(capsys, "cid", folder, "--profile", "kubo").last_line
    info = cairn(capsys, "publish", folder, "--profile", "kubo", "--json").json()
    shown = cairn(capsys, "show", info["cid"], "--json").json()
    assert shown["content"] == expected
    assert cairn(capsys, "verify", expected).code == 0
    assert cairn(capsys, "pull", expected, "-o", tmp_path / "out").code == 0
    pulled = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert pulled == sorted(p.name for p in folder.iterdir())
    assert (tmp_path / "out" / pulled[1234]).read_bytes() == (folder / pulled[1234]).read_bytes()


def test_progress_bars_show_on_a_terminal_and_never_in_json(home: Path, tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "weights.bin").write_bytes(random_bytes(64 << 20, seed=5))
    env = {**os.environ, "CAIRN_HOME": str(home), "COLUMNS": "100"}
    primary, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "cairn.cli.main", "publish", str(tmp_path / "m")], env=env,
                            stdin=secondary, stdout=subprocess.PIPE, stderr=secondary)  # fmt: skip
    os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(60)
    os.close(primary)
    assert proc.returncode == 0
    assert b"publishing" in seen and b"MB" in seen  # the Rich bar, drawn on the terminal
    quiet = cairn_process("publish", tmp_path / "m", "--json", home=home)
    assert quiet.err.strip() == "" and quiet.json()["bytes_new"] == 0


def test_ctrl_c_during_publish_leaves_nothing_visible(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    for i in range(4):
        (folder / f"part{i}.bin").write_bytes(random_bytes(48 << 20, seed=60 + i))
    env = {**os.environ, "CAIRN_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "cairn.cli.main", "publish", str(folder)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    packs = home / "blocks" / "packs"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(p.stat().st_size > (16 << 20) for p in packs.glob("*.pack")):
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.decode().strip().splitlines() == ["cairn: error: interrupted; nothing half-written was made visible"]
    assert cairn_process("ls", "--json", home=home).json() == []
    assert cairn_process("fsck", home=home).code == 0
    assert cairn_process("publish", folder, home=home).code == 0
