"""Admission of records (issue 17): a record counts in a home (listed by `ls`, a claim on a name,
resolvable, served by REST and the Hugging Face routes, a lineage edge) only if it passes
admission, whichever way it came in: canonical DAG-CBOR, a signature that holds, the name rules
`publish` applies, well-formed references. A record that fails may stay as a block; it never
counts, and `fsck` reports any indexed row that would not be admitted today.

Forgeries are made from real signed records: publish genuinely, take the record, edit a field
and encode it again with ``cairn.chunking.dagcbor``, so that its signature no longer holds. A
record correctly signed by *another* key is no forgery: it is that publisher's own claim on the
name, admitted and shown, but not trusted, so it never takes a name from the home's own key.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from cairn.api.hf import commit_of
from cairn.chunking import dagcbor
from cairn.chunking.car import CarWriter
from cairn.chunking.cid import CID, DAG_CBOR, RAW
from cairn.chunking.multihash import BLAKE3, SHA2_256
from cairn.lineage.core import Cairn
from cairn.lineage.index.catalog import Index
from cairn.lineage.interop.fsspec_fs import CairnFileSystem
from cairn.lineage.records.keys import SigningKey, load_key
from cairn.lineage.records.model import Manifest, decode_record, encode_record, sign
from cairn.lineage.records.names import NameClaim, name_record
from cairn.lineage.repo import Repo
from cairn.lineage.workflows.carfile import iter_artifact_blocks
from cairn.storage.kubo import KuboClient
from tests.api.server import running_server
from tests.cli.helpers import cairn
from tests.services.kubo import KuboDaemon

Capsys = pytest.CaptureFixture[str]
Blocks = list[tuple[CID, bytes]]
GENUINE, EVIL = b"genuine weights " * 2000, b"the forger's bytes " * 2000


# -- a victim, a rival publisher, and forgeries made from their real records -------------------


@dataclass
class World:
    victim: Path  # the home whose key publishes m@1 genuinely
    genuine: CID  # the victim's manifest of m@1
    genuine_name: CID  # the victim's name record for m@1 (seq 1)
    rival_home: Path  # another key, which also publishes (and correctly signs) its own m@1
    rival: CID
    forged: CID  # the rival's manifest with ``publisher`` edited to the victim's did:key
    forged_data: bytes
    forged_name: CID  # the victim's name record re-pointed at ``forged``, seq 99, old signature
    forged_name_data: bytes
    tmp: Path

    @property
    def victim_did(self) -> str:
        return _key(self.victim).did

    @property
    def rival_did(self) -> str:
        return _key(self.rival_home).did

    def blocks(self, home: Path, cid: CID) -> Blocks:
        """Every block of an artifact in ``home``: its manifest first, then content and files_meta."""
        repo = Repo.open(home)
        try:
            return list(iter_artifact_blocks(repo.store, cid))
        finally:
            repo.close()

    def evil_blocks(self) -> Blocks:
        """The forgery's blocks: the forged manifest and the rival's content it links to."""
        return [(self.forged, self.forged_data), *self.blocks(self.rival_home, self.rival)[1:]]

    def car(self, name: str, roots: list[CID], blocks: Blocks) -> Path:
        return _car(self.tmp / name, roots, blocks)

    def evil_leaf(self) -> CID:
        """The file block of the forger's bytes (a one-block file is its raw leaf)."""
        [(leaf, _)] = [(c, d) for c, d in self.blocks(self.rival_home, self.rival) if c.codec == RAW]
        return leaf


def _key(home: Path) -> SigningKey:
    key = load_key(home)
    assert key is not None
    return key


def _folder(tmp: Path, label: str, data: bytes) -> Path:
    folder = tmp / "src" / label
    folder.mkdir(parents=True)
    (folder / "weights.bin").write_bytes(data)
    return folder


def _car(path: Path, roots: list[CID], blocks: Blocks) -> Path:
    out = io.BytesIO()
    writer = CarWriter(out, roots)
    seen = set()
    for cid, data in blocks:
        if cid not in seen:
            seen.add(cid)
            writer.put(cid, data)
    path.write_bytes(out.getvalue())
    return path


def _body(home: Path, cid: CID) -> dict[str, Any]:
    repo = Repo.open(home)
    try:
        body: dict[str, Any] = dagcbor.decode(repo.store.get(cid))
        return body
    finally:
        repo.close()


@pytest.fixture
def world(tmp_path: Path) -> World:
    victim, rival_home = tmp_path / "victim", tmp_path / "rival"
    with Cairn(victim) as c:
        published = c.publish(_folder(tmp_path, "genuine", GENUINE), name="m", version="1", kind="model")
    with Cairn(rival_home) as c:
        rival = c.publish(_folder(tmp_path, "evil", EVIL), name="m", version="1", kind="model").cid
    assert published.name_record is not None
    forged, forged_data = encode_record({**_body(rival_home, rival), "publisher": _key(victim).did}, BLAKE3)
    _, name_data = name_record(_key(victim), "m", "1", published.cid, 99)
    forged_name, forged_name_data = encode_record({**dagcbor.decode(name_data), "target": forged.raw}, BLAKE3)
    return World(victim, published.cid, published.name_record, rival_home, rival, forged, forged_data,
                 forged_name, forged_name_data, tmp_path)  # fmt: skip


def _listed(capsys: Capsys, home: Path) -> list[str]:
    result = cairn(capsys, "ls", "--json", "--home", home)
    assert result.code == 0, result.err
    return [a["cid"] for a in result.json()]


def _pulled(capsys: Capsys, ref: str, home: Path, out: Path, *args: str) -> bytes:
    result = cairn(capsys, "pull", ref, "-o", out, "--home", home, *args)
    assert result.code == 0, result.err
    return (out / "weights.bin").read_bytes()


def _claims(capsys: Capsys, home: Path, ref: str) -> list[dict[str, Any]]:
    result = cairn(capsys, "name", "list", ref, "--json", "--home", home)
    assert result.code in (0, 1), result.err
    return list(result.json()) if result.code == 0 else []


def _rows(home: Path) -> dict[str, int]:
    """How many rows each table of records holds."""
    repo = Repo.open(home)
    try:
        with repo.index.read() as db:
            return {t: db.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                    for t in ("artifacts", "records", "names", "edges")}  # fmt: skip
    finally:
        repo.close()


def _refused(capsys: Capsys, car: Path, home: Path, cid: CID, why: str) -> None:
    """`car import` names the refused record and why on stderr, and exits 1."""
    result = cairn(capsys, "car", "import", car, "--home", home)
    assert result.code == 1, (result.out, result.err)
    assert f"refused record {cid}" in result.err and why in result.err, result.err
    assert "Traceback" not in result.err


# -- every way in: a CAR file, a server's POST /v1/car, a peer, Kubo ---------------------------


def test_a_car_file_with_a_forged_manifest_is_refused_and_counts_for_nothing(capsys: Capsys, world: World) -> None:
    """The issue's example: the rival's manifest relabelled as the victim's, imported into the
    victim's own home. Before admission it was listed and `pull m@1` served the forger's bytes."""
    car = world.car("forged.car", [world.forged], world.evil_blocks())
    before = _rows(world.victim)
    _refused(capsys, car, world.victim, world.forged, "signature does not hold")
    assert _rows(world.victim) == before  # not an artifact row, a claim, a record or an edge
    assert _listed(capsys, world.victim) == [str(world.genuine)]
    assert _pulled(capsys, "m@1", world.victim, world.tmp / "out") == GENUINE
    assert {c["record"] for c in _claims(capsys, world.victim, "m")} == {str(world.genuine), str(world.genuine_name)}
    by_cid = cairn(capsys, "pull", str(world.forged), "-o", world.tmp / "x", "--home", world.victim)
    assert by_cid.code == 1 and "refused" in by_cid.err and not (world.tmp / "x").exists()
    assert cairn(capsys, "verify", str(world.forged), "--home", world.victim).code == 1
    assert cairn(capsys, "fsck", "--home", world.victim).code == 0  # nothing forged was indexed

    fresh = world.tmp / "fresh"  # a home that never saw m@1: the forgery does not become m@1 there either
    with Cairn(fresh) as sdk:
        result = sdk.import_car(car)
        assert [r.cid for r in result.refused] == [world.forged] and result.artifacts == []
        assert sdk.ls() == []
    missing = cairn(capsys, "pull", "m@1", "--home", fresh, "-o", world.tmp / "y")
    assert missing.code == 1 and "no artifact named 'm@1'" in missing.err


def test_a_forged_name_record_in_a_car_is_refused_beside_the_genuine_artifact(capsys: Capsys, world: World) -> None:
    """Name records travel as extra roots of a CAR; a forged one among them is refused, the
    artifact beside it is imported."""
    home = world.tmp / "importer"
    blocks = [*world.blocks(world.victim, world.genuine), *world.evil_blocks(),
              (world.forged_name, world.forged_name_data)]  # fmt: skip
    car = world.car("named.car", [world.genuine, world.forged_name], blocks)
    _refused(capsys, car, home, world.forged_name, "signature does not hold")
    assert _listed(capsys, home) == [str(world.genuine)]
    assert [c["record"] for c in _claims(capsys, home, "m@1")] == [str(world.genuine)]
    assert _pulled(capsys, "m@1", home, world.tmp / "out") == GENUINE


def test_a_server_refuses_a_forged_manifest_and_never_serves_it(capsys: Capsys, world: World) -> None:
    token = cairn(capsys, "token", "new", "--scope", "write", "--home", world.victim).last_line
    auth = {"Authorization": f"Bearer {token}"}
    car = world.car("forged.car", [world.forged], world.evil_blocks()).read_bytes()
    with running_server(world.victim) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        posted = http.post("/v1/car", content=car, headers={**auth, "Content-Type": "application/vnd.ipld.car"})
        assert posted.status_code == 201, posted.text
        assert posted.json()["artifacts"] == [] and [r["cid"] for r in posted.json()["refused"]] == [str(world.forged)]
        assert "signature does not hold" in posted.json()["refused"][0]["reason"]
        put = http.put(f"/v1/blocks/{world.forged}", content=world.forged_data, headers=auth)
        assert put.status_code == 200  # a block is only a block: PUT indexes nothing

        assert [a["cid"] for a in http.get("/v1/artifacts").json()] == [str(world.genuine)]
        assert http.get("/v1/artifacts/m@1").json()["cid"] == str(world.genuine)
        assert http.get("/v1/artifacts/m@1/files/weights.bin").content == GENUINE
        names = http.get("/v1/names/m@1").json()["claims"]
        assert {c["record"] for c in names} == {str(world.genuine), str(world.genuine_name)}
        for path in (f"/v1/artifacts/{world.forged}", f"/v1/artifacts/{world.forged}/files/weights.bin",
                     f"/v1/artifacts/{world.forged}/manifest"):  # fmt: skip
            assert http.get(path).status_code == 422, path  # refused by CID too: it is no manifest of anyone's

        assert http.get("/api/models/m").json()["sha"] == commit_of(world.genuine)  # the Hugging Face routes
        resolved = http.get("/m/resolve/main/weights.bin", follow_redirects=True)
        assert resolved.status_code == 200 and resolved.content == GENUINE
        assert http.get(f"/api/models/m/revision/{commit_of(world.forged)}").status_code == 404
    assert _listed(capsys, world.victim) == [str(world.genuine)]


def _compromise(world: World) -> None:
    """Write the forgeries into the victim's store and index past admission, as a hostile or
    broken server could: a manifest row and a seq-99 name record that point m@1 at the forger's bytes."""
    repo = Repo.open(world.victim)
    try:
        with repo.writing(), repo.store.writer() as writer:
            for cid, data in [*world.evil_blocks(), (world.forged_name, world.forged_name_data)]:
                writer.put(cid, data)
        with repo.writing():
            repo.index._add_manifest(Manifest.from_record(decode_record(world.forged, world.forged_data)), [])
            repo.index._add_name(NameClaim(world.forged_name, "m", "1", world.forged, 99, world.victim_did))
    finally:
        repo.close()


def test_a_peer_serving_forged_claims_and_manifests_cannot_make_them_count(capsys: Capsys, world: World) -> None:
    _compromise(world)
    client = world.tmp / "client"
    with running_server(world.victim) as peer:
        listed = httpx.get(f"{peer.url}/v1/names/m@1").json()["claims"]
        assert str(world.forged_name) in {c["record"] for c in listed}  # the peer really offers the forgeries
        assert _pulled(capsys, "m@1", client, world.tmp / "a", "--from", peer.url) == GENUINE
        assert _pulled(capsys, "m", client, world.tmp / "b", "--from", peer.url) == GENUINE
        by_cid = cairn(capsys, "pull", str(world.forged), "--from", peer.url, "-o", world.tmp / "c", "--home", client)
        assert by_cid.code == 1 and "refuses" in by_cid.err, by_cid.err
        fs = CairnFileSystem(home=str(world.tmp / "fs-client"), remotes=[peer.url], skip_instance_cache=True)
        assert fs.cat_file("m@1/weights.bin") == GENUINE  # fsspec resolves through the same admission
    assert _listed(capsys, client) == [str(world.genuine)]
    assert {c["record"] for c in _claims(capsys, client, "m")} == {str(world.genuine), str(world.genuine_name)}
    assert not Repo.open(client).store.has(world.evil_leaf())  # a refused record costs none of its content


def test_fsck_reports_forged_rows_in_the_index_and_reindex_drops_them(capsys: Capsys, world: World) -> None:
    _compromise(world)
    fooled = cairn(capsys, "pull", "m@1", "-o", world.tmp / "fooled", "--home", world.victim)
    assert fooled.code == 1 and "refused" in fooled.err  # m@1 now resolves to the forgery, which is still not read
    repo = Repo.open(world.victim)
    with repo.index.write() as db:  # and an edge no record states, from the genuine manifest
        repo.index._add_edges(db, [(world.genuine, world.rival, "derived_from")])
    repo.close()
    checked = cairn(capsys, "fsck", "--json", "--home", world.victim)
    assert checked.code == 1
    problems = checked.json()["problems"]
    assert any(str(world.forged) in p and "signature does not hold" in p for p in problems), problems
    assert any(str(world.forged_name) in p and "signature does not hold" in p for p in problems), problems
    assert any(str(world.genuine) in p and "lineage edges it does not state" in p for p in problems), problems

    rebuilt = cairn(capsys, "fsck", "--reindex", "--json", "--home", world.victim)
    assert rebuilt.code == 0, rebuilt.out
    assert sum("unindexed" in line for line in rebuilt.json()["repaired"]) == 3
    assert cairn(capsys, "fsck", "--home", world.victim).code == 0
    assert _listed(capsys, world.victim) == [str(world.genuine)]  # rebuilt from admitted records only
    assert _pulled(capsys, "m@1", world.victim, world.tmp / "again") == GENUINE


@pytest.mark.kubo
def test_a_forged_manifest_fetched_from_kubo_is_refused_before_its_content(
    capsys: Capsys, world: World, kubo: KuboDaemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAIRN_IPFS_API", kubo.api_url)
    forged_car = world.car("forged.car", [world.forged], world.evil_blocks()).read_bytes()
    rival_car = world.car("rival.car", [world.rival], world.blocks(world.rival_home, world.rival)).read_bytes()
    with KuboClient(kubo.api_url) as client:
        client.dag_import([forged_car])
        client.dag_import([rival_car])
    home = world.tmp / "from-ipfs"
    refused = cairn(capsys, "pull", str(world.forged), "--from", "ipfs", "-o", world.tmp / "x", "--home", home)
    assert refused.code == 1 and "refuses" in refused.err and "signature does not hold" in refused.err, refused.err
    assert not (world.tmp / "x").exists() and not Repo.open(home).store.has(world.evil_leaf())
    assert _listed(capsys, home) == []
    assert _pulled(capsys, str(world.rival), home, world.tmp / "y", "--from", "ipfs") == EVIL  # a signed one is fine
    assert _listed(capsys, home) == [str(world.rival)]
    assert cairn(capsys, "fsck", "--home", home).code == 0


# -- another publisher's signed claim: admitted, shown, never trusted over the home's own key ---


def test_another_publishers_signed_claim_is_admitted_but_not_trusted(capsys: Capsys, world: World) -> None:
    rival_car = world.car("rival.car", [world.rival], world.blocks(world.rival_home, world.rival))
    imported = cairn(capsys, "car", "import", rival_car, "--json", "--home", world.victim)
    assert imported.code == 0 and imported.json()["artifacts"] == [str(world.rival)] and not imported.json()["refused"]
    assert set(_listed(capsys, world.victim)) == {str(world.genuine), str(world.rival)}
    claims = _claims(capsys, world.victim, "m@1")
    assert {c["publisher"] for c in claims} == {world.victim_did, world.rival_did}
    [winner] = [c for c in claims if c["resolves"]]
    assert winner["publisher"] == world.victim_did and winner["trusted"]
    assert not any(c["trusted"] for c in claims if c["publisher"] == world.rival_did)
    assert _pulled(capsys, "m@1", world.victim, world.tmp / "own") == GENUINE  # the home's own key wins
    assert _pulled(capsys, f"{world.rival_did}/m@1", world.victim, world.tmp / "theirs") == EVIL  # asked for by DID

    neutral = world.tmp / "neutral"  # trusts neither: two signed claims, so the caller must choose
    genuine_car = world.car("genuine.car", [world.genuine], world.blocks(world.victim, world.genuine))
    for car in (genuine_car, rival_car):
        assert cairn(capsys, "car", "import", car, "--home", neutral).code == 0
    ambiguous = cairn(capsys, "pull", "m@1", "--home", neutral, "-o", world.tmp / "z")
    assert ambiguous.code == 2 and "ask for DID/m@1" in ambiguous.err
    assert cairn(capsys, "verify", str(world.rival), "--require-trusted", "--home", neutral).code == 1
    assert cairn(capsys, "fsck", "--home", neutral).code == 0


def test_a_name_record_of_another_publisher_never_names_a_private_artifact(capsys: Capsys, world: World) -> None:
    """The rival signs, correctly, a name record that points at the victim's private artifact."""
    with Cairn(world.victim) as c:
        secret = c.publish(_folder(world.tmp, "secret", b"private" * 100), name="secret", version="1", private=True)
    cid, data = name_record(_key(world.rival_home), "public-weights", "1", secret.cid, 1)
    car = world.car("claim.car", [cid], [(cid, data)])
    _refused(capsys, car, world.victim, cid, "a private artifact of another publisher")
    assert _claims(capsys, world.victim, "public-weights") == []

    early = world.tmp / "early"  # the claim arrives before the artifact it names: it still never counts
    assert cairn(capsys, "car", "import", car, "--home", early).code == 0
    secret_car = world.car("secret.car", [secret.cid], world.blocks(world.victim, secret.cid))
    assert cairn(capsys, "car", "import", secret_car, "--home", early).code == 0
    assert _claims(capsys, early, "public-weights") == []
    assert cairn(capsys, "pull", "public-weights@1", "--home", early, "-o", world.tmp / "p").code == 1
    checked = cairn(capsys, "fsck", "--json", "--home", early)
    assert checked.code == 1 and any("private artifact of another publisher" in p for p in checked.json()["problems"])


# -- records that break the format: refused even when correctly signed -------------------------

Forge = Callable[[World], tuple[CID, bytes, Blocks]]


def _signed_manifest(world: World, hash_code: int = BLAKE3, **changes: Any) -> tuple[CID, bytes, Blocks]:
    """The victim's manifest with ``changes``, signed again by the victim's own key: only the
    format is wrong. Travels with the genuine content, so the CAR is whole."""
    body = {k: v for k, v in _body(world.victim, world.genuine).items() if k != "sig"} | changes
    cid, data = encode_record(sign(body, _key(world.victim)), hash_code)
    return cid, data, world.blocks(world.victim, world.genuine)


def _signed_run(world: World, **changes: Any) -> tuple[CID, bytes, Blocks]:
    body = {"cairn": 1, "type": "run", "kind": "train", "inputs": [], "code": {}, "parameters": {},
            "environment": {}, "metrics": {}, "started": None, "ended": None, "meta": {}} | changes  # fmt: skip
    cid, data = encode_record(sign(body, _key(world.victim)), BLAKE3)
    return cid, data, []


def _not_canonical(world: World) -> tuple[CID, bytes, Blocks]:
    body = _body(world.victim, world.genuine)
    data = dagcbor.encode(body)
    assert data[0] == 0xA0 + len(body)  # a map of fewer than 24 entries: its length in the head byte
    longer = bytes([0xB8, len(body)]) + data[1:]  # the same map, its length in one more byte than needed
    cid = CID.of(DAG_CBOR, BLAKE3, longer)
    return cid, longer, world.blocks(world.victim, world.genuine)[1:]


def _sig_of_another_body(world: World) -> tuple[CID, bytes, Blocks]:
    body = _body(world.victim, world.genuine)
    other_sig = dagcbor.decode(name_record(_key(world.victim), "m", "1", world.genuine, 1)[1])["sig"]
    cid, data = encode_record({**body, "sig": other_sig}, BLAKE3)  # the victim's real signature, on another record
    return cid, data, world.blocks(world.victim, world.genuine)[1:]


def _name_hashed_unlike_its_target(world: World) -> tuple[CID, bytes, Blocks]:
    body = dagcbor.decode(name_record(_key(world.victim), "m", "2", world.genuine, 5)[1])
    cid, data = encode_record(body, SHA2_256)  # the genuine BLAKE3 manifest, named by a sha2-256 record
    return cid, data, []


def _raw(label: bytes) -> bytes:
    return CID.of(RAW, BLAKE3, label).raw


FORGERIES: dict[str, tuple[Forge, str]] = {
    "derived_from holds a malformed CID": (lambda w: _signed_manifest(w, derived_from=[b"\x01\x71\x1e\x20abc"]),
                                           "derived_from is not a well-formed CID"),
    "derived_from names raw data, not a record": (lambda w: _signed_manifest(w, derived_from=[_raw(b"x")]),
                                                  "is not a record's CID"),
    "derived_from repeats a parent": (lambda w: _signed_manifest(w, derived_from=[w.rival.raw, w.rival.raw]),
                                      "sorted by binary CID, without repeats"),
    "run is a malformed CID": (lambda w: _signed_manifest(w, run=b"\x01\x71"), "run is not a well-formed CID"),
    "run is a link, not a reference": (lambda w: _signed_manifest(w, run=w.genuine), "run must be a binary CID"),
    "a name that could not be asked for again": (lambda w: _signed_manifest(w, name="did:key:z6Mkvictim"),
                                                 "bad name"),
    "an empty version": (lambda w: _signed_manifest(w, version=""), "empty --version"),
    "an unknown kind": (lambda w: _signed_manifest(w, kind="weapon"), "kind 'weapon' is not one of"),
    "a field no manifest has": (lambda w: _signed_manifest(w, trusted=True), "unknown: trusted"),
    "a native-v2 manifest hashed with sha2-256": (lambda w: _signed_manifest(w, hash_code=SHA2_256),
                                                  "hashed with blake3"),
    "a run whose inputs are not CIDs": (lambda w: _signed_run(w, inputs=[str(w.genuine)]),
                                        "inputs must be a binary CID"),
    "a run whose input is raw data": (lambda w: _signed_run(w, inputs=[_raw(b"y")]), "is not a record's CID"),
    "a run with a code field no run has": (lambda w: _signed_run(w, code={"shell": "rm -rf /"}),
                                           "unknown code field 'shell'"),
    "a signature made for another body": (_sig_of_another_body, "signature does not hold"),
    "a name record hashed unlike its target": (_name_hashed_unlike_its_target, "hashed like its target"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(FORGERIES))
def test_a_record_that_breaks_the_format_is_refused_even_when_signed(capsys: Capsys, world: World, case: str) -> None:
    forge, why = FORGERIES[case]
    cid, data, extra = forge(world)
    before, listed = _rows(world.victim), _listed(capsys, world.victim)
    _refused(capsys, world.car("bad.car", [cid], [(cid, data), *extra]), world.victim, cid, why)
    assert _rows(world.victim) == before and _listed(capsys, world.victim) == listed
    assert _pulled(capsys, "m@1", world.victim, world.tmp / "out") == GENUINE


def test_a_record_in_non_canonical_dag_cbor_is_refused(capsys: Capsys, world: World) -> None:
    """The same map with its length written one byte longer than needed: a valid CBOR reading,
    a different CID, the signature still over the canonical form. A CAR holding it is refused
    whole; found in the store, it is never indexed."""
    cid, data, extra = _not_canonical(world)
    before = _rows(world.victim)
    result = cairn(capsys, "car", "import", world.car("long.car", [cid], [(cid, data), *extra]), "--home", world.victim)
    assert result.code == 1 and "does not decode" in result.err and "non-minimal" in result.err, result.err
    repo = Repo.open(world.victim)
    with repo.writing():
        repo.store.put(cid, data)  # as PUT /v1/blocks would keep it
    repo.close()
    rebuilt = cairn(capsys, "fsck", "--reindex", "--json", "--home", world.victim)
    assert rebuilt.code == 0 and not any(str(cid) in line for line in rebuilt.json()["repaired"])
    assert _rows(world.victim) == before
    assert cairn(capsys, "pull", str(cid), "--home", world.victim, "-o", world.tmp / "x").code == 1


# -- one door ----------------------------------------------------------------------------------


def test_the_index_has_one_door_for_records() -> None:
    """The only public writer of artifact, name, run and edge rows is ``Index.add_signed``, which
    admits first; the row writers behind it are private, and no module but the index calls them."""
    writers = {name for name in dir(Index) if name.startswith("add_")}
    assert writers == {"add_signed", "add_root", "add_anchor", "add_arweave_tx", "add_arweave_blocks"}
    root = Path(__file__).resolve().parents[2]
    callers = [
        str(path.relative_to(root))
        for folder in ("chunking", "storage", "lineage", "api", "cli", "cairn")
        for path in (root / folder).rglob("*.py")
        if path.name != "catalog.py" and any(f"._add_{w}" in path.read_text() for w in _ROW_WRITERS)
    ]
    assert callers == []


_ROW_WRITERS = ("artifact", "manifest", "edges", "record", "name")
