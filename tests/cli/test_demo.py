"""`cairn demo`, the README's first command: the main job end to end on a fresh home, and again."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.helpers import cairn_process


def test_the_demo_publishes_dedups_pulls_and_verifies_on_a_fresh_home_and_again(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for run in ("fresh", "again"):
        result = cairn_process("demo", "--home", home, home=home)
        assert result.code == 0, f"{run}: {result.err}"
        assert "byte-for-byte True" in result.out and "signed records (ancestors included): ok" in result.out
        line = r"fine-tune \(1 of 8 tensors changed\): \S+\n\s+2 files, ([\d.]+) MiB in all, ([\d.]+) (\w+) new"
        tuned = re.search(line, result.out)
        assert tuned is not None, result.out
        total, new, unit = float(tuned[1]), float(tuned[2]), tuned[3]
        assert unit != "MiB" or new <= total / 7, "a fine-tune of one tensor in eight stores about an eighth"
        shown = cairn_process("show", "demo-model@2", "--json", home=home)
        assert shown.code == 0 and shown.json()["cid"] == result.last_line


def test_tables_print_cids_and_dids_whole_through_a_pipe(tmp_path: Path) -> None:
    """Rich assumes 80 columns without a terminal and reads ``:key:`` as an emoji: neither may
    cut or change what a user copies out of `cairn ls` or `cairn name list`."""
    home = tmp_path / "home"
    cid = cairn_process("demo", "--home", home, home=home).last_line
    assert cid in cairn_process("ls", home=home).out.split()
    did = cairn_process("key", "show", home=home).last_line
    listed = cairn_process("name", "list", "demo-model", home=home).out.split()
    assert did.startswith("did:key:z") and did in listed and cid in listed


def test_the_demo_writes_safetensors_byte_for_byte_as_the_safetensors_package_does(tmp_path: Path) -> None:
    """The demo writes its model itself (the base install has no safetensors package): the same
    bytes as ``safetensors.numpy.save_file``, mixed dtypes and an empty tensor included."""
    import numpy as np
    from safetensors.numpy import save_file

    from cairn.cli.commands.demo import save_safetensors

    rng = np.random.default_rng(3)
    tensors: dict[str, np.ndarray] = {
        "b.weight": rng.standard_normal((3, 5)).astype(np.float16),
        "a.steps": np.arange(7, dtype=np.int64),
        "c.bias": rng.standard_normal(4).astype(np.float32),
        "d.empty": np.zeros(0, dtype=np.uint8),
    }
    save_safetensors(tensors, tmp_path / "ours.safetensors", metadata={"format": "pt"})
    save_file(tensors, str(tmp_path / "reference.safetensors"), metadata={"format": "pt"})
    assert (tmp_path / "ours.safetensors").read_bytes() == (tmp_path / "reference.safetensors").read_bytes()
