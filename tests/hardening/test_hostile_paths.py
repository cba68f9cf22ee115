"""Hostile paths: entries named ``..``, holding ``/`` or absolute, in UnixFS directories (plain,
HAMT, nested), in manifests, in CARs, in gateway and REST file paths; symlinks in published
folders. Each is refused (exit 2, or 400) and nothing is written outside the target."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from cairn.chunking.cid import CID, RAW
from cairn.chunking.dag import DagEntry, emit_directory
from cairn.chunking.hamt import emit_hamt_directory
from cairn.chunking.multihash import SHA2_256
from cairn.chunking.unixfs import NodeType, UnixFSData
from tests.api.server import running_server
from tests.cli.helpers import Result, cairn
from tests.fuzz import dags
from tests.fuzz.asgi import AsgiClient

HOSTILE = ["..", "../../escape", "/abs/escape", "a/b", "a\\..\\b", ".", "", "x\0y"]


def _tree(root: Path, skip: Path) -> set[str]:
    """Every path under ``root`` (the home excluded): what must not grow when a pull is refused."""
    return {str(p.relative_to(root)) for p in root.rglob("*") if skip not in p.parents and p != skip}


def _refused(result: Result) -> None:
    assert result.code == 2, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cairn: error: ") and "internal error" not in lines[0]


def _leaf(blocks: dags.Blocks, payload: bytes = b"escaped") -> DagEntry:
    cid = CID.of(RAW, SHA2_256, payload)
    blocks.append((cid, payload))
    return DagEntry(cid, len(payload), len(payload))


def _sink(blocks: dags.Blocks):  # type: ignore[no-untyped-def]
    return lambda cid, data: blocks.append((cid, bytes(data)))


def _hostile_dag(layout: str, name: str) -> tuple[CID, dags.Blocks]:
    """A directory holding ``name``: directly, inside a subfolder, or in a HAMT-sharded directory."""
    blocks: dags.Blocks = []
    if layout == "plain":
        return dags.directory(blocks, [("ok.txt", _leaf(blocks, b"fine").cid), (name, _leaf(blocks).cid)]), blocks
    if layout == "nested":
        inner = dags.directory(blocks, [(name, _leaf(blocks).cid)])
        return dags.directory(blocks, [("sub", inner)]), blocks
    entries = [(f"f{i}", _leaf(blocks, b"%d" % i)) for i in range(40)] + [(name, _leaf(blocks))]
    return emit_hamt_directory(entries, SHA2_256, _sink(blocks)).cid, blocks


@pytest.mark.parametrize("layout", ["plain", "nested", "hamt"])
@pytest.mark.parametrize("name", HOSTILE, ids=repr)
def test_hostile_entry_names_are_refused_on_pull(capsys, home: Path, tmp_path: Path, layout: str, name: str) -> None:
    root, blocks = _hostile_dag(layout, name)
    assert cairn(capsys, "car", "import", dags.write_car(tmp_path / "in.car", [root], blocks)).code == 0
    work = tmp_path / "work" / "deep"
    work.mkdir(parents=True)
    before = _tree(tmp_path, home)
    _refused(cairn(capsys, "pull", str(root), "-o", work / "out"))
    assert _tree(tmp_path, home) == before, "a refused pull wrote something"
    assert not (tmp_path / "escape").exists() and not Path("/abs/escape").exists()


def test_a_unixfs_symlink_entry_is_refused_on_pull(capsys, home: Path, tmp_path: Path) -> None:
    """UnixFS can carry symlinks; tar-style attacks plant one (``etc -> /etc``) and write through
    it. Cairn writes no symlinks: such an entry is refused before anything is written."""
    blocks: dags.Blocks = []
    link = dags._node(blocks, [], UnixFSData(NodeType.SYMLINK, data=b"/etc"))
    root = dags.directory(blocks, [("etc", link), ("ok.txt", _leaf(blocks, b"fine").cid)])
    assert cairn(capsys, "car", "import", dags.write_car(tmp_path / "in.car", [root], blocks)).code == 0
    before = _tree(tmp_path, home)
    _refused(cairn(capsys, "pull", str(root), "-o", tmp_path / "out"))
    assert _tree(tmp_path, home) == before


@pytest.mark.parametrize("name", ["../../evil", "/tmp/absolute-evil", "a/b", "..", "."])
def test_a_manifest_name_never_becomes_a_path_outside(capsys, home: Path, tmp_path: Path, name: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Without ``-o`` a pull writes to ``./<name>``; a name that is not a plain file name (the
    publisher chose it) falls back to ``./<cid>``."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_text("a")
    cid = cairn(capsys, "publish", tmp_path / "src", "--name", name).last_line
    work = tmp_path / "w1" / "w2"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    before = _tree(tmp_path, home)
    assert cairn(capsys, "pull", cid).code == 0
    assert _tree(tmp_path, home) - before == {"w1/w2/" + cid, f"w1/w2/{cid}/a.txt"}
    assert not Path("/tmp/absolute-evil").exists()


# --- file paths over HTTP: REST v1 and the gateway ----------------------------------------------


@pytest.fixture
def published(capsys, home: Path, tmp_path: Path) -> tuple[str, str]:
    """An artifact with ``secret.txt`` at its root and ``sub/x.txt``: (manifest CID, content CID)."""
    src = tmp_path / "art"
    (src / "sub").mkdir(parents=True)
    (src / "secret.txt").write_text("only by its own name")
    (src / "sub" / "x.txt").write_text("x")
    info = cairn(capsys, "publish", src, "--json").json()
    content = cairn(capsys, "show", info["cid"], "--json").json()["content"]
    return info["cid"], content


TRAVERSALS = ["sub/../secret.txt", "../secret.txt", "sub/%2e%2e/secret.txt", "sub/..%2fsecret.txt",
              "sub%2f..%2fsecret.txt", "/secret.txt", "sub//x.txt", "sub/./x.txt", "sub\\..\\secret.txt"]  # fmt: skip


@pytest.fixture
def client(home: Path) -> Iterator[AsgiClient]:
    from cairn.api.app import create_app
    from cairn.api.deps import ServerConfig
    from cairn.settings import load_settings

    app_client = AsgiClient(create_app(ServerConfig(load_settings(home)), run_jobs=False))
    yield app_client
    app_client.close()


@pytest.mark.parametrize("path", TRAVERSALS)
def test_file_routes_refuse_traversal(published: tuple[str, str], client: AsgiClient, path: str) -> None:
    """The path as the server sees it after percent-decoding (ASGI ``path``): 400, never a file."""
    from urllib.parse import unquote

    cid, content = published
    for url in (f"/v1/artifacts/{cid}/files/{unquote(path)}", f"/ipfs/{content}/{unquote(path)}"):
        reply = client.request("GET", url)
        assert reply.status == 400, (url, reply)
        assert b"only by its own name" not in reply.body


def _raw_get(port: int, target: str) -> tuple[int, bytes]:
    """Send the request line byte-exact (clients normalise ``..`` away; an attacker does not)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data


def test_file_routes_refuse_traversal_over_real_http(published: tuple[str, str], home: Path) -> None:
    cid, content = published
    with running_server(home) as server:
        for path in TRAVERSALS:
            for target in (f"/v1/artifacts/{cid}/files/{path}", f"/ipfs/{content}/{path}"):
                status, body = _raw_get(server.port, target.replace("\\", "%5C"))
                assert status in (400, 404), (target, body[:300])
                assert b"only by its own name" not in body
        status, body = _raw_get(server.port, f"/v1/artifacts/{cid}/files/secret.txt")
        assert status == 200 and body.endswith(b"only by its own name")  # the test can tell


# --- symlinks in published folders --------------------------------------------------------------


def _symlink_case(folder: Path, outside: Path, case: str) -> None:
    (folder / "ok.txt").write_text("fine")
    (outside / "secret.txt").write_text("never published")
    if case == "absolute, outside":
        (folder / "leak").symlink_to(outside / "secret.txt")
    elif case == "relative, outside":
        (folder / "leak").symlink_to(os.path.relpath(outside / "secret.txt", folder))
    elif case == "chain leaving":
        (folder / "hop").symlink_to(outside / "secret.txt")
        (folder / "leak").symlink_to("hop")
    elif case == "broken":
        (folder / "leak").symlink_to(folder / "missing")
    elif case == "loop":
        (folder / "leak").symlink_to("leak2")
        (folder / "leak2").symlink_to("leak")
    elif case == "folder inside":
        (folder / "sub").mkdir()
        (folder / "sub" / "f").write_text("f")
        (folder / "leak").symlink_to(folder / "sub")
    elif case == "folder outside":
        (folder / "leak").symlink_to(outside)
    elif case == "the folder itself":
        (folder / "leak").symlink_to(".")


SYMLINK_CASES = ["absolute, outside", "relative, outside", "chain leaving", "broken", "loop", "folder inside",
                 "folder outside", "the folder itself"]  # fmt: skip


@pytest.mark.parametrize("case", SYMLINK_CASES)
def test_symlinks_that_leave_loop_or_dangle_are_refused_on_publish(capsys, home: Path, tmp_path: Path,
                                                                   case: str) -> None:  # fmt: skip
    folder, outside = tmp_path / "pub", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    _symlink_case(folder, outside, case)
    _refused(cairn(capsys, "publish", folder))
    assert cairn(capsys, "ls", "--json").json() == []


def test_an_in_folder_symlink_is_stored_as_the_file_it_names(capsys, home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "pub"
    folder.mkdir()
    (folder / "real.bin").write_bytes(b"real bytes")
    (folder / "alias.bin").symlink_to("real.bin")
    cid = cairn(capsys, "publish", folder).last_line
    assert cairn(capsys, "pull", cid, "-o", tmp_path / "out").code == 0
    assert not (tmp_path / "out" / "alias.bin").is_symlink()
    assert (tmp_path / "out" / "alias.bin").read_bytes() == b"real bytes"


def test_hostile_names_are_refused_in_uploads_too(client: AsgiClient, home: Path) -> None:
    """POST /v1/artifacts: each part's filename is its path in the artifact; hostile ones are 400."""
    from cairn.lineage.index.tokens import new_token
    from cairn.lineage.repo import Repo

    token, _ = new_token(Repo.open(home).index, "write")
    for name in ["..", "../x", "/etc/passwd", "a/../../b", "a\\b", "", "a//b", "x\0y"]:
        body = (b'--B\r\nContent-Disposition: form-data; name="files"; filename="' + name.encode() + b'"\r\n\r\nx\r\n'
                b'--B\r\nContent-Disposition: form-data; name="name"\r\n\r\nm\r\n--B--\r\n')  # fmt: skip
        reply = client.request(
            "POST",
            "/v1/artifacts",
            body,
            {"authorization": f"Bearer {token}", "content-type": "multipart/form-data; boundary=B"},
        )
        assert reply.status in (400, 422), (name, reply)
    assert not Path("/etc/passwd.cairn").exists() and not (home.parent / "x").exists()
    assert not any((home / "tmp").iterdir())


def test_directory_names_in_a_plain_directory_are_checked_when_listed_over_rest(
    capsys, home: Path, tmp_path: Path, client: AsgiClient
) -> None:
    """GET /v1/artifacts/{ref} lists files: a manifest whose content holds ``..`` is a 400."""
    from cairn.lineage.records.keys import load_or_create_key
    from cairn.lineage.records.model import encode_record, sign

    blocks: dags.Blocks = []
    content = emit_directory([("..", _leaf(blocks))], SHA2_256, _sink(blocks))
    body = {"cairn": 1, "type": "artifact", "kind": "other", "name": "evil", "version": None, "license": None,
            "access": "public", "profile": "kubo", "content": content.cid, "bytes": 7, "file_count": 1,
            "files_meta": None, "derived_from": [], "run": None, "meta": {}}  # fmt: skip
    key, _ = load_or_create_key(tmp_path / "attacker")
    cid, data = encode_record(sign(body, key), SHA2_256)
    blocks.append((cid, data))
    assert cairn(capsys, "car", "import", dags.write_car(tmp_path / "m.car", [cid], blocks)).code == 0
    reply = client.request("GET", f"/v1/artifacts/{cid}")
    assert reply.status == 400 and reply.json()["error"] == "unsafe_path", reply
    _refused(cairn(capsys, "pull", str(cid), "-o", tmp_path / "out"))
    assert not (tmp_path / "out").exists()
