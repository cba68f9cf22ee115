"""The CLI, the SDK and the REST API are three doors to one core: on the same artifact they give
the same answer, field by field (each result's ``to_json()`` is what ``--json`` prints and what
the route returns)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cairn import Cairn
from cairn.chunking.cid import CID, DAG_CBOR
from cairn.chunking.multihash import BLAKE3
from tests.api.server import CairnServer, running_server
from tests.cli.helpers import cairn
from tests.data import small_model, write_safetensors


@pytest.fixture
def model(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    (folder / "tok").mkdir(parents=True)
    write_safetensors(folder / "model.safetensors", small_model(seed=5, layers=2))
    (folder / "config.json").write_text('{"hidden": 256}')
    (folder / "tok" / "vocab.txt").write_text("a\nb\n")
    return folder


@pytest.fixture
def homes(tmp_path: Path, capsys) -> Iterator[tuple[Path, Path, Path]]:
    """Three homes holding one signing key, so one publish gives one CID whichever door it takes."""
    first = tmp_path / "cli-home"
    assert cairn(capsys, "key", "new", "--home", first).code == 0
    others = (tmp_path / "sdk-home", tmp_path / "rest-home")
    for home in others:
        (home / "keys").mkdir(parents=True)
        shutil.copy2(first / "keys" / "signing.key", home / "keys" / "signing.key")
    yield first, *others


def _write_token(capsys, home: Path) -> str:
    return cairn(capsys, "token", "new", "--scope", "write", "--home", home).last_line


def _upload(server: CairnServer, token: str, folder: Path, **form: str) -> dict[str, Any]:
    files = [
        ("files", (p.relative_to(folder).as_posix(), io.BytesIO(p.read_bytes()), "application/octet-stream"))
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    ]
    headers = {"Authorization": f"Bearer {token}"}
    response = httpx.post(f"{server.url}/v1/artifacts", files=files, data=form, headers=headers, timeout=60)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_publish_answers_the_same_through_cli_sdk_and_rest(capsys, homes, model: Path) -> None:
    cli_home, sdk_home, rest_home = homes
    by_cli = cairn(capsys, "publish", model, "--name", "m", "--version", "1", "--json", "--home", cli_home).json()
    with Cairn(sdk_home) as sdk:
        by_sdk = sdk.publish(model, name="m", version="1").to_json()
    token = _write_token(capsys, rest_home)
    with running_server(rest_home) as server:
        by_rest = _upload(server, token, model, name="m", version="1")
    assert by_cli["name_record"] is not None
    assert by_cli == by_sdk == by_rest


def test_verify_show_names_and_lineage_answer_the_same(capsys, home: Path, model: Path, tmp_path: Path) -> None:
    parent = cairn(capsys, "publish", model, "--name", "base", "--version", "1", "--json").json()["cid"]
    (tmp_path / "tuned").mkdir()
    (tmp_path / "tuned" / "weights.bin").write_bytes(b"tuned")
    run = tmp_path / "run.json"
    run.write_text('{"kind": "fine-tune", "parameters": {"lr": 0.001}}')
    child = cairn(capsys, "publish", tmp_path / "tuned", "--name", "tuned", "--derived-from", "base@1",
                  "--run", run, "--json").json()["cid"]  # fmt: skip
    sdk = Cairn()  # $CAIRN_HOME, as the CLI reads it
    with running_server(home) as server:
        for ref in (child, "tuned", parent):
            cli = cairn(capsys, "verify", ref, "--json").json()
            rest = httpx.get(f"{server.url}/v1/verify/{ref}").json()
            assert cli == sdk.verify(ref).to_json() == rest
            assert cli["ok"] and cli["anchors"] and all(s["trusted"] for s in cli["signers"])  # own key: trusted
        for args, params in ((["--down"], {"direction": "down"}), ([], {})):
            cli = cairn(capsys, "lineage", parent if args else child, "--format", "json", *args).json()
            rest = httpx.get(f"{server.url}/v1/lineage/{parent if args else child}", params=params).json()
            graph = sdk.lineage(parent if args else child, "down" if args else "up").to_json()
            assert cli == graph == rest and len(cli["nodes"]) == 3  # parent, child and the run
        shown = cairn(capsys, "show", "tuned", "--json").json()
        assert shown == sdk.show("tuned").to_json() == httpx.get(f"{server.url}/v1/artifacts/tuned").json()
        claims = cairn(capsys, "name", "list", "base", "--json").json()
        assert (
            claims
            == [v.to_json() for v in sdk.names("base")]
            == httpx.get(f"{server.url}/v1/names/base").json()["claims"]
        )
        listed = cairn(capsys, "ls", "--json").json()
        assert listed == [r.to_json() for r in sdk.ls()] == httpx.get(f"{server.url}/v1/artifacts").json()
    sdk.close()


def test_the_sdk_refuses_a_run_field_the_cli_refuses(capsys, home: Path, model: Path, tmp_path: Path) -> None:
    run = tmp_path / "run.json"
    run.write_text('{"kind": "train", "lr": 1}')
    refused = cairn(capsys, "publish", model, "--run", run)
    assert refused.code == 2 and "unknown run field 'lr'" in refused.err
    with Cairn() as sdk, pytest.raises(Exception, match="unknown run field 'lr'") as raised:
        sdk.publish(model, run={"kind": "train", "lr": 1})
    assert type(raised.value).__name__ == "BadInput"
    assert sdk.ls() == []  # nothing was stored as an artifact


def test_to_a_caller_without_a_token_a_private_artifact_answers_as_an_absent_one(
    capsys, home: Path, model: Path
) -> None:
    private = cairn(capsys, "publish", model, "--name", "secret", "--private", "--json").json()["cid"]
    absent = str(CID.of(DAG_CBOR, BLAKE3, b"never published"))
    routes = ["/v1/artifacts/{}", "/v1/artifacts/{}/manifest", "/v1/artifacts/{}/files/config.json",
              "/v1/verify/{}", "/v1/lineage/{}", "/v1/blocks/{}", "/v1/car/{}", "/ipfs/{}",
              "/ipfs/{}/config.json"]  # fmt: skip
    with running_server(home) as server:
        for route in routes:
            hidden = httpx.get(server.url + route.format(private))
            missing = httpx.get(server.url + route.format(absent))
            assert hidden.status_code == missing.status_code, route
            assert hidden.text.replace(private, absent) == missing.text, route
        for name_route in ("/v1/artifacts/{}", "/v1/names/{}", "/v1/artifacts/{}@1/files/config.json"):
            hidden = httpx.get(server.url + name_route.format("secret"))
            missing = httpx.get(server.url + name_route.format("nobody"))
            assert (hidden.status_code, hidden.text.replace("secret", "nobody")) == (missing.status_code, missing.text)
        assert httpx.get(f"{server.url}/v1/artifacts").json() == []
        token = _write_token(capsys, home)
        seen = httpx.get(f"{server.url}/v1/artifacts/secret", headers={"Authorization": f"Bearer {token}"})
        assert seen.status_code == 200 and seen.json()["cid"] == private


def test_a_public_descendant_shows_its_private_parent_as_private(
    capsys, home: Path, model: Path, tmp_path: Path
) -> None:
    private = cairn(capsys, "publish", model, "--name", "secret", "--private", "--json").json()["cid"]
    (tmp_path / "tuned").mkdir()
    (tmp_path / "tuned" / "weights.bin").write_bytes(b"tuned")
    child = cairn(capsys, "publish", tmp_path / "tuned", "--name", "tuned", "--derived-from", private,
                  "--json").json()["cid"]  # fmt: skip
    with running_server(home) as server:
        graph = httpx.get(f"{server.url}/v1/lineage/{child}").json()
        assert [n["type"] for n in graph["nodes"]] == ["artifact", "private"]
        report = httpx.get(f"{server.url}/v1/verify/{child}").json()
        assert report["ok"] and report["private_ancestors"] == 1 and len(report["signers"]) == 1
        for answer in (graph, report):
            assert private not in str(answer) and "secret" not in str(answer)
        assert httpx.get(f"{server.url}/v1/blocks/{private}").status_code == 404
        owner = cairn(capsys, "lineage", child, "--format", "json").json()
        assert {n["cid"] for n in owner["nodes"]} == {child, private}  # the owner sees everything
