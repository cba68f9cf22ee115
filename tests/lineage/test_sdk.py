"""The Python API does what the CLI does, on real data."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

from cairn import Cairn
from tests.data import real_dataset_dir, real_model_dir


def test_publish_with_lineage_pull_verify_open_and_tensor(tmp_path: Path) -> None:
    with Cairn(home=tmp_path / "home") as cairn:
        data = cairn.publish(real_dataset_dir(), name="vega", version="1", kind="dataset")
        run = {"kind": "train", "parameters": {"lr": 3e-4}, "metrics": {"loss": float("nan")}}
        model = cairn.publish(real_model_dir(), name="minilm", version="1", derived_from=[data.cid], run=run)
        assert model.run is not None
        report = cairn.verify("minilm@1")
        assert report.ok and len(report.signers) == 3  # model, its run, the dataset
        with cairn.open("vega@1", "airports.csv") as handle:
            handle.seek(0)
            rows = list(csv.reader(io.TextIOWrapper(handle, encoding="utf-8")))
        assert rows[0][0] == "iata" and len(rows) > 3000
        with cairn.open("vega@1", "airports.csv") as handle:
            handle.seek(-10, io.SEEK_END)
            assert handle.read() == (real_dataset_dir() / "airports.csv").read_bytes()[-10:]
        name = "embeddings.word_embeddings.weight"
        expected = load_file(str(real_model_dir() / "model.safetensors"))[name]
        assert np.array_equal(cairn.tensor(model.cid, "model.safetensors", name), expected)
        pulled = cairn.pull("minilm@1", tmp_path / "out")
        assert (tmp_path / "out" / "config.json").read_bytes() == (real_model_dir() / "config.json").read_bytes()
        assert len(pulled.files) == len(cairn.files(model.cid))
        graph = cairn.lineage(data.cid, "down")
        assert str(model.cid) in graph.nodes
