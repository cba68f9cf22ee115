"""The Kubo RPC client against a real Kubo daemon (tests/services/kubo.py): every call, its
checks, and how failures are translated."""

from __future__ import annotations

import hashlib
import io
import random
import socket
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from cairn.chunking.car import CarWriter, read_blocks, read_header
from cairn.chunking.cid import CID, DAG_CBOR, DAG_PB, RAW
from cairn.chunking.dag import BalancedFileBuilder, BlockSink, DagEntry, directory_node, discard
from cairn.chunking.dagpb import encode_node
from cairn.chunking.multihash import BLAKE3, SHA2_256
from cairn.errors import BlockNotFound, IntegrityError, RemoteError, RemoteUnavailable
from cairn.storage.dagwalk import walk
from cairn.storage.kubo import KuboBlockStore, KuboClient
from tests.services.kubo import KuboDaemon, running_kubo

pytestmark = pytest.mark.kubo

LEAF = 256 * 1024


@pytest.fixture
def client(kubo: KuboDaemon) -> Iterator[KuboClient]:
    with KuboClient(kubo.api_url) as made:
        yield made


def unique(tag: str) -> bytes:
    """Bytes no other test (or earlier run against the same node) has stored."""
    return f"{tag} {random.random()} {id(tag)}".encode()


def cli_add(kubo: KuboDaemon, path: Path, *flags: str) -> str:
    recursive = ["-r"] if path.is_dir() else []
    return kubo.ipfs_text("add", "-Q", "--only-hash", *recursive, *flags, str(path))


def make_tree(root: Path) -> Path:
    """A folder with what trips up multipart encoders: nesting, hidden and empty entries,
    and names with spaces, unicode and the characters query-escaping treats specially."""
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "empty" / "inner").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_bytes(b"ref")
    (root / ".hidden").write_bytes(b"hidden")
    (root / "big.bin").write_bytes(random.Random(7).randbytes(3 * LEAF + 11))
    (root / "sub" / "a b+c%41&d=e.txt").write_bytes(b"odd name")
    (root / "sub" / "deeper" / "zero").write_bytes(b"")
    (root / "日本語 🚀.txt").write_bytes(b"unicode")
    return root


# -- node --------------------------------------------------------------------------------------


def test_version_and_id_match_the_cli(kubo: KuboDaemon, client: KuboClient) -> None:
    assert client.version().version == kubo.ipfs_text("version", "--number")
    peer = client.id()
    assert peer.peer_id == kubo.ipfs_text("id", "-f=<id>")
    assert any(f"/tcp/{kubo.swarm_port}" in address for address in peer.addresses)
    assert all("/127.0.0.1/" in address for address in peer.addresses)


# -- add and cat -------------------------------------------------------------------------------


@pytest.mark.parametrize("hash_name", ["sha2-256", "blake3"])
def test_add_file_only_hash_matches_the_cli(
    kubo: KuboDaemon, client: KuboClient, tmp_path: Path, hash_name: str
) -> None:
    path = tmp_path / "file.bin"
    path.write_bytes(random.Random(3).randbytes(2 * LEAF + 5))
    result = client.add(path, only_hash=True, hash=hash_name)
    flags = ["--cid-version=1", "--raw-leaves", "--chunker=size-262144", f"--hash={hash_name}"]
    assert str(result.root.cid) == cli_add(kubo, path, *flags)
    assert result.root.name == "file.bin"


def test_add_passes_chunker_and_cid_version(kubo: KuboDaemon, client: KuboClient, tmp_path: Path) -> None:
    path = tmp_path / "file.bin"
    path.write_bytes(random.Random(4).randbytes(3 * LEAF))
    big_chunks = client.add(path, only_hash=True, chunker="size-1048576").root.cid
    assert str(big_chunks) == cli_add(kubo, path, "--cid-version=1", "--chunker=size-1048576")
    v0 = client.add(path, only_hash=True, cid_version=0, raw_leaves=False).root.cid
    assert v0.version == 0
    assert str(v0) == cli_add(kubo, path)


def test_add_folder_matches_add_r(kubo: KuboDaemon, client: KuboClient, tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    result = client.add(tree, only_hash=True)
    assert str(result.root.cid) == cli_add(kubo, tree, "--cid-version=1", "--raw-leaves")
    names = {entry.name for entry in result.entries}
    assert {"tree/sub/a b+c%41&d=e.txt", "tree/日本語 🚀.txt", "tree/empty/inner"} <= names
    assert not any("/." in name for name in names)


def test_add_hidden_includes_dot_files(kubo: KuboDaemon, client: KuboClient, tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    with_hidden = client.add(tree, only_hash=True, hidden=True)
    assert "tree/.git/HEAD" in {entry.name for entry in with_hidden.entries}
    assert str(with_hidden.root.cid) == cli_add(kubo, tree, "--cid-version=1", "--hidden")
    assert with_hidden.root.cid != client.add(tree, only_hash=True).root.cid


def test_add_stores_and_cat_reads_back(client: KuboClient, tmp_path: Path) -> None:
    data = random.Random(5).randbytes(LEAF + 99) + unique("cat")
    path = tmp_path / "stored.bin"
    path.write_bytes(data)
    root = client.add(path).root.cid
    assert b"".join(client.cat(root)) == data
    assert b"".join(client.cat(root, offset=LEAF - 3, length=10)) == data[LEAF - 3 : LEAF + 7]
    assert client.pin_ls(root) == {root: "recursive"}


# -- blocks ------------------------------------------------------------------------------------


@pytest.mark.parametrize("hash_code", [SHA2_256, BLAKE3])
@pytest.mark.parametrize("codec", [RAW, DAG_PB, DAG_CBOR])
def test_block_put_get_stat(client: KuboClient, codec: int, hash_code: int) -> None:
    data = {
        RAW: unique("raw"),
        DAG_PB: encode_node(directory_node([("x", DagEntry(CID.of(RAW, hash_code, unique("x")), 5, 5))])),
        DAG_CBOR: b"\xa1atX" + bytes([32]) + hashlib.sha256(unique("cbor")).digest(),
    }[codec]
    cid = CID.of(codec, hash_code, data)
    assert client.block_put(data, cid) == cid
    assert client.block_get(cid) == data
    stat = client.block_stat(cid)
    assert (stat.cid.digest, stat.size) == (cid.digest, len(data))


def test_block_put_refuses_a_cid_kubo_does_not_confirm(client: KuboClient) -> None:
    data = unique("mismatch")
    claimed = CID.of(RAW, SHA2_256, b"some other bytes")
    with pytest.raises(IntegrityError, match="as bafk"):
        client.block_put(data, claimed)


def test_block_get_checks_the_bytes_kubo_returns(kubo: KuboDaemon, client: KuboClient) -> None:
    data = unique("to be corrupted")
    cid = CID.of(RAW, SHA2_256, data)
    client.block_put(data, cid)
    block_file = _flatfs_file(kubo, cid, data)
    block_file.write_bytes(b"X" + block_file.read_bytes()[1:])  # bit rot on Kubo's disk
    with pytest.raises(IntegrityError, match=str(cid)):
        client.block_get(cid)
    with pytest.raises(IntegrityError):
        KuboBlockStore(client).get(cid)


def _flatfs_file(kubo: KuboDaemon, cid: CID, data: bytes) -> Path:
    """Where Kubo's flatfs keeps a block: found by the bytes it holds, not by its naming scheme."""
    for path in (kubo.ipfs_path / "blocks").rglob("*.data"):
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return path
    raise AssertionError(f"block {cid} not found under {kubo.ipfs_path / 'blocks'}")


def test_missing_block_offline_is_kubo_s_error(client: KuboClient) -> None:
    cid = CID.of(RAW, SHA2_256, unique("never stored"))
    with pytest.raises(RemoteError, match=f"could not find {cid}") as caught:
        client.block_get(cid, offline=True)
    assert not isinstance(caught.value, RemoteUnavailable)


# -- DAGs: import, export, stat ----------------------------------------------------------------


def leaves(seed: int, count: int) -> Iterator[bytes]:
    rnd = random.Random(seed)
    for _ in range(count):
        yield rnd.randbytes(LEAF)


def file_root(seed: int, count: int, sink: BlockSink = discard) -> CID:
    """The root of a balanced file of ``count`` random leaves (174 links a node)."""
    builder = BalancedFileBuilder(SHA2_256, 174, sink)
    for data in leaves(seed, count):
        cid = CID.of(RAW, SHA2_256, data)
        sink(cid, data)
        builder.add_leaf(DagEntry(cid, len(data), len(data)))
    return builder.finish().cid


class StreamStats:
    def __init__(self) -> None:
        self.chunks = 0
        self.peak = 0


def streamed_car(seed: int, count: int, stats: StreamStats) -> Iterator[bytes]:
    """The CAR of a generated file, each leaf made only when the sender asks for the next chunk."""
    buffer = io.BytesIO()
    writer = CarWriter(buffer, [file_root(seed, count)])
    builder = BalancedFileBuilder(SHA2_256, 174, writer.put)
    for data in leaves(seed, count):
        cid = CID.of(RAW, SHA2_256, data)
        writer.put(cid, data)
        builder.add_leaf(DagEntry(cid, len(data), len(data)))
        yield _drain(buffer, stats)
    builder.finish()
    yield _drain(buffer, stats)


def _drain(buffer: io.BytesIO, stats: StreamStats) -> bytes:
    chunk = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    stats.chunks += 1
    stats.peak = max(stats.peak, len(chunk))
    return chunk


class IterReader(io.RawIOBase):
    """A readable stream over an iterator of byte chunks (for the CAR reader)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.chunks = iter(chunks)
        self.rest = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self.rest:
            self.rest = next(self.chunks, b"")
            if not self.rest:
                return 0
        size = min(len(target), len(self.rest))
        target[:size] = self.rest[:size]
        self.rest = self.rest[size:]
        return size


def test_dag_import_streams_a_generated_car(client: KuboClient) -> None:
    seed, count = random.randrange(1 << 30), 180  # 180 leaves: two levels of 174-link nodes
    stats = StreamStats()
    body = streamed_car(seed, count, stats)
    assert stats.chunks == 0  # a generator: nothing is made before the request sends it
    result = client.dag_import(body)
    root = file_root(seed, count)
    assert [imported.cid for imported in result.roots] == [root]
    assert result.roots[0].pin_error == ""
    assert result.block_count == count + 3  # leaves, two level-1 nodes, the root
    assert stats.chunks == count + 1  # every chunk was asked for, one leaf (and its parents) each
    assert stats.peak < 2 * LEAF  # at most a leaf and a parent node are ever buffered
    assert client.dag_stat(root).num_blocks == count + 3
    assert client.pin_ls(root) == {root: "recursive"}
    digest = hashlib.sha256()
    for chunk in client.cat(root):
        digest.update(chunk)
    assert digest.digest() == hashlib.sha256(b"".join(leaves(seed, count))).digest()


def test_dag_import_without_pinning_roots(client: KuboClient) -> None:
    seed = random.randrange(1 << 30)
    result = client.dag_import(streamed_car(seed, 2, StreamStats()), pin_roots=False)
    root = file_root(seed, 2)
    assert result.roots == [] and result.block_count == 3
    with pytest.raises(RemoteError, match="is not pinned"):
        client.pin_ls(root)


def test_dag_import_rejects_a_wrong_block(client: KuboClient) -> None:
    cid = CID.of(RAW, SHA2_256, unique("expected"))
    buffer = io.BytesIO()
    CarWriter(buffer, [cid]).put(cid, b"something else")
    with pytest.raises(RemoteError, match="mismatch in content integrity"):
        client.dag_import([buffer.getvalue()])


def test_dag_import_of_a_truncated_car(client: KuboClient) -> None:
    chunks = list(streamed_car(random.randrange(1 << 30), 3, StreamStats()))
    whole = b"".join(chunks)
    with pytest.raises(RemoteError, match="unexpected EOF"):
        client.dag_import([whole[: len(whole) - 100]])
    with pytest.raises(RemoteError, match="without its summary"):
        client.dag_import([b"x"])  # Kubo answers 200 and reports this only in a trailer


def test_dag_export_streams_every_block(client: KuboClient) -> None:
    seed = random.randrange(1 << 30)
    root = client.dag_import(streamed_car(seed, 5, StreamStats())).roots[0].cid
    chunks = client.dag_export(root)
    stream = io.BufferedReader(IterReader(chunks))
    assert read_header(stream).roots == [root]
    exported = {cid for cid, _ in read_blocks(stream)}  # read_blocks checks every block
    expected: set[CID] = set()
    file_root(seed, 5, lambda cid, data: expected.add(cid))
    assert exported == expected
    stat = client.dag_stat(root)
    assert (stat.cid, stat.num_blocks) == (root, 6)


# -- pins --------------------------------------------------------------------------------------


def test_pin_add_ls_rm(client: KuboClient) -> None:
    data = unique("pin me")
    cid = CID.of(RAW, BLAKE3, data)
    client.block_put(data, cid)
    assert client.pin_add(cid) == [cid]
    assert client.pin_ls(cid) == {cid: "recursive"}
    assert cid in client.pin_ls(type="recursive")
    assert client.pin_rm(cid) == [cid]
    assert cid not in client.pin_ls(type="recursive")
    with pytest.raises(RemoteError, match="not pinned"):
        client.pin_rm(cid)


# -- routing -----------------------------------------------------------------------------------


def test_provide_without_peers_is_kubo_s_refusal(client: KuboClient) -> None:
    data = unique("lonely")
    cid = CID.of(RAW, SHA2_256, data)
    client.block_put(data, cid)
    with pytest.raises(RemoteError, match="cannot provide, no connected peers"):
        client.routing_provide(cid)


def test_provide_reaches_a_connected_peer(kubo: KuboDaemon, client: KuboClient, tmp_path: Path) -> None:
    data = unique("announced")
    cid = CID.of(RAW, SHA2_256, data)
    client.block_put(data, cid)
    with running_kubo(tmp_path, name="peer") as peer:
        kubo.ipfs("swarm", "connect", KuboClient(peer.api_url).id().addresses[0])
        try:
            client.routing_provide(cid)
            providers = peer.ipfs_text("routing", "findprovs", "--num-providers=1", str(cid), timeout=30)
        finally:
            kubo.ipfs("swarm", "disconnect", KuboClient(peer.api_url).id().addresses[0], check=False)
    assert client.id().peer_id in providers.split()


# -- failures ----------------------------------------------------------------------------------


def test_bad_requests_carry_kubo_s_message(client: KuboClient, tmp_path: Path) -> None:
    tree = tmp_path / "d"
    tree.mkdir()
    (tree / "f").write_bytes(unique("in a folder"))
    root = client.add(tree).root.cid
    with pytest.raises(RemoteError, match="this dag node is a directory") as caught:
        b"".join(client.cat(root))
    assert not isinstance(caught.value, RemoteUnavailable)
    assert "\n" not in str(caught.value)


def test_stopped_daemon_is_unavailable_then_back(kubo: KuboDaemon, client: KuboClient) -> None:
    data = unique("survives a restart")
    cid = CID.of(RAW, SHA2_256, data)
    client.block_put(data, cid)
    with kubo.stopped():
        for call in (client.version, lambda: client.block_get(cid), lambda: b"".join(client.dag_export(cid))):
            with pytest.raises(RemoteUnavailable, match=f"Kubo is not reachable at {kubo.api_url}") as caught:
                call()
            assert "\n" not in str(caught.value)
        with pytest.raises(RemoteUnavailable):
            KuboBlockStore(client).has(cid)
    assert client.block_get(cid) == data  # same repo, same port, same client


def test_killed_daemon_mid_stream_is_unavailable(kubo: KuboDaemon, client: KuboClient) -> None:
    root = client.dag_import(streamed_car(random.randrange(1 << 30), 60, StreamStats())).roots[0].cid
    chunks = client.dag_export(root, offline=True)
    next(chunks)
    try:
        kubo.kill()
        with pytest.raises(RemoteUnavailable, match="not reachable"):
            for _ in chunks:
                pass
    finally:
        kubo.start()
    assert client.dag_stat(root).num_blocks == 61


def test_a_silent_server_times_out_as_unavailable() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        accepted: list[socket.socket] = []
        thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True)
        thread.start()
        with KuboClient(url, timeout=0.5) as silent, pytest.raises(RemoteUnavailable, match=url):
            silent.version()
        for connection in accepted:
            connection.close()


def test_a_port_nobody_listens_on_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with KuboClient(url) as nobody, pytest.raises(RemoteUnavailable, match=f"Kubo is not reachable at {url}"):
        nobody.id()


# -- the block store ---------------------------------------------------------------------------


def test_block_store_put_has_get_iter(client: KuboClient) -> None:
    store = KuboBlockStore(client)
    data = unique("store")
    cid = CID.of(RAW, BLAKE3, data)
    assert not store.has(cid)
    assert store.put(cid, data) is True
    assert store.put(cid, data) is False
    assert store.has(cid)
    assert store.get(cid) == data
    assert cid.digest in {listed.digest for listed in store.iter_cids()}
    with pytest.raises(IntegrityError):
        store.put(CID.of(RAW, BLAKE3, b"other"), data)


def test_block_store_missing_block(client: KuboClient) -> None:
    missing = CID.of(RAW, SHA2_256, unique("absent"))
    with pytest.raises(BlockNotFound, match=str(missing)):
        KuboBlockStore(client).get(missing)


def test_block_store_serves_a_dag_walk(client: KuboClient) -> None:
    seed = random.randrange(1 << 30)
    root = client.dag_import(streamed_car(seed, 176, StreamStats())).roots[0].cid
    walked = [cid for cid, _ in walk(KuboBlockStore(client), root)]  # every block fetched and checked
    assert len(walked) == len(set(walked)) == 176 + 3
    assert walked[0] == root
