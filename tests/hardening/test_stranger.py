"""The whole server, attacked as a stranger would: every route of the OpenAPI schema, the
trustless gateway and the Hugging Face routes, asked by three callers (no token, a read token, a
write token) about every artifact of a home that holds public and private artifacts with lineage
between them.

A caller without a token must never get a private byte, CID or name back, in a body or a header,
other than what the caller itself sent in the request; the token holders see what they may.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from cairn import Cairn
from cairn.chunking.cid import CID
from tests.api.server import CairnServer, running_server

PRIVATE_BYTES = b"PRIVATE-PAYLOAD-7f3a91"
SECRET_NAMES = ("secretbase", "secretchild")


@dataclass
class Home:
    server: CairnServer
    public: dict[str, str]  # name -> manifest CID
    private: dict[str, str]
    secrets: set[str]  # every text that must not reach a stranger: CIDs and names
    read_token: str
    write_token: str


def _folder(root: Path, name: str, payload: bytes) -> Path:
    folder = root / name
    (folder / "sub").mkdir(parents=True)
    (folder / "config.json").write_bytes(b'{"name": "%s"}' % name.encode())
    (folder / "sub" / "data.bin").write_bytes(payload * 64)
    return folder


def _all_cids_of(sdk: Cairn, manifest: str) -> set[str]:
    """The artifact's own CIDs: manifest, run record, content root, every file."""
    info = sdk.show(manifest)
    found = {manifest, str(info.target.root), *(str(f.cid) for f in info.files)}
    if info.target.manifest is not None and info.target.manifest.run is not None:
        found.add(str(info.target.manifest.run))
    return found


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Home]:
    root = tmp_path_factory.mktemp("stranger")
    path = root / "home"
    with Cairn(path) as sdk:
        pub = sdk.publish(_folder(root, "pubbase", b"public bytes "), name="pubbase", version="1")
        sec = sdk.publish(_folder(root, "secretbase", PRIVATE_BYTES), name="secretbase", version="1",
                          private=True, run={"kind": "train", "parameters": {"secret_lr": 0.123}})  # fmt: skip
        child = sdk.publish(_folder(root, "pubchild", b"child bytes "), name="pubchild", version="1",
                            derived_from=[sec.cid, pub.cid])  # fmt: skip
        sec_child = sdk.publish(_folder(root, "secretchild", PRIVATE_BYTES + b"2"), name="secretchild",
                                version="1", private=True, derived_from=[pub.cid])  # fmt: skip
        public = {"pubbase": str(pub.cid), "pubchild": str(child.cid)}
        private = {"secretbase": str(sec.cid), "secretchild": str(sec_child.cid)}
        public_cids = set().union(*(_all_cids_of(sdk, c) for c in public.values()))
        secrets = set().union(*(_all_cids_of(sdk, c) for c in private.values())) - public_cids
        secrets |= {str(sec.name_record), str(sec_child.name_record), *SECRET_NAMES}
    tokens = {}
    for scope in ("read", "write"):
        tokens[scope] = _token(path, scope)
    with running_server(path) as server:
        yield Home(server, public, private, secrets, tokens["read"], tokens["write"])


def _token(home: Path, scope: str) -> str:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "cairn.cli.main", "token", "new", "--scope", scope, "--home", home],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout.strip().splitlines()[-1]


def _get_paths(server: CairnServer) -> list[str]:
    """Every GET path template of the OpenAPI schema, plus the routes the schema leaves out."""
    schema = httpx.get(f"{server.url}/openapi.json").json()
    paths = [p for p, ops in schema["paths"].items() if "get" in ops]
    hub = ["/api/models/{repo_id}", "/api/models/{repo_id}/revision/{revision}",
           "/api/models/{repo_id}/tree/{revision}", "/api/datasets/{repo_id}", "/{repo_id}/resolve/{revision}/{path}",
           "/datasets/{repo_id}/resolve/{revision}/{path}", "/", "/ui/app.js"]  # fmt: skip
    return paths + hub


LINEAGE_QUERIES = [f"?format={f}&direction={d}" for f in ("json", "tree", "dot", "prov-json", "openlineage", "in-toto")
                   for d in ("up", "down")]  # fmt: skip


def _fill(template: str, ref: str) -> list[str]:
    """Concrete URLs for one path template and one artifact reference (a CID or a name)."""
    values = {"ref": [ref, f"{ref}@1"] if not ref.startswith("baf") else [ref], "cid": [ref], "repo_id": [ref],
              "revision": ["main", "1"], "path": ["config.json", "sub/data.bin"], "job_id": ["nope"]}  # fmt: skip
    names = re.findall(r"{(\w+)(?::path)?}", template)
    choices = [values.get(n, ["x"]) for n in names]
    urls = []
    for combo in itertools.product(*choices):
        url = template
        for name, value in zip(names, combo, strict=True):
            url = re.sub("{" + name + r"(?::path)?}", value, url, count=1)
        urls += [url + q for q in LINEAGE_QUERIES] if template.startswith("/v1/lineage/") else [url]
    return urls


def _refs(home: Home) -> list[str]:
    return [*home.public, *home.public.values(), *home.private, *home.private.values(), *sorted(home.secrets)]


def _leaks(home: Home, url: str, response: httpx.Response) -> list[str]:
    """The secrets in a response that the caller did not itself send."""
    text = response.text + " ".join(f"{k}: {v}" for k, v in response.headers.items())
    found = [s for s in home.secrets if s in text and s not in url]
    found += [s for s in home.secrets if s.startswith("baf") and _base64(s) in text and s not in url]
    if PRIVATE_BYTES in response.content:
        found.append("private file bytes")
    return found


def _base64(cid: str) -> str:
    """A binary CID as the manifest route writes bytes (base64, unpadded)."""
    import base64

    return base64.b64encode(CID.parse(cid).raw).decode().rstrip("=")


def test_a_stranger_learns_nothing_private_from_any_get_route(home: Home) -> None:
    leaks = []
    asked = 0
    with httpx.Client(base_url=home.server.url, timeout=30) as client:
        for template in _get_paths(home.server):
            for ref in _refs(home):
                for url in _fill(template, ref):
                    response = client.get(url)
                    asked += 1
                    assert response.status_code < 500, (url, response.text[:300])
                    leaks += [f"{url}: {leak}" for leak in _leaks(home, url, response)]
        listed = client.get("/v1/artifacts").json()
        assert {row["name"] for row in listed} == set(home.public)
    assert asked > 300
    assert not leaks, "\n".join(leaks[:20])


def test_a_stranger_asking_by_hash_gets_the_answer_for_an_absent_block(home: Home) -> None:
    with httpx.Client(base_url=home.server.url, timeout=30) as client:
        present = client.post("/v1/missing", json={"cids": sorted(home.secrets - set(SECRET_NAMES))})
        assert sorted(present.json()["missing"]) == sorted(home.secrets - set(SECRET_NAMES))
        for secret in home.secrets - set(SECRET_NAMES):
            for route in (f"/v1/blocks/{secret}", f"/ipfs/{secret}", f"/v1/car/{secret}"):
                assert client.get(route).status_code == 404, route
                assert client.head(route).status_code in (404, 405), route


@pytest.mark.parametrize("scope", ["read", "write"])
def test_a_token_holder_sees_the_private_artifacts(home: Home, scope: str) -> None:
    token = home.read_token if scope == "read" else home.write_token
    with httpx.Client(base_url=home.server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        assert {row["name"] for row in client.get("/v1/artifacts").json()} == {*home.public, *home.private}
        for name, cid in home.private.items():
            assert client.get(f"/v1/artifacts/{name}").json()["cid"] == cid
            assert PRIVATE_BYTES in client.get(f"/v1/artifacts/{name}/files/sub/data.bin").content
            assert client.get(f"/v1/blocks/{cid}").status_code == 200
            assert client.get(f"/api/models/{name}").status_code == 200
        graph = client.get(f"/v1/lineage/{home.public['pubchild']}").json()
        assert home.private["secretbase"] in {n["cid"] for n in graph["nodes"]}
        assert client.get(f"/v1/verify/{home.public['pubchild']}").json()["private_ancestors"] == 0


def test_writes_need_a_write_token_before_anything_is_read(home: Home) -> None:
    writes = [("POST", "/v1/artifacts"), ("POST", "/v1/car"), ("POST", "/v1/pins"),
              ("PUT", f"/v1/blocks/{next(iter(home.public.values()))}")]  # fmt: skip
    for method, route in writes:
        for headers, status in (({}, 401), ({"Authorization": f"Bearer {home.read_token}"}, 403)):
            answer = httpx.request(method, home.server.url + route, headers=headers, content=b"x" * 1000)
            assert answer.status_code == status and answer.json()["error"], (method, route, answer.text)


def test_what_a_stranger_is_told_is_valid_cids_of_public_records_only(home: Home) -> None:
    """Every CID-shaped text a stranger sees names a public block of this home (or was sent)."""
    public_text = set()
    with Cairn(home.server.home) as owner:
        for cid in home.public.values():
            public_text |= _all_cids_of(owner, cid)
            public_text |= {str(c.claim.record) for c in owner.names(owner.show(cid).target.manifest.name)}  # type: ignore[union-attr]
    with httpx.Client(base_url=home.server.url, timeout=30) as client:
        for name in home.public:
            for route in (f"/v1/artifacts/{name}", f"/v1/lineage/{name}", f"/v1/verify/{name}", f"/v1/names/{name}"):
                seen = set(re.findall(r"baf[a-z2-7]{20,}", client.get(route).text))
                assert {s for s in seen if CID.parse(s)} <= public_text, route
