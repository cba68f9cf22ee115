"""``CAIRN_BLOCKSTORE=ipfs``: a home whose blocks live only in Kubo. Publish, pull and verify work
as with local packs, nothing is written under ``blocks/``, and what the index lists is pinned in
Kubo (every block read back is verified by ``KuboClient.block_get``; tests/storage covers that)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import cairn
from tests.data import random_bytes, small_model, write_safetensors
from tests.services.kubo import KuboDaemon

pytestmark = pytest.mark.kubo


@pytest.fixture
def kubo_home(home: Path, kubo: KuboDaemon, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAIRN_IPFS_API", kubo.api_url)
    monkeypatch.setenv("CAIRN_BLOCKSTORE", "ipfs")
    return home


def test_publish_pull_and_verify_keep_no_block_files(capsys, kubo_home: Path, kubo: KuboDaemon, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write_safetensors(folder / "model.safetensors", small_model(seed=21, layers=4))
    (folder / "notes.txt").write_bytes(random_bytes(3_000_000, seed=21))  # several blocks
    published = cairn(capsys, "publish", folder, "--name", "on-kubo", "--version", "1", "--json")
    assert published.code == 0, published.err
    info = published.json()
    # New to Kubo, but for small blocks an earlier test of this session's Kubo may have stored.
    assert info["bytes_total"] >= info["bytes_new"] > 0.99 * info["bytes_total"] > 0
    assert not (kubo_home / "blocks").exists()
    assert info["cid"] in kubo.ipfs_text("pin", "ls", "--type=recursive")  # the manifest pins its files

    again = cairn(capsys, "publish", folder, "--name", "on-kubo", "--version", "1", "--json").json()
    assert (again["cid"], again["bytes_new"]) == (info["cid"], 0)  # dedup against Kubo
    assert cairn(capsys, "verify", "on-kubo@1", "--json").json()["ok"] is True
    pulled = cairn(capsys, "pull", "on-kubo@1", "-o", tmp_path / "out")
    assert pulled.code == 0, pulled.err
    for name in ("model.safetensors", "notes.txt"):
        assert (tmp_path / "out" / name).read_bytes() == (folder / name).read_bytes()
    assert not (kubo_home / "blocks").exists()


def test_gc_is_refused_since_kubo_collects_its_own_garbage(capsys, kubo_home: Path) -> None:
    result = cairn(capsys, "gc")
    assert result.code == 2 and "Kubo" in result.err and len(result.err.splitlines()) == 1


def test_an_unknown_block_store_or_a_missing_kubo_url_is_bad_input(
    capsys, home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "f.txt").write_text("x")
    monkeypatch.setenv("CAIRN_BLOCKSTORE", "s3")
    refused = cairn(capsys, "publish", tmp_path / "f.txt")
    assert refused.code == 2 and "CAIRN_BLOCKSTORE='s3'" in refused.err
    monkeypatch.setenv("CAIRN_BLOCKSTORE", "ipfs")
    monkeypatch.delenv("CAIRN_IPFS_API", raising=False)
    refused = cairn(capsys, "publish", tmp_path / "f.txt")
    assert refused.code == 2 and "set CAIRN_IPFS_API" in refused.err
