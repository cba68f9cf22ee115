"""A peer server resolves names for its clients: `cairn pull N@V --from URL` on an empty home
(a name the home knows itself resolves locally first, as without `--from`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cairn.lineage.core import Cairn
from cairn.lineage.repo import Repo
from tests.api.server import running_server
from tests.cli.helpers import cairn
from tests.data import real_dataset_dir


def test_pull_by_name_from_a_peer(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with Cairn(tmp_path / "server") as c:
        c.publish(real_dataset_dir(), name="vega", version="1", kind="dataset")
        newest = c.publish(real_dataset_dir() / "airports.csv", name="vega", version="2", kind="dataset").cid
    client = tmp_path / "client"
    with running_server(tmp_path / "server") as server:
        shown = cairn(capsys, "pull", "vega", "--from", server.url, "-o", tmp_path / "v2", "--home", client, "--json")
        assert shown.code == 0 and shown.json()["cid"] == str(newest)  # no version: the peer's newest
        one = cairn(capsys, "pull", "vega@1", "--from", server.url, "-o", tmp_path / "v1", "--home", client)
        assert one.code == 0, one.err
        assert (tmp_path / "v1" / "stocks.csv").read_bytes() == (real_dataset_dir() / "stocks.csv").read_bytes()
        missing = cairn(capsys, "pull", "vega@9", "--from", server.url, "--home", client)
        assert missing.code == 1 and "no artifact named 'vega@9'" in missing.err and "Traceback" not in missing.err


def test_show_asks_a_peer_and_keeps_what_it_learnt(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with Cairn(tmp_path / "server") as c:
        cid = c.publish(real_dataset_dir(), name="vega", version="1", kind="dataset").cid
    client = tmp_path / "client"
    with running_server(tmp_path / "server") as server:
        shown = cairn(capsys, "show", "vega@1", "--from", server.url, "--home", client, "--json")
    assert shown.code == 0, shown.err
    assert shown.json()["cid"] == str(cid) and "stocks.csv" in {f["path"] for f in shown.json()["files"]}
    assert Repo.open(client).store.has(cid)  # the manifest, verified and kept
    assert cairn(capsys, "show", "vega@1", "--home", client, "--json").json()["cid"] == str(cid)  # name kept
