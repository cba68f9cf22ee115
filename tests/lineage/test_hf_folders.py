"""Hugging Face-style model folders (config, tokenizer, sharded safetensors with their index)
survive publish and pull byte for byte and load as transformers loads them; the manifest's
files_meta records the shard index, and a broken index is refused at publish."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

from cairn.lineage.core import Cairn
from cairn.lineage.records.files_meta import read_files_meta
from cairn.lineage.workflows.resolve import open_target
from tests.cli.helpers import cairn
from tests.data import real_model_dir

INDEX = "model.safetensors.index.json"
HF_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")


def _sharded_folder(folder: Path, shards: int = 3) -> dict[str, np.ndarray]:
    """The real MiniLM weights cut into ``shards`` files, named and indexed as transformers'
    ``save_pretrained(max_shard_size=...)`` does; returns the original tensors."""
    tensors = load_file(str(real_model_dir() / "model.safetensors"))
    folder.mkdir(parents=True)
    for name in HF_FILES:
        shutil.copy(real_model_dir() / name, folder / name)
    names = sorted(tensors)
    weight_map: dict[str, str] = {}
    for i in range(shards):
        shard = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
        part = {n: tensors[n] for n in names[i::shards]}
        save_file(part, str(folder / shard), metadata={"format": "pt"})
        weight_map |= dict.fromkeys(part, shard)
    total = sum(t.nbytes for t in tensors.values())
    (folder / INDEX).write_text(json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2))
    return tensors


def _load_like_transformers(folder: Path) -> dict[str, np.ndarray]:
    """What transformers' sharded loading does: read the index, open each shard it names."""
    weight_map = json.loads((folder / INDEX).read_text())["weight_map"]
    loaded: dict[str, np.ndarray] = {}
    for shard in sorted(set(weight_map.values())):
        with safe_open(str(folder / shard), framework="np") as handle:
            loaded |= {name: handle.get_tensor(name) for name in handle.keys()}  # noqa: SIM118 - not a dict
    assert set(loaded) == set(weight_map)
    return loaded


def test_sharded_folder_round_trips_and_loads(tmp_path: Path) -> None:
    source = tmp_path / "model"
    tensors = _sharded_folder(source)
    with Cairn(tmp_path / "home") as c:
        cid = c.publish(source, name="minilm-sharded", version="1").cid
        c.pull("minilm-sharded@1", tmp_path / "pulled")
        target = open_target(c.repo.store, cid)
        assert target.manifest is not None and target.manifest.files_meta is not None
        rows = list(read_files_meta(c.repo.store, target.manifest.files_meta))
        name = sorted(tensors)[4]
        by_index = c.tensor(cid, INDEX, name)  # a tensor found through the index, in whichever shard
    pulled = tmp_path / "pulled"
    assert sorted(p.name for p in pulled.iterdir()) == sorted(p.name for p in source.iterdir())
    for path in source.iterdir():
        assert (pulled / path.name).read_bytes() == path.read_bytes(), path.name
    loaded = _load_like_transformers(pulled)
    assert all(np.array_equal(loaded[n], tensors[n]) for n in tensors)
    index_row = next(r for r in rows if r["path"] == INDEX and "tensor" not in r)
    assert index_row["shard_index"] == {
        "shards": [f"model-0000{i}-of-00003.safetensors" for i in (1, 2, 3)],
        "tensors": len(tensors),
        "total_size": sum(t.nbytes for t in tensors.values()),
    }
    assert np.array_equal(by_index, tensors[name])


def test_an_index_naming_a_missing_shard_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "model"
    _sharded_folder(source, shards=2)
    (source / "model-00002-of-00002.safetensors").unlink()
    result = cairn(capsys, "publish", source, "--home", tmp_path / "home")
    assert result.code == 2
    assert result.err.strip().count("\n") == 0 and "model-00002-of-00002.safetensors" in result.err
    assert "Traceback" not in result.err
