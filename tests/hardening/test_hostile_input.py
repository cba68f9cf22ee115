"""Hostile input beyond paths: length prefixes that claim 2^60 bytes (refused before anything is
allocated), oversized headers and uploads, DAGs of absurd link counts or depth, CIDs of codecs
and hashes Cairn does not support, and forged, revoked or malformed tokens."""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cairn.api.app import create_app
from cairn.api.deps import ServerConfig
from cairn.chunking import dagcbor
from cairn.chunking.car import read_blocks, read_header
from cairn.chunking.cid import CID, RAW
from cairn.chunking.dagpb import PBLink, PBNode, decode_node, encode_node
from cairn.chunking.multihash import SHA2_256
from cairn.chunking.safetensors import parse_header
from cairn.chunking.varint import encode_varint
from cairn.errors import CairnError
from cairn.lineage.index.tokens import new_token, revoke_token
from cairn.lineage.repo import Repo
from cairn.settings import load_settings
from tests.api.server import running_server
from tests.cli.helpers import Result, cairn
from tests.fuzz import dags
from tests.fuzz.asgi import AsgiClient
from tests.fuzz.uploads import UNSUPPORTED_CIDS

HUGE = 1 << 60


def _refused(result: Result, code: int = 2) -> str:
    assert result.code == code, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cairn: error: ") and "internal error" not in lines[0], result.err
    return lines[0]


def _peak(work: Callable[[], object]) -> int:
    """Peak bytes traced while ``work`` runs and fails with a CairnError (it must fail)."""
    tracemalloc.start()
    try:
        with pytest.raises(CairnError):
            work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- length prefixes of 2^60: refused before allocating ------------------------------------------

PREFIXED = {
    "CAR header length": lambda: _read_car(encode_varint(HUGE) + b"\xa0"),
    "CAR section length": lambda: _read_car(_car_header() + encode_varint(HUGE) + b"\x01\x55"),
    "DAG-CBOR byte string": lambda: dagcbor.decode(b"\x5b" + HUGE.to_bytes(8, "big") + b"x"),
    "DAG-CBOR text string": lambda: dagcbor.decode(b"\x7b" + HUGE.to_bytes(8, "big") + b"x"),
    "DAG-CBOR list": lambda: dagcbor.decode(b"\x9b" + HUGE.to_bytes(8, "big") + b"\x00"),
    "DAG-CBOR map": lambda: dagcbor.decode(b"\xbb" + HUGE.to_bytes(8, "big") + b"\x60\x00"),
    "dag-pb field": lambda: decode_node(b"\x12" + encode_varint(HUGE) + b"\x0a"),
    "safetensors header": lambda: parse_header(struct.pack("<Q", HUGE) + b"{}", 10),
}


def _car_header() -> bytes:
    header = dagcbor.encode({"roots": [], "version": 1})
    return encode_varint(len(header)) + header


def _read_car(data: bytes) -> None:
    stream = io.BytesIO(data)
    read_header(stream)
    list(read_blocks(stream))


@pytest.mark.parametrize("where", list(PREFIXED))
def test_a_2_to_the_60_length_prefix_allocates_nothing(where: str) -> None:
    assert _peak(PREFIXED[where]) < 64 << 10


def test_a_2_to_the_60_prefix_in_files_is_exit_2(capsys, home: Path, tmp_path: Path) -> None:
    (tmp_path / "h.car").write_bytes(encode_varint(HUGE) + b"\xa0")
    (tmp_path / "s.car").write_bytes(_car_header() + encode_varint(HUGE))
    for car in ("h.car", "s.car"):
        _refused(cairn(capsys, "car", "import", tmp_path / car))
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "model.safetensors").write_bytes(struct.pack("<Q", HUGE) + b"{}")
    for profile in ("native-v1", "kubo"):
        _refused(cairn(capsys, "publish", tmp_path / "m", "--profile", profile))
    assert cairn(capsys, "ls", "--json").json() == []


# --- oversized headers and uploads, against a real server --------------------------------------


@pytest.fixture
def server(home: Path) -> Iterator[tuple[str, str]]:
    """A real `cairn serve` limited to 1 MiB uploads: (URL, write token)."""
    home.mkdir(parents=True, exist_ok=True)
    token, _ = new_token(Repo.open(home).index, "write")
    with running_server(home, "--max-upload-bytes", str(1 << 20)) as running:
        yield running.url, token


def _chunks(total: int, piece: int = 64 << 10) -> Iterator[bytes]:
    for start in range(0, total, piece):
        yield b"\0" * min(piece, total - start)


def test_oversized_uploads_are_413_declared_or_streamed(server: tuple[str, str]) -> None:
    url, token = server
    auth = {"Authorization": f"Bearer {token}"}
    car = {**auth, "Content-Type": "application/vnd.ipld.car"}
    assert httpx.post(f"{url}/v1/car", content=b"\0" * (2 << 20), headers=car).status_code == 413
    assert httpx.post(f"{url}/v1/car", content=_chunks(2 << 20), headers=car).status_code == 413
    block = CID.of(RAW, SHA2_256, b"\0" * (3 << 20))
    assert httpx.put(f"{url}/v1/blocks/{block}", content=_chunks(3 << 20), headers=auth).status_code == 413


def test_a_streamed_multipart_upload_over_the_limit_is_413(server: tuple[str, str]) -> None:
    """The finding: the multipart parser spooled a chunked body whole before the route ran, so
    ``--max-upload-bytes`` held only for bodies that declared their length."""
    url, token = server

    def body() -> Iterator[bytes]:
        yield b'--B\r\nContent-Disposition: form-data; name="name"\r\n\r\nm\r\n'
        for i in range(4):
            yield b'--B\r\nContent-Disposition: form-data; name="files"; filename="f%d"\r\n\r\n' % i
            yield from _chunks(512 << 10)
            yield b"\r\n"
        yield b"--B--\r\n"

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "multipart/form-data; boundary=B"}
    reply = httpx.post(f"{url}/v1/artifacts", content=body(), headers=headers, timeout=60)
    assert reply.status_code == 413, reply.text
    assert httpx.get(f"{url}/v1/artifacts").json() == []


def _refused_head(url: str, headers: dict[str, str]) -> bool:
    """A 400/431 answer, or the connection closed on the client while it still sent the head."""
    try:
        return httpx.get(url, headers=headers).status_code in (400, 431)
    except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
        return True


def test_oversized_request_heads_are_refused(server: tuple[str, str]) -> None:
    """`cairn serve` bounds a request head to 64 KiB (h11_max_incomplete_event_size)."""
    url, _ = server
    assert _refused_head(f"{url}/v1/health", {"X-Big": "a" * (128 << 10)})
    assert _refused_head(f"{url}/v1/health", {f"X-H{i}": "v" * 100 for i in range(2000)})
    assert httpx.get(f"{url}/v1/health", headers={"X-Fine": "a" * (16 << 10)}).status_code == 200


# --- DAGs with absurd link counts or depth ------------------------------------------------------


def test_a_node_with_absurd_link_count_decodes_in_bounded_time() -> None:
    """A 1 MiB dag-pb node holds ~23,000 links; decoding one must stay well under a second."""
    link = PBLink(CID.of(RAW, SHA2_256, b"x"), "", 1)
    data = encode_node(PBNode((link,) * 23_000, None))
    assert len(data) < 1 << 20
    start = time.perf_counter()
    assert len(decode_node(data).links) == 23_000
    assert time.perf_counter() - start < 2


@pytest.mark.parametrize("kind", ["directory", "file"])
def test_dags_deeper_than_64_levels_are_refused(capsys, home: Path, tmp_path: Path, kind: str) -> None:
    if kind == "directory":
        root, blocks = dags.deep_directory(100)
    else:
        root, blocks = dags.file_bomb(links=1, levels=100, leaf_size=1, claimed=1)
    assert cairn(capsys, "car", "import", dags.write_car(tmp_path / "d.car", [root], blocks)).code == 0
    assert "deeply" in _refused(cairn(capsys, "pull", str(root), "-o", tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_a_directory_bomb_over_rest_is_a_400_not_a_hang(capsys, home: Path, tmp_path: Path) -> None:
    root, blocks = dags.directory_bomb(links=1500, levels=3)
    assert cairn(capsys, "car", "import", dags.write_car(tmp_path / "b.car", [root], blocks)).code == 0
    client = AsgiClient(create_app(ServerConfig(load_settings(home)), run_jobs=False))
    try:
        start = time.monotonic()
        reply = client.request("GET", f"/ipfs/{root}/2-0/1-0/0-0")  # one path through it still resolves
        assert reply.status == 200 and reply.body == b"x"
        assert time.monotonic() - start < 10
    finally:
        client.close()
    assert "directory bomb" in _refused(cairn(capsys, "show", str(root)))


# --- CIDs of codecs and hashes Cairn does not support -------------------------------------------


WELL_FORMED_UNSUPPORTED = [t for t in UNSUPPORTED_CIDS if t.startswith("b") and len(t) > 40]


@pytest.mark.parametrize("text", WELL_FORMED_UNSUPPORTED)
def test_unsupported_cids_are_exit_2_and_400(capsys, home: Path, text: str) -> None:
    """dag-json, identity, sha1, sha2-512, blake2b, short and huge digests: exit 2 on every
    command (not "no artifact named ..."), 400 on every route that takes a CID."""
    for command in ("pull", "verify", "show", "lineage"):
        _refused(cairn(capsys, command, text))
    client = AsgiClient(create_app(ServerConfig(load_settings(home)), run_jobs=False))
    try:
        paths = [f"/v1/blocks/{text}", f"/v1/artifacts/{text}", f"/v1/car/{text}", f"/v1/verify/{text}"]
        if "bafkqa" not in text:  # the gateway serves identity CIDs inline, as the trustless spec asks
            paths.append(f"/ipfs/{text}")
        for path in paths:
            reply = client.request("GET", path)
            assert reply.status == 400, (path, reply)
    finally:
        client.close()


def test_a_car_whose_block_has_an_unsupported_cid_changes_nothing(capsys, home: Path, tmp_path: Path) -> None:
    root, blocks = dags.one_entry_directory("ok.txt")
    assert cairn(capsys, "car", "import", dags.write_car(tmp_path / "g.car", [root], blocks)).code == 0
    before = (home / "blocks" / "blocks.sqlite").stat().st_size, sorted(p.stat().st_size for p in home.rglob("*.pack"))
    sha1_cid = bytes.fromhex("01551114") + bytes(20)
    section = sha1_cid + b"data"
    (tmp_path / "b.car").write_bytes(_car_header() + encode_varint(len(section)) + section)
    _refused(cairn(capsys, "car", "import", tmp_path / "b.car"))
    assert sorted(p.stat().st_size for p in home.rglob("*.pack")) == before[1]


# --- tokens: forged, revoked, malformed, too weak ----------------------------------------------


def test_forged_revoked_and_malformed_tokens_get_nothing(home: Path, tmp_path: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    repo = Repo.open(home)
    write, info = new_token(repo.index, "write")
    read, _ = new_token(repo.index, "read")
    revoked, revoked_info = new_token(repo.index, "admin")
    revoke_token(repo.index, revoked_info.id)
    token_id = write.split("_")[1]
    forged = {
        "wrong secret": f"cairn_{token_id}_{'A' * 43}",
        "secret of another token": f"cairn_{token_id}_{read.split('_', 2)[2]}",
        "revoked": revoked,
        "no prefix": write.removeprefix("cairn_"),
        "empty secret": f"cairn_{token_id}_",
        "unknown id": f"cairn_000000000000_{write.split('_', 2)[2]}",
        "huge": "cairn_" + "x" * 100_000,
        "not ascii": "cairn_é_é",
        "sql": "cairn_' OR '1'='1_x",
    }
    with running_server(home, "--private-reads") as server:
        block = b"a block"
        cid = CID.of(RAW, SHA2_256, block)
        for name, token in forged.items():
            headers: Any = {"Authorization": f"Bearer {token}".encode()}  # bytes: sent as they are, UTF-8 included
            put = httpx.put(f"{server.url}/v1/blocks/{cid}", content=block, headers=headers)
            get = httpx.get(f"{server.url}/v1/artifacts", headers=headers)
            assert put.status_code in (400, 401, 431), (name, put.status_code)
            assert get.status_code in (400, 401, 431), (name, get.status_code)
        assert httpx.put(f"{server.url}/v1/blocks/{cid}", content=block,
                         headers={"Authorization": f"Bearer {read}"}).status_code == 403  # fmt: skip
        assert httpx.get(f"{server.url}/v1/artifacts", headers={"Authorization": "Basic " + write}).status_code == 401
        ok = httpx.put(f"{server.url}/v1/blocks/{cid}", content=block, headers={"Authorization": f"Bearer {write}"})
        assert ok.status_code == 200  # the test can tell a good token from a bad one
        revoke_token(repo.index, info.id)  # revoked while the server runs: refused at once
        again = httpx.put(f"{server.url}/v1/blocks/{cid}", content=block, headers={"Authorization": f"Bearer {write}"})
        assert again.status_code == 401
    repo.close()


@pytest.mark.parametrize("query", ["/", "?format=car&dag-scope=entity", "?format=car&dag-scope=entity&car-dups=y"])
def test_a_hamt_bomb_on_the_gateway_ends_quickly(capsys, home: Path, tmp_path: Path, query: str) -> None:
    """Eight HAMT levels whose 256 slots all lead to one shard: the gateway's listing and its
    entity-scope CAR walked them 256^8 times (found writing these tests; fixed in
    storage/unixfs_path.py and storage/dagscope.py). Now the walk stops at the first shard reached
    twice: a 4xx, or a response cut short, within seconds; the server lives on."""
    root, blocks = dags.hamt_bomb(levels=8)
    assert cairn(capsys, "car", "import", dags.write_car(tmp_path / "h.car", [root], blocks)).code == 0
    with running_server(home) as server:
        start = time.monotonic()
        try:
            reply = httpx.get(f"{server.url}/ipfs/{root}{query}", timeout=60)
            assert reply.status_code in (400, 404, 422) or len(reply.content) < 1 << 20, reply.status_code
        except (httpx.RemoteProtocolError, httpx.ReadError):
            pass  # the stream was cut when the second link to one shard was found
        assert time.monotonic() - start < 20
        assert httpx.get(f"{server.url}/v1/health").status_code == 200


@pytest.mark.parametrize(
    ("claimed", "query"),
    [
        (1024, "?format=car&car-dups=y"),  # claims 1 KiB, holds 4 GB: stream only what the root claims
        (1024, "?format=car&dag-scope=entity&car-dups=y"),
        (2000 * 2000 * 1024, "?format=car&car-dups=n"),  # honest claim, one distinct leaf: each block once
        (2000 * 2000 * 1024, "?format=car&dag-scope=entity&entity-bytes=0:*"),
        (2000 * 2000 * 1024, "?format=car&dag-scope=entity&entity-bytes=0:99999&car-dups=y"),
    ],
)
def test_a_file_bomb_on_the_gateway_ends_quickly(capsys, home: Path, tmp_path: Path, claimed: int, query: str) -> None:
    """A file whose nodes link one child 2,000 times over, two levels deep: 4 GB of leaves behind
    three blocks. ``dups=y`` streamed all of it whatever the root claimed, and ``dups=n`` with a
    range walked all four million leaf links sending nothing (fixed in storage/dagscope.py: files
    are walked by byte span, and a subtree walked whole is not walked again)."""
    root, blocks = dags.file_bomb(links=2000, levels=2, leaf_size=1024, claimed=claimed)
    assert cairn(capsys, "car", "import", dags.write_car(tmp_path / "f.car", [root], blocks)).code == 0
    with running_server(home) as server:
        start = time.monotonic()
        try:
            reply = httpx.get(f"{server.url}/ipfs/{root}{query}", timeout=60)
            assert reply.status_code == 200 and len(reply.content) < 1 << 20, reply.status_code
        except (httpx.RemoteProtocolError, httpx.ReadError):
            pass  # cut short when the file turned out to hold more than its root claims
        assert time.monotonic() - start < 20
        assert httpx.get(f"{server.url}/v1/health").status_code == 200
