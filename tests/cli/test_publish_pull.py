"""`cairn publish`, `pull`, `verify`, `ls`, `show` on real and synthetic models and datasets."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.cli.helpers import cairn, cairn_process
from tests.data import (
    csv_with_appended_rows,
    random_bytes,
    real_dataset_dir,
    real_model_dir,
    small_model,
    write_safetensors,
)


def _same_tree(a: Path, b: Path) -> bool:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    return files_a == files_b and all(filecmp.cmp(a / f, b / f, shallow=False) for f in files_a)


@pytest.fixture
def hf_folder(tmp_path: Path) -> Path:
    """A Hugging Face style folder: config, tokenizer, two safetensors shards and their index."""
    folder = tmp_path / "hf-model"
    shutil.copytree(real_model_dir(), folder)
    (folder / "model.safetensors").unlink()
    model = small_model(seed=3)
    names = sorted(model)
    write_safetensors(folder / "model-00001-of-00002.safetensors", {n: model[n] for n in names[:3]})
    write_safetensors(folder / "model-00002-of-00002.safetensors", {n: model[n] for n in names[3:]})
    (folder / "model.safetensors.index.json").write_text('{"weight_map": {}}')
    return folder


def test_publish_and_pull_a_real_model_folder_byte_for_byte(capsys, home: Path, tmp_path: Path) -> None:
    model = real_model_dir()
    published = cairn(capsys, "publish", model, "--name", "minilm", "--version", "1", "--json")
    assert published.code == 0, published.err
    info = published.json()
    assert info["kind"] == "model"
    assert {f["path"] for f in info["files"]} >= {"model.safetensors", "config.json", "1_Pooling/config.json"}
    assert info["bytes_new"] == info["bytes_total"] > 90_000_000
    assert "created a signing key" in published.err

    pulled = cairn(capsys, "pull", info["cid"], "-o", tmp_path / "out")
    assert pulled.code == 0, pulled.err
    assert _same_tree(model, tmp_path / "out")
    assert cairn(capsys, "verify", info["cid"]).code == 0


def test_publish_prints_the_cid_alone_on_the_last_line(capsys, home: Path, hf_folder: Path) -> None:
    result = cairn(capsys, "publish", hf_folder)
    assert result.code == 0
    assert result.last_line.startswith("bafyr4i")  # a BLAKE3 DAG-CBOR manifest


def test_republishing_identical_content_stores_nothing_new(capsys, home: Path, hf_folder: Path) -> None:
    first = cairn(capsys, "publish", hf_folder, "--name", "m", "--version", "1", "--json").json()
    again = cairn(capsys, "publish", hf_folder, "--name", "m", "--version", "1", "--json").json()
    assert again["cid"] == first["cid"]
    assert again["bytes_new"] == 0
    assert len(cairn(capsys, "ls", "--json").json()) == 1


def test_a_fine_tune_costs_only_its_changed_tensors(capsys, home: Path, tmp_path: Path) -> None:
    model = small_model(seed=5, layers=10)
    write_safetensors(tmp_path / "base" / "model.safetensors", model)
    base = cairn(capsys, "publish", tmp_path / "base", "--json").json()
    model["layers.4.weight"] = model["layers.4.weight"] * 0.5
    write_safetensors(tmp_path / "tuned" / "model.safetensors", model)
    tuned = cairn(capsys, "publish", tmp_path / "tuned", "--json").json()
    changed = model["layers.4.weight"].nbytes
    assert tuned["cid"] != base["cid"]
    # The changed tensor, plus the file's DAG node, the directory, files_meta and the manifest.
    assert changed <= tuned["bytes_new"] <= changed * 1.01 + 64_000


def test_reusing_name_at_version_for_other_content_is_refused(capsys, home: Path, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one")
    (tmp_path / "b.txt").write_text("two")
    assert cairn(capsys, "publish", tmp_path / "a.txt", "--name", "n", "--version", "1").code == 0
    refused = cairn(capsys, "publish", tmp_path / "b.txt", "--name", "n", "--version", "1")
    assert refused.code == 2
    assert "n@1 already names" in refused.err and len(refused.err.strip().splitlines()) == 1
    assert len(cairn(capsys, "ls", "--json").json()) == 1
    assert cairn(capsys, "publish", tmp_path / "b.txt", "--name", "n", "--version", "1", "--force").code == 0


def test_pull_by_name_and_version_and_include(capsys, home: Path, hf_folder: Path, tmp_path: Path) -> None:
    cairn(capsys, "publish", hf_folder, "--name", "hf", "--version", "2")
    pulled = cairn(capsys, "pull", "hf@2", "-o", tmp_path / "out", "--include", "*.json")
    assert pulled.code == 0
    names = {p.name for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert "config.json" in names and not any(n.endswith(".safetensors") for n in names)


def test_pull_into_a_non_empty_folder_needs_force(capsys, home: Path, hf_folder: Path, tmp_path: Path) -> None:
    cid = cairn(capsys, "publish", hf_folder).last_line
    target = tmp_path / "busy"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    refused = cairn(capsys, "pull", cid, "-o", target)
    assert refused.code == 2 and "not empty" in refused.err
    assert [p.name for p in target.iterdir()] == ["keep.txt"]
    assert cairn(capsys, "pull", cid, "-o", target, "--force").code == 0
    assert (target / "keep.txt").read_text() == "mine" and (target / "config.json").exists()


def test_several_files_are_recorded_under_their_base_names(capsys, home: Path, tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "weights.bin").write_bytes(random_bytes(300_000))
    (tmp_path / "notes.md").write_text("# notes")
    info = cairn(capsys, "publish", tmp_path / "x" / "weights.bin", tmp_path / "notes.md", "--json").json()
    assert sorted(f["path"] for f in info["files"]) == ["notes.md", "weights.bin"]


def test_a_real_dataset_round_trips(capsys, home: Path, tmp_path: Path) -> None:
    data = real_dataset_dir()
    info = cairn(capsys, "publish", data, "--name", "vega", "--json").json()
    assert info["kind"] == "dataset"
    assert cairn(capsys, "pull", "vega", "-o", tmp_path / "v").code == 0
    assert _same_tree(data, tmp_path / "v")


def test_appending_rows_to_a_csv_costs_the_appended_bytes_plus_two_chunks(capsys, home: Path, tmp_path: Path) -> None:
    header, rows, appended = csv_with_appended_rows(copies=20)  # about 4 MB of real rows
    data = header + b"".join(rows)
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "airports.csv").write_bytes(data)
    cairn(capsys, "publish", tmp_path / "v1", "--name", "airports")
    (tmp_path / "v2").mkdir()
    (tmp_path / "v2" / "airports.csv").write_bytes(data + appended)
    second = cairn(capsys, "publish", tmp_path / "v2", "--name", "airports", "--json").json()
    two_chunks = 2 * 1024 * 1024  # the largest a CDC chunk may be
    assert len(appended) <= second["bytes_new"] <= len(appended) + two_chunks


def test_ls_and_show(capsys, home: Path, hf_folder: Path) -> None:
    assert cairn(capsys, "ls", "--json").json() == []
    cid = cairn(capsys, "publish", hf_folder, "--name", "hf", "--version", "1", "--license", "mit").last_line
    listed = cairn(capsys, "ls", "--json").json()
    assert [(a["cid"], a["name"], a["version"], a["kind"]) for a in listed] == [(cid, "hf", "1", "model")]
    shown = cairn(capsys, "show", "hf", "--json").json()
    assert shown["cid"] == cid and shown["license"] == "mit" and shown["file_count"] == len(shown["files"])
    assert "hf" in cairn(capsys, "ls").out


def test_pull_and_verify_as_a_separate_process(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write_safetensors(folder / "model.safetensors", {"w": np.arange(100_000, dtype=np.float32)})
    published = cairn_process("publish", folder, home=home)
    assert published.code == 0, published.err
    cid = published.last_line
    assert cairn_process("pull", cid, "-o", tmp_path / "out", home=home).code == 0
    assert _same_tree(folder, tmp_path / "out")
    verified = cairn_process("verify", cid, home=home)
    assert verified.code == 0 and "signature valid" in verified.out
