"""`cairn verify`, `fsck` and `gc` find damage, name it, and keep what is referenced."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import cairn
from tests.data import small_model, write_safetensors


def _publish(capsys, folder: Path, seed: int) -> str:  # type: ignore[no-untyped-def]
    write_safetensors(folder / "model.safetensors", small_model(seed=seed, layers=3))
    result = cairn(capsys, "publish", folder)
    assert result.code == 0
    return result.last_line


def _flip_byte_of_block(home: Path, cid: str) -> None:
    import sqlite3

    from cairn.chunking.cid import CID

    with sqlite3.connect(home / "blocks" / "blocks.sqlite") as db:
        pack, offset = db.execute("SELECT pack, offset FROM blocks WHERE cid = ?", (CID.parse(cid).raw,)).fetchone()
    path = home / "blocks" / "packs" / pack
    raw = bytearray(path.read_bytes())
    raw[offset + 5] ^= 0xFF
    path.write_bytes(bytes(raw))


def test_verify_names_the_corrupt_block_and_exits_1(capsys, home: Path, tmp_path: Path) -> None:
    cid = _publish(capsys, tmp_path / "m", 1)
    files = cairn(capsys, "show", cid, "--json").json()["files"]
    shown = cairn(capsys, "show", cid, "--json").json()
    leaf = files[0]["cid"]
    assert cairn(capsys, "verify", cid).code == 0
    _flip_byte_of_block(home, leaf if leaf.startswith("bafk") else shown["content"])
    result = cairn(capsys, "verify", cid)
    assert result.code == 1
    assert "corrupt" in result.err
    assert cairn(capsys, "fsck").code == 1


def test_gc_keeps_published_artifacts(capsys, home: Path, tmp_path: Path) -> None:
    cid = _publish(capsys, tmp_path / "m", 2)
    result = cairn(capsys, "gc", "--json").json()
    assert result["blocks_removed"] == 0
    assert cairn(capsys, "verify", cid).code == 0


def test_fsck_reindex_rebuilds_the_index_from_the_records(capsys, home: Path, tmp_path: Path) -> None:
    cid = _publish(capsys, tmp_path / "m", 3)
    (home / "index.sqlite").unlink()
    for extra in home.glob("index.sqlite-*"):
        extra.unlink()
    assert cairn(capsys, "ls", "--json").json() == []
    assert cairn(capsys, "fsck", "--reindex").code == 0
    assert [a["cid"] for a in cairn(capsys, "ls", "--json").json()] == [cid]


def test_car_round_trip_into_a_fresh_home(capsys, home: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cid = _publish(capsys, tmp_path / "m", 4)
    assert cairn(capsys, "car", "export", cid, "-o", tmp_path / "a.car").code == 0
    monkeypatch.setenv("CAIRN_HOME", str(tmp_path / "fresh"))
    imported = cairn(capsys, "car", "import", tmp_path / "a.car", "--json").json()
    assert imported["artifacts"] == [cid]
    assert cairn(capsys, "verify", cid).code == 0
    assert cairn(capsys, "pull", cid, "-o", tmp_path / "out").code == 0
    assert (tmp_path / "out" / "model.safetensors").read_bytes() == (tmp_path / "m" / "model.safetensors").read_bytes()


def test_car_import_of_foreign_dag_cbor_keeps_it_as_a_root(capsys, home: Path, tmp_path: Path) -> None:
    import io

    from cairn.chunking import dagcbor
    from cairn.chunking.car import CarWriter
    from cairn.chunking.cid import CID, DAG_CBOR, RAW
    from cairn.chunking.multihash import SHA2_256

    leaf = CID.of(RAW, SHA2_256, b"payload")
    node = dagcbor.encode({"hello": "world", "link": leaf})
    root = CID.of(DAG_CBOR, SHA2_256, node)
    out = io.BytesIO()
    writer = CarWriter(out, [root])
    writer.put(root, node)
    writer.put(leaf, b"payload")
    (tmp_path / "foreign.car").write_bytes(out.getvalue())
    assert cairn(capsys, "car", "import", tmp_path / "foreign.car").code == 0
    assert cairn(capsys, "ls", "--json").json() == []
    assert cairn(capsys, "gc", "--json").json()["blocks_removed"] == 0
    assert cairn(capsys, "fsck").code == 0


@pytest.mark.kubo
def test_fsck_repair_restores_corrupt_and_missing_blocks_from_ipfs(capsys, home: Path, tmp_path: Path, kubo,
                                                                   monkeypatch) -> None:  # fmt: skip
    import sqlite3

    from cairn.chunking.cid import CID

    monkeypatch.setenv("CAIRN_IPFS_API", kubo.api_url)
    cid = _publish(capsys, tmp_path / "m", 7)
    assert cairn(capsys, "pin", cid, "--to", "ipfs").code == 0
    content = cairn(capsys, "show", cid, "--json").json()["content"]
    leaf = cairn(capsys, "show", cid, "--json").json()["files"][0]["cid"]
    _flip_byte_of_block(home, content)
    with sqlite3.connect(home / "blocks" / "blocks.sqlite") as db:  # a block that went missing
        victim = db.execute("SELECT cid FROM blocks WHERE cid != ? AND cid != ? LIMIT 1 OFFSET 5",
                            (CID.parse(content).raw, CID.parse(leaf).raw)).fetchone()[0]  # fmt: skip
        db.execute("DELETE FROM blocks WHERE cid = ?", (victim,))
    assert cairn(capsys, "fsck").code == 1
    assert cairn(capsys, "fsck", "--repair").code == 1  # nothing to restore from: still broken
    repaired = cairn(capsys, "fsck", "--repair", "--from", "ipfs", "--json")
    assert repaired.code == 0, repaired.out
    assert any("restored" in line for line in repaired.json()["repaired"])
    assert cairn(capsys, "verify", cid).code == 0
    assert cairn(capsys, "fsck").code == 0
