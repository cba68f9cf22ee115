"""A block from a remote is read only up to 2 MiB (storage/limits.py): past that the read stops,
before the bytes could fill memory, and the pull fails with one line, writing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from cairn.storage.limits import MAX_REMOTE_BLOCK
from tests.api.server import fake_server
from tests.cli.helpers import cairn
from tests.services.kubo import KuboDaemon


@pytest.fixture
def from_kubo(kubo: KuboDaemon, monkeypatch: pytest.MonkeyPatch) -> KuboDaemon:
    monkeypatch.setenv("CAIRN_IPFS_API", kubo.api_url)
    return kubo


def _put_raw_block(kubo: KuboDaemon, data: bytes) -> str:
    """A raw block stored by Kubo itself; past 1 MiB Kubo wants --allow-big-block."""
    args = ["block", "put", "--cid-codec=raw", "--mhtype=sha2-256", "--allow-big-block"]
    return kubo.ipfs(*args, input=data).stdout.decode().strip()


def test_a_block_of_exactly_the_limit_comes_from_kubo(capsys, home: Path, from_kubo: KuboDaemon, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = bytes(range(256)) * (MAX_REMOTE_BLOCK // 256)
    cid = _put_raw_block(from_kubo, data)
    pulled = cairn(capsys, "pull", cid, "--from", "ipfs", "-o", tmp_path / "out.bin")
    assert pulled.code == 0, pulled.err
    assert (tmp_path / "out.bin").read_bytes() == data


def test_a_bigger_block_from_kubo_is_refused_unread(capsys, home: Path, from_kubo: KuboDaemon, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cid = _put_raw_block(from_kubo, b"\x07" * (MAX_REMOTE_BLOCK + 1))
    pulled = cairn(capsys, "pull", cid, "--from", "ipfs", "-o", tmp_path / "out.bin")
    assert pulled.code == 1 and f"more than {MAX_REMOTE_BLOCK} bytes for one block" in pulled.err
    assert len(pulled.err.strip().splitlines()) == 1 and not (tmp_path / "out.bin").exists()
    assert cairn(capsys, "ls", "--json").json() == [] and cairn(capsys, "fsck").code == 0


def test_a_peer_sending_an_endless_block_is_cut_off(capsys, home: Path, tmp_path: Path) -> None:
    """A real Cairn server never sends more than a block; the fake injects a body that never ends.
    The same path against a real server: tests/api/test_jobs_peers.py::test_pull_from_and_pin_to_a_peer_server."""
    cid = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
    with fake_server(b"\x00" * (1 << 20), {"Content-Type": "application/vnd.ipld.raw"}, endless=True) as url:
        pulled = cairn(capsys, "pull", cid, "--from", url, "-o", tmp_path / "out.bin")
    assert pulled.code == 1 and f"more than {MAX_REMOTE_BLOCK} bytes for one block" in pulled.err
    assert not (tmp_path / "out.bin").exists()


def test_a_peer_sending_an_endless_json_answer_is_cut_off() -> None:
    """Name claims, missing blocks and CAR receipts are JSON: each is read up to 16 MiB."""
    from cairn.errors import RemoteError
    from cairn.lineage.records.names import NameRef
    from cairn.storage.peer import MAX_ANSWER, PeerStore

    with fake_server(b"[" * (1 << 20), {"Content-Type": "application/json"}, endless=True) as url:
        peer = PeerStore(url)
        with pytest.raises(RemoteError, match=f"more than {MAX_ANSWER} bytes for one answer"):
            peer.name_claims(NameRef("m", "1"))
        peer.close()


@pytest.mark.parametrize("status", [200, 400])
def test_an_arweave_gateway_sending_an_endless_answer_is_cut_off(status: int) -> None:
    """A gateway is a stranger: its JSON answers are read up to 64 MiB, its error bodies only
    for the first 64 KiB. The same calls against a real arlocal: tests/cli/test_arweave.py."""
    from cairn.errors import RemoteError
    from cairn.storage.arweave import MAX_JSON_ANSWER, ArweaveClient

    flood = b'{"error": "no"}' + b" " * (1 << 20)
    with (
        fake_server(flood, {"Content-Type": "application/json"}, status, endless=True) as url,
        ArweaveClient(url) as client,
    ):
        expected = f"more than {MAX_JSON_ANSWER} bytes" if status == 200 else "HTTP 400 no"
        with pytest.raises(RemoteError, match=expected):
            client.info()


@pytest.mark.parametrize("status", [200, 500])
def test_a_kubo_rpc_sending_an_endless_line_is_cut_off(status: int) -> None:
    """Kubo answers in JSON lines; an RPC URL pointing somewhere hostile cannot make one line fill
    memory. The same calls against the real Kubo: tests/storage/test_kubo_client.py."""
    from cairn.errors import CairnError
    from cairn.storage.kubo import MAX_LINE, KuboClient

    flood = b'{"Message": "no", "pad": "' + b"x" * (1 << 20)
    with fake_server(flood, {"Content-Type": "application/json"}, status, endless=True) as url, KuboClient(url) as kubo:
        expected = f"a line of more than {MAX_LINE} bytes" if status == 200 else "HTTP 500"
        with pytest.raises(CairnError, match=expected):
            kubo.version()
