"""REST v1 against a real `cairn serve` over HTTP: publish, read, blocks, CARs, auth, jobs."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cairn.chunking.car import CarWriter
from cairn.chunking.cid import CID, RAW
from cairn.chunking.multihash import BLAKE3
from tests.api.server import CairnServer, running_server
from tests.cli.helpers import cairn
from tests.data import random_bytes, small_model, write_safetensors


@pytest.fixture
def server(home: Path) -> Iterator[CairnServer]:
    with running_server(home) as running:
        yield running


@pytest.fixture
def write_token(capsys, server: CairnServer) -> str:
    result = cairn(capsys, "token", "new", "--scope", "write")
    assert result.code == 0
    return result.last_line


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _upload(server: CairnServer, token: str, files: dict[str, bytes], **form: str) -> httpx.Response:
    parts = [("files", (path, io.BytesIO(data), "application/octet-stream")) for path, data in files.items()]
    return httpx.post(f"{server.url}/v1/artifacts", files=parts, data=form, headers=_auth(token), timeout=60)


@pytest.fixture
def model_files(tmp_path: Path) -> dict[str, bytes]:
    weights = write_safetensors(tmp_path / "model.safetensors", small_model(seed=2, layers=3)).read_bytes()
    return {"model.safetensors": weights, "config.json": b'{"hidden": 256}', "tok/vocab.txt": b"a\nb\n"}


def test_health_version_and_openapi(server: CairnServer) -> None:
    assert httpx.get(f"{server.url}/v1/health").json() == {"status": "ok"}
    assert httpx.get(f"{server.url}/v1/version").json()["version"]
    schema = httpx.get(f"{server.url}/openapi.json").json()
    assert "/v1/artifacts" in schema["paths"] and "/v1/blocks/{cid}" in schema["paths"]


def test_publish_by_upload_then_read_it_back(server: CairnServer, write_token: str, model_files) -> None:
    answer = _upload(server, write_token, model_files, name="m", version="1")
    assert answer.status_code == 201, answer.text
    cid = answer.json()["cid"]
    assert sorted(f["path"] for f in answer.json()["files"]) == sorted(model_files)
    listed = httpx.get(f"{server.url}/v1/artifacts").json()
    assert [a["cid"] for a in listed] == [cid]
    shown = httpx.get(f"{server.url}/v1/artifacts/m@1").json()
    assert shown["cid"] == cid and shown["file_count"] == 3
    manifest = httpx.get(f"{server.url}/v1/artifacts/{cid}/manifest").json()
    assert manifest["type"] == "artifact" and manifest["content"] == {"/": shown["content"]}
    for path, data in model_files.items():
        got = httpx.get(f"{server.url}/v1/artifacts/{cid}/files/{path}")
        assert got.status_code == 200 and got.content == data
    again = _upload(server, write_token, model_files, name="m", version="1")
    assert again.json()["cid"] == cid and again.json()["bytes_new"] == 0


def test_ranges_etags_and_not_modified(server: CairnServer, write_token: str, model_files) -> None:
    cid = _upload(server, write_token, model_files, name="m").json()["cid"]
    url = f"{server.url}/v1/artifacts/{cid}/files/model.safetensors"
    data = model_files["model.safetensors"]
    whole = httpx.get(url)
    etag = whole.headers["etag"]
    part = httpx.get(url, headers={"Range": "bytes=1000-300999"})
    assert part.status_code == 206 and part.content == data[1000:301000]
    assert part.headers["content-range"] == f"bytes 1000-300999/{len(data)}"
    assert httpx.get(url, headers={"Range": "bytes=-10"}).content == data[-10:]
    assert httpx.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert httpx.get(url, headers={"Range": f"bytes={len(data)}-"}).status_code == 416


def test_writes_need_a_write_token(capsys, server: CairnServer, model_files) -> None:
    refused = httpx.post(f"{server.url}/v1/artifacts", files=[("files", ("a.txt", b"x"))], data={"name": "x"})
    assert refused.status_code == 401 and refused.json()["error"] == "unauthorized"
    read_token = cairn(capsys, "token", "new", "--scope", "read").last_line
    assert _upload(server, read_token, model_files, name="x").status_code == 403
    assert _upload(server, "cairn_forged_token", model_files, name="x").status_code == 401
    assert httpx.get(f"{server.url}/v1/artifacts").json() == []


def test_revoked_tokens_stop_working(capsys, server: CairnServer, model_files) -> None:
    token = cairn(capsys, "token", "new", "--scope", "write", "--json").json()
    assert _upload(server, token["token"], {"a.txt": b"a"}, name="a").status_code == 201
    assert cairn(capsys, "token", "revoke", token["id"]).code == 0
    assert _upload(server, token["token"], {"b.txt": b"b"}, name="b").status_code == 401


def test_blocks_get_head_put(server: CairnServer, write_token: str) -> None:
    data = random_bytes(5000, seed=3)
    cid = CID.of(RAW, BLAKE3, data)
    url = f"{server.url}/v1/blocks/{cid}"
    assert httpx.head(url).status_code == 404
    assert httpx.put(url, content=data).status_code == 401
    wrong = httpx.put(url, content=data[:-1] + b"x", headers=_auth(write_token))
    assert wrong.status_code == 400 and wrong.json()["error"] == "cid_mismatch"
    assert httpx.head(url).status_code == 404
    stored = httpx.put(url, content=data, headers=_auth(write_token))
    assert stored.status_code == 200 and stored.json() == {"cid": str(cid), "new": True}
    assert httpx.head(url).status_code == 200
    got = httpx.get(url)
    assert got.content == data and got.headers["content-type"] == "application/vnd.ipld.raw"
    assert httpx.get(f"{server.url}/v1/blocks/not-a-cid").status_code == 400


def test_private_artifacts_need_a_read_token(capsys, server: CairnServer, write_token: str) -> None:
    cid = _upload(server, write_token, {"secret.txt": b"internal"}, name="s", private="true").json()["cid"]
    assert httpx.get(f"{server.url}/v1/artifacts").json() == []
    assert httpx.get(f"{server.url}/v1/artifacts/{cid}").status_code == 404
    assert httpx.get(f"{server.url}/v1/artifacts/{cid}/files/secret.txt").status_code == 404
    reader = cairn(capsys, "token", "new", "--scope", "read").last_line
    assert httpx.get(f"{server.url}/v1/artifacts/{cid}/files/secret.txt", headers=_auth(reader)).content == b"internal"


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", "a/../../b", ""])
def test_unsafe_upload_paths_are_refused_and_nothing_is_stored(
    server: CairnServer, write_token: str, path: str
) -> None:
    answer = _upload(server, write_token, {path: b"x", "ok.txt": b"y"}, name="bad")
    assert answer.status_code in (400, 422), answer.text
    assert answer.json()["error"]
    assert httpx.get(f"{server.url}/v1/artifacts").json() == []


def test_unsafe_file_path_on_read(server: CairnServer, write_token: str, model_files) -> None:
    cid = _upload(server, write_token, model_files, name="m").json()["cid"]
    # Encoded dots reach the server as "..": clients normalise the plain form away.
    answer = httpx.get(f"{server.url}/v1/artifacts/{cid}/files/tok/%2E%2E/config.json")
    assert answer.status_code == 400 and answer.json()["error"] == "unsafe_path"


def test_oversized_uploads_are_refused(home: Path, capsys) -> None:
    with running_server(home, "--max-upload-bytes", "100000") as small:
        token = cairn(capsys, "token", "new", "--scope", "write").last_line
        answer = _upload(small, token, {"big.bin": random_bytes(300_000)}, name="big")
        assert answer.status_code == 413
        assert httpx.get(f"{small.url}/v1/artifacts").json() == []


def test_car_round_trip_between_two_servers(
    capsys, server: CairnServer, write_token: str, model_files, tmp_path
) -> None:
    cid = _upload(server, write_token, model_files, name="m").json()["cid"]
    car = httpx.get(f"{server.url}/v1/car/{cid}").content
    with running_server(tmp_path / "other") as other:
        token = cairn_token(capsys, tmp_path / "other")
        imported = httpx.post(
            f"{other.url}/v1/car", content=car, headers={**_auth(token), "Content-Type": "application/vnd.ipld.car"}
        )
        assert imported.status_code == 201, imported.text
        assert imported.json()["artifacts"] == [cid]
        assert httpx.get(f"{other.url}/v1/verify/{cid}").json()["ok"] is True


def test_a_car_with_a_bad_block_stores_nothing(server: CairnServer, write_token: str) -> None:
    cid = CID.of(RAW, BLAKE3, b"good")
    out = io.BytesIO()
    CarWriter(out, [cid]).put(cid, b"evil")
    answer = httpx.post(f"{server.url}/v1/car", content=out.getvalue(), headers=_auth(write_token))
    assert answer.status_code == 422 and str(cid) in answer.json()["detail"]
    assert httpx.head(f"{server.url}/v1/blocks/{cid}").status_code == 404


def test_lineage_and_verify(server: CairnServer, write_token: str, model_files) -> None:
    base = _upload(server, write_token, model_files, name="base").json()["cid"]
    tuned = _upload(server, write_token, {"weights.bin": b"tuned"}, name="tuned", derived_from=base).json()["cid"]
    up = httpx.get(f"{server.url}/v1/lineage/{tuned}").json()
    assert {n["cid"] for n in up["nodes"]} == {base, tuned}
    down = httpx.get(f"{server.url}/v1/lineage/{base}", params={"direction": "down"}).json()
    assert {n["cid"] for n in down["nodes"]} == {base, tuned}
    assert "tuned" in httpx.get(f"{server.url}/v1/lineage/{tuned}", params={"format": "tree"}).text
    report = httpx.get(f"{server.url}/v1/verify/{tuned}").json()
    assert report["ok"] and len(report["signers"]) == 2 and report["anchor"] in ("pending", "anchored")


def cairn_token(capsys, home: Path) -> str:
    return cairn(capsys, "token", "new", "--scope", "write", "--home", str(home)).last_line


def test_json_errors_for_unknown_things(server: CairnServer) -> None:
    unknown = CID.of(RAW, BLAKE3, b"nobody")
    missing = httpx.get(f"{server.url}/v1/blocks/{unknown}")
    assert missing.status_code == 404 and json.loads(missing.text)["error"] == "not_found"
    assert httpx.get(f"{server.url}/v1/artifacts/nope").status_code == 404
    assert httpx.get(f"{server.url}/v1/jobs/nope").status_code == 404
