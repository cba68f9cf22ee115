"""The /ipfs/{cid} gateway against a real `cairn serve`: raw blocks, CARs by scope and byte range,
plain files with Range and ETags, paths through plain and HAMT-sharded directories, and refusals.

The content is a UnixFS tree built here block by block (a two-level file, a HAMT of 300 entries,
a duplicated file) and imported with `cairn car import`, so every expected block list below comes
from the tree itself, computed independently of the gateway's own walk.
"""

from __future__ import annotations

import http.client
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from cairn.chunking.car import CarWriter, encode_header, read_blocks, read_header
from cairn.chunking.cid import CID, DAG_PB, RAW
from cairn.chunking.dag import BalancedFileBuilder, DagEntry, emit_directory
from cairn.chunking.dagpb import decode_node
from cairn.chunking.hamt import emit_hamt_directory
from cairn.chunking.multihash import SHA2_256
from cairn.chunking.unixfs import UnixFSData
from cairn.cli.main import run
from cairn.lineage.index.tokens import new_token
from cairn.lineage.repo import Repo
from cairn.lineage.workflows.publish import PublishOptions, publish
from tests.api.server import CairnServer, running_server

LEAF = 1000
HAMT_ENTRIES = 300
ARTIFACT_FILES = {"config.json": b'{"hidden": 8}', "tok/vocab.txt": b"a\nb\n"}
CAR = "application/vnd.ipld.car"
RAW_TYPE = "application/vnd.ipld.raw"


@dataclass
class Tree:
    blocks: dict[CID, bytes] = field(default_factory=dict)
    files: dict[str, tuple[CID, bytes]] = field(default_factory=dict)
    dirs: dict[str, CID] = field(default_factory=dict)
    shards: list[CID] = field(default_factory=list)
    root: CID = field(default_factory=lambda: CID(b""))
    artifact: CID = field(default_factory=lambda: CID(b""))
    private: CID = field(default_factory=lambda: CID(b""))
    read_token: str = ""

    def sink(self, cid: CID, data: bytes | memoryview) -> None:
        self.blocks[cid] = bytes(data)

    def leaf(self, data: bytes) -> DagEntry:
        cid = CID.of(RAW, SHA2_256, data)
        self.sink(cid, data)
        return DagEntry(cid, len(data), len(data))

    def file(self, name: str, data: bytes) -> DagEntry:
        entry = self.leaf(data)
        self.files[name] = (entry.cid, data)
        return entry


def _big_file(tree: Tree) -> DagEntry:
    """Five distinct 1000-byte leaves under two links a node: a root, two inner levels, five leaves."""
    builder = BalancedFileBuilder(SHA2_256, max_links=2, sink=tree.sink)
    data = b""
    for index in range(5):
        chunk = bytes((index * 37 + i) % 256 for i in range(LEAF))
        builder.add_leaf(tree.leaf(chunk))
        data += chunk
    entry = builder.finish()
    tree.files["big.bin"] = (entry.cid, data)
    return entry


def _hamt(tree: Tree) -> DagEntry:
    names = [f"entry-{i}.txt" for i in range(HAMT_ENTRIES)]
    entries = [(name, tree.file(f"shard/{name}", f"entry {name[6:-4]}\n".encode())) for name in names]
    before = set(tree.blocks)
    entry = emit_hamt_directory(entries, SHA2_256, tree.sink)
    tree.shards = [cid for cid in tree.blocks if cid not in before]
    tree.dirs["shard"] = entry.cid
    return entry


def build_tree() -> Tree:
    tree = Tree()
    sub = emit_directory([("note.md", tree.file("sub/note.md", b"# a note\n"))], SHA2_256, tree.sink)
    site = emit_directory([("index.html", tree.file("site/index.html", b"<h1>hi</h1>\n"))], SHA2_256, tree.sink)
    tree.dirs |= {"sub": sub.cid, "site": site.cid}
    top = [
        ("hello.txt", tree.file("hello.txt", b"hello world\n")),
        ("ünï cödé.txt", tree.file("ünï cödé.txt", b"unicode name\n")),
        ("copy.txt", tree.file("copy.txt", b"hello world\n")),
        ("big.bin", _big_file(tree)),
        ("sub", sub),
        ("site", site),
        ("shard", _hamt(tree)),
    ]
    tree.root = emit_directory(top, SHA2_256, tree.sink).cid
    return tree


@pytest.fixture(scope="module")
def tree() -> Tree:
    return build_tree()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, tree: Tree) -> Iterator[CairnServer]:
    base = tmp_path_factory.mktemp("gateway")
    car = base / "tree.car"
    with car.open("wb") as out:
        writer = CarWriter(out, [tree.root])
        for cid, data in tree.blocks.items():
            writer.put(cid, data)
    assert run(["car", "import", str(car), "--home", str(base / "home")]) == 0
    tree.artifact = _publish(base, "public", private=False)
    tree.private = _publish(base, "private", private=True)
    repo = Repo.open(base / "home")
    tree.read_token = new_token(repo.index, "read")[0]
    repo.close()
    with running_server(base / "home") as running:
        yield running


def _publish(base: Path, name: str, private: bool) -> CID:
    """A Cairn artifact (its manifest is DAG-CBOR linking to the files' UnixFS directory)."""
    folder = base / name
    for path, data in ARTIFACT_FILES.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    repo = Repo.open(base / "home")
    try:
        return publish(repo, [folder], PublishOptions(name=name, version="1", private=private)).cid
    finally:
        repo.close()


def get(server: CairnServer, path: str, **kwargs: object) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", timeout=30, **kwargs)  # type: ignore[arg-type]


def car_blocks(response: httpx.Response) -> tuple[list[CID], list[CID]]:
    """Roots and block CIDs of a CAR body; ``read_blocks`` checks every block against its CID."""
    stream = io.BytesIO(response.content)
    roots = read_header(stream).roots
    return roots, [cid for cid, _ in read_blocks(stream)]


# --- independent oracles over the tree ---------------------------------------------------------


def dfs(tree: Tree, cid: CID) -> list[CID]:
    """Every block below ``cid`` in depth-first link order, repeats included."""
    links = decode_node(tree.blocks[cid]).links if cid.codec == DAG_PB else ()
    return [cid] + [below for link in links for below in dfs(tree, link.cid)]


def once(cids: list[CID]) -> list[CID]:
    return list(dict.fromkeys(cids))


def size_of(tree: Tree, cid: CID) -> int:
    if cid.codec == RAW:
        return len(tree.blocks[cid])
    return UnixFSData.decode(decode_node(tree.blocks[cid]).data or b"").filesize or 0


def overlapping(tree: Tree, cid: CID, start: int, stop: int, offset: int = 0) -> list[CID]:
    """The file's blocks whose bytes overlap ``[start, stop)``, depth-first."""
    if offset >= stop or offset + size_of(tree, cid) <= start:
        return []
    found = [cid]
    if cid.codec == DAG_PB:
        for link in decode_node(tree.blocks[cid]).links:
            found += overlapping(tree, link.cid, start, stop, offset)
            offset += size_of(tree, link.cid)
    return found


# --- raw blocks ---------------------------------------------------------------------------------


def test_raw_block_by_format_and_by_accept(server: CairnServer, tree: Tree) -> None:
    cid = tree.files["big.bin"][0]
    for answer in (
        get(server, f"/ipfs/{cid}?format=raw"),
        get(server, f"/ipfs/{cid}", headers={"Accept": RAW_TYPE}),
    ):
        assert answer.status_code == 200
        assert answer.content == tree.blocks[cid] and cid.matches(answer.content)
        assert answer.headers["content-type"] == RAW_TYPE
        assert answer.headers["etag"] == f'"{cid}.raw"'
        assert answer.headers["x-ipfs-path"] == f"/ipfs/{cid}"
        assert answer.headers["x-ipfs-roots"] == str(cid)
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["content-disposition"].startswith(f'attachment; filename="{cid}.bin"')
        assert "immutable" in answer.headers["cache-control"]
    named = get(server, f"/ipfs/{cid}?format=raw&filename=x.bin")
    assert 'filename="x.bin"' in named.headers["content-disposition"]


def test_raw_block_range_etag_and_head(server: CairnServer, tree: Tree) -> None:
    cid = tree.files["big.bin"][0]
    block = tree.blocks[cid]
    part = get(server, f"/ipfs/{cid}?format=raw", headers={"Range": "bytes=2-9"})
    assert part.status_code == 206 and part.content == block[2:10]
    assert part.headers["content-range"] == f"bytes 2-9/{len(block)}"
    assert get(server, f"/ipfs/{cid}?format=raw", headers={"If-None-Match": f'"{cid}.raw"'}).status_code == 304
    head = httpx.head(f"{server.url}/ipfs/{cid}?format=raw")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(block)) and head.headers["etag"] == f'"{cid}.raw"'


def test_raw_needs_a_bare_cid(server: CairnServer, tree: Tree) -> None:
    answer = get(server, f"/ipfs/{tree.root}/hello.txt?format=raw")
    assert answer.status_code == 400 and answer.json()["error"] == "bad_request"


# --- CARs ---------------------------------------------------------------------------------------


def test_car_of_a_file_on_a_path_is_the_path_then_the_whole_file(server: CairnServer, tree: Tree) -> None:
    cid = tree.files["big.bin"][0]
    answer = get(server, f"/ipfs/{tree.root}/big.bin?format=car")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == f"{CAR}; version=1; order=dfs; dups=n"
    assert answer.headers["etag"].startswith(f'"{tree.root}.car.') and answer.headers["etag"].endswith('"')
    assert answer.headers["content-disposition"].startswith(f'attachment; filename="{tree.root}.car"')
    assert answer.headers["accept-ranges"] == "none" and answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-ipfs-roots"] == f"{tree.root},{cid}"
    roots, blocks = car_blocks(answer)
    assert roots == [tree.root]
    assert blocks == [tree.root, *dfs(tree, cid)]
    by_accept = get(server, f"/ipfs/{tree.root}/big.bin", headers={"Accept": CAR})
    assert by_accept.content == answer.content and by_accept.headers["etag"] == answer.headers["etag"]


def test_car_dag_scopes_of_a_directory(server: CairnServer, tree: Tree) -> None:
    sub = tree.dirs["sub"]
    scopes = {scope: car_blocks(get(server, f"/ipfs/{tree.root}/sub?format=car&dag-scope={scope}"))[1]
              for scope in ("all", "entity", "block")}  # fmt: skip
    assert scopes["all"] == [tree.root, sub, tree.files["sub/note.md"][0]]
    assert scopes["entity"] == [tree.root, sub]
    assert scopes["block"] == [tree.root, sub]
    etags = {get(server, f"/ipfs/{tree.root}/sub?format=car&dag-scope={s}").headers["etag"] for s in scopes}
    assert len(etags) == 3


def test_car_entity_and_block_of_a_hamt_directory(server: CairnServer, tree: Tree) -> None:
    shard_root = tree.dirs["shard"]
    assert len(tree.shards) > 1, "the HAMT should have sub-shards"
    _, entity = car_blocks(get(server, f"/ipfs/{tree.root}/shard?format=car&dag-scope=entity"))
    assert entity[:2] == [tree.root, shard_root]
    assert sorted(entity[1:]) == sorted(tree.shards)  # every shard, none of the 300 entries
    _, block = car_blocks(get(server, f"/ipfs/{tree.root}/shard?format=car&dag-scope=block"))
    assert block == [tree.root, shard_root]


def test_car_of_a_path_through_a_hamt_has_only_the_shards_on_the_way(server: CairnServer, tree: Tree) -> None:
    target, _ = tree.files["shard/entry-123.txt"]
    _, blocks = car_blocks(get(server, f"/ipfs/{tree.root}/shard/entry-123.txt?format=car&dag-scope=block"))
    assert blocks[:2] == [tree.root, tree.dirs["shard"]] and blocks[-1] == target
    shards_on_the_way = blocks[2:-1]
    assert set(shards_on_the_way) <= set(tree.shards) and len(shards_on_the_way) < len(tree.shards) - 1
    for parent, child in itertools.pairwise(blocks[1:]):  # each block links to the next
        assert child in [link.cid for link in decode_node(tree.blocks[parent]).links]


@pytest.mark.parametrize(
    ("entity_bytes", "span"),
    [("1500:2600", (1500, 2601)), ("-500:*", (4500, 5000)), ("0:0", (0, 1)), ("0:*", (0, 5000)),
     ("1000:-1001", (1000, 4000))],
)  # fmt: skip
def test_car_entity_bytes_sends_only_the_blocks_of_the_range(
    server: CairnServer, tree: Tree, entity_bytes: str, span: tuple[int, int]
) -> None:
    cid = tree.files["big.bin"][0]
    answer = get(server, f"/ipfs/{tree.root}/big.bin?format=car&dag-scope=entity&entity-bytes={entity_bytes}")
    _, blocks = car_blocks(answer)
    assert blocks == [tree.root, *overlapping(tree, cid, *span)]


def test_car_entity_bytes_outside_the_file_is_the_root_block(server: CairnServer, tree: Tree) -> None:
    cid = tree.files["big.bin"][0]
    _, blocks = car_blocks(get(server, f"/ipfs/{cid}?format=car&entity-bytes=9999:*"))
    assert blocks == [cid]


def test_car_dups_parameter(server: CairnServer, tree: Tree) -> None:
    leaf = tree.files["hello.txt"][0]
    assert tree.files["copy.txt"][0] == leaf
    plain = get(server, f"/ipfs/{tree.root}?format=car&dag-scope=all")
    dups = get(server, f"/ipfs/{tree.root}", headers={"Accept": f"{CAR}; version=1; order=dfs; dups=y"})
    assert dups.headers["content-type"] == f"{CAR}; version=1; order=dfs; dups=y"
    assert car_blocks(dups)[1] == dfs(tree, tree.root)
    assert car_blocks(plain)[1] == once(dfs(tree, tree.root))
    assert car_blocks(dups)[1].count(leaf) == 2 and car_blocks(plain)[1].count(leaf) == 1


def test_car_head_and_not_modified(server: CairnServer, tree: Tree) -> None:
    url = f"{server.url}/ipfs/{tree.root}/sub?format=car"
    head = httpx.head(url)
    assert head.status_code == 200 and head.content == b"" and head.headers["content-type"].startswith(CAR)
    etag = get(server, f"/ipfs/{tree.root}/sub?format=car").headers["etag"]
    assert head.headers["etag"] == etag
    assert httpx.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_identity_probe(server: CairnServer) -> None:
    """The spec's probe: the empty identity CID, answered without the store; a CAR of no blocks."""
    raw = get(server, "/ipfs/bafkqaaa?format=raw")
    assert raw.status_code == 200 and raw.content == b""
    car = get(server, "/ipfs/bafkqaaa?format=car")
    assert car.status_code == 200 and car.content == encode_header([CID(bytes.fromhex("01550000"))])


# --- plain files and directories ----------------------------------------------------------------


def test_plain_file_with_range_etag_and_head(server: CairnServer, tree: Tree) -> None:
    cid, data = tree.files["big.bin"]
    url = f"/ipfs/{tree.root}/big.bin"
    whole = get(server, url)
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["etag"] == f'"{cid}"' and whole.headers["x-ipfs-path"] == url
    assert whole.headers["x-ipfs-roots"] == f"{tree.root},{cid}"
    part = get(server, url, headers={"Range": "bytes=900-2099"})
    assert part.status_code == 206 and part.content == data[900:2100]
    assert part.headers["content-range"] == f"bytes 900-2099/{len(data)}"
    assert get(server, url, headers={"If-None-Match": f'"{cid}"'}).status_code == 304
    head = httpx.head(f"{server.url}{url}")
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(data))


def test_plain_text_file_type(server: CairnServer, tree: Tree) -> None:
    answer = get(server, f"/ipfs/{tree.root}/hello.txt")
    assert answer.content == b"hello world\n" and answer.headers["content-type"].startswith("text/plain")


def test_names_outside_ascii(server: CairnServer, tree: Tree) -> None:
    """Headers are Latin-1 on the wire: paths and file names in them must be percent-encoded."""
    cid = tree.files["ünï cödé.txt"][0]
    url = f"/ipfs/{tree.root}/{quote('ünï cödé.txt')}"
    plain = get(server, url + "?filename=ünï.txt")
    assert plain.status_code == 200 and plain.content == b"unicode name\n"
    assert plain.headers["x-ipfs-path"] == url
    assert "filename*=UTF-8''%C3%BCn%C3%AF.txt" in plain.headers["content-disposition"]
    car = get(server, url, headers={"Accept": CAR})
    assert car.status_code == 200 and car_blocks(car)[1] == [tree.root, cid]
    assert car.headers["content-location"] == f"{url}?format=car"


def test_directory_listing_index_html_and_trailing_slash(server: CairnServer, tree: Tree) -> None:
    moved = get(server, f"/ipfs/{tree.root}/sub")
    assert moved.status_code == 301 and moved.headers["location"] == f"/ipfs/{tree.root}/sub/"
    listing = get(server, f"/ipfs/{tree.root}/sub/")
    assert listing.status_code == 200 and listing.headers["content-type"].startswith("text/html")
    assert 'href="note.md"' in listing.text
    index = get(server, f"/ipfs/{tree.root}/site/")
    assert index.text == "<h1>hi</h1>\n" and index.headers["content-type"].startswith("text/html")


def test_paths_through_a_hamt_directory(server: CairnServer, tree: Tree) -> None:
    for i in (0, 123, 299):
        answer = get(server, f"/ipfs/{tree.root}/shard/entry-{i}.txt")
        assert answer.status_code == 200 and answer.content == f"entry {i}\n".encode()
    assert get(server, f"/ipfs/{tree.root}/shard/entry-300.txt").status_code == 404
    listing = get(server, f"/ipfs/{tree.root}/shard/").text
    assert all(f'href="entry-{i}.txt"' in listing for i in range(HAMT_ENTRIES))


def test_an_artifact_is_browsable_through_its_manifest(server: CairnServer, tree: Tree) -> None:
    """``/ipfs/<manifest>/content/...``: the DAG-CBOR manifest's ``content`` link leads to the files."""
    for name, data in ARTIFACT_FILES.items():
        answer = get(server, f"/ipfs/{tree.artifact}/content/{name}")
        assert answer.status_code == 200 and answer.content == data
    roots = answer.headers["x-ipfs-roots"].split(",")
    assert roots[0] == str(tree.artifact) and len(roots) == 4  # manifest, content dir, tok/, vocab.txt
    _, blocks = car_blocks(get(server, f"/ipfs/{tree.artifact}/content/config.json?format=car"))
    assert blocks[0] == tree.artifact and len(blocks) == 3  # manifest, directory, the one-block file


def test_a_private_artifact_needs_a_read_token(server: CairnServer, tree: Tree) -> None:
    url = f"/ipfs/{tree.private}/content/config.json"
    assert get(server, url).status_code == 404
    assert get(server, f"/ipfs/{tree.private}?format=car").status_code == 404
    allowed = get(server, url, headers={"Authorization": f"Bearer {tree.read_token}"})
    assert allowed.status_code == 200 and allowed.content == ARTIFACT_FILES["config.json"]


# --- refusals -----------------------------------------------------------------------------------


def test_malformed_cid_is_400_and_unknown_cid_is_404(server: CairnServer, tree: Tree) -> None:
    bad = get(server, "/ipfs/not-a-cid")
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_cid"
    unknown = CID.of(RAW, SHA2_256, b"never stored")
    for suffix in ("", "?format=raw", "?format=car"):
        missing = get(server, f"/ipfs/{unknown}{suffix}")
        assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    assert httpx.head(f"{server.url}/ipfs/{unknown}?format=raw").status_code == 404
    only_cached = {"Cache-Control": "only-if-cached"}
    assert get(server, f"/ipfs/{unknown}?format=raw", headers=only_cached).status_code == 412
    assert get(server, f"/ipfs/{tree.root}?format=raw", headers=only_cached).status_code == 200
    assert get(server, f"/ipfs/{tree.root}/no-such-file").status_code == 404
    assert get(server, f"/ipfs/{tree.root}/no-such-file?format=car").status_code == 404


def test_bad_parameters_are_400(server: CairnServer, tree: Tree) -> None:
    for query in ("format=tar", "format=car&dag-scope=most", "format=car&entity-bytes=a:b",
                  "format=car&entity-bytes=10:5", "format=car&car-version=2", "format=car&car-dups=maybe"):  # fmt: skip
        answer = get(server, f"/ipfs/{tree.root}?{query}")
        assert answer.status_code == 400, query
        assert answer.headers["content-type"] == "application/json" and answer.json()["detail"]


def test_dot_dot_in_paths_is_refused(server: CairnServer, tree: Tree) -> None:
    encoded = get(server, f"/ipfs/{tree.root}/sub/%2E%2E/hello.txt")
    assert encoded.status_code == 400 and encoded.json()["error"] == "unsafe_path"
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)  # sends the path unnormalised
    try:
        connection.request("GET", f"/ipfs/{tree.root}/sub/../hello.txt")
        answer = connection.getresponse()
        assert answer.status == 400 and b"unsafe_path" in answer.read()
    finally:
        connection.close()


def test_openapi_lists_the_gateway(server: CairnServer) -> None:
    paths = get(server, "/openapi.json").json()["paths"]
    assert {"get", "head"} <= set(paths["/ipfs/{cid}"]) and "/ipfs/{cid}/{path}" in paths
