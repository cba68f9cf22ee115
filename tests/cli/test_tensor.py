"""Lazy tensors: one tensor of a real model by name, fetching only the blocks that hold it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from tests.cli.helpers import cairn
from tests.data import real_model_dir
from tests.services.kubo import KuboDaemon


def test_one_tensor_from_the_local_store(capsys, home: Path, tmp_path: Path) -> None:
    model = real_model_dir()
    cid = cairn(capsys, "publish", model).last_line
    name = "encoder.layer.3.attention.self.query.weight"
    result = cairn(capsys, "tensor", cid, "model.safetensors", name, "-o", tmp_path / "q.npy", "--json")
    assert result.code == 0, result.err
    expected = load_file(str(model / "model.safetensors"))[name]
    assert np.array_equal(np.load(tmp_path / "q.npy"), expected)
    assert result.json()["bytes_fetched"] == 0


def test_unknown_tensor_or_file(capsys, home: Path, tmp_path: Path) -> None:
    cid = cairn(capsys, "publish", real_model_dir()).last_line
    assert cairn(capsys, "tensor", cid, "model.safetensors", "nope", "-o", tmp_path / "x.npy").code == 1
    assert cairn(capsys, "tensor", cid, "missing.safetensors", "nope", "-o", tmp_path / "x.npy").code == 1


@pytest.mark.kubo
def test_one_tensor_fetched_from_ipfs_costs_only_its_blocks(capsys, home: Path, tmp_path: Path, kubo: KuboDaemon,
                                                            monkeypatch) -> None:  # fmt: skip
    monkeypatch.setenv("CAIRN_IPFS_API", kubo.api_url)
    model = real_model_dir()
    cid = cairn(capsys, "publish", model).last_line
    assert cairn(capsys, "pin", cid, "--to", "ipfs").code == 0
    monkeypatch.setenv("CAIRN_HOME", str(tmp_path / "fresh"))
    name = "encoder.layer.5.output.dense.weight"
    out = tmp_path / "t.npy"
    result = cairn(capsys, "tensor", cid, "model.safetensors", name, "--from", "ipfs", "-o", out, "--json")
    assert result.code == 0, result.err
    info = result.json()
    expected = load_file(str(model / "model.safetensors"))[name]
    assert np.array_equal(np.load(out), expected)
    file_size = (model / "model.safetensors").stat().st_size
    # The tensor's bytes, at most one partial block on each side, and the small metadata blocks.
    assert info["bytes"] <= info["bytes_fetched"] <= info["bytes"] + 2 * 1048576 + 256 * 1024
    assert info["bytes_fetched"] < file_size / 10
    print(f"tensor {info['bytes']} bytes; fetched {info['bytes_fetched']} of a {file_size}-byte file")
