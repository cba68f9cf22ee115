"""Signed names from the command line and across peers: publish signs a name record, `name set`
re-points with the same key, another key only makes a rival claim, and peers can neither forge
a claim nor roll one back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cairn.chunking.cid import CID
from cairn.lineage.records.admission import Admitted, admit
from cairn.lineage.records.keys import load_key
from cairn.lineage.records.model import decode_record
from cairn.lineage.records.names import NameClaim, name_record
from cairn.lineage.repo import Repo
from tests.api.server import running_server
from tests.cli.helpers import Result, cairn


def _folder(tmp_path: Path, label: str) -> Path:
    folder = tmp_path / "src" / label
    folder.mkdir(parents=True)
    (folder / "weights.bin").write_bytes(label.encode() * 5000)
    return folder


def _publish(capsys: pytest.CaptureFixture[str], tmp_path: Path, label: str, *args: str) -> Result:
    result = cairn(capsys, "publish", _folder(tmp_path, label), *args, "--json")
    assert result.code == 0, result.err
    return result


def _pulled(capsys: pytest.CaptureFixture[str], ref: str, out: Path, *args: str | Path) -> str:
    result = cairn(capsys, "pull", ref, "-o", out, *args, "--json")
    assert result.code == 0, result.err
    return (out / "weights.bin").read_bytes()[:2].decode()


def test_publish_signs_a_name_record_with_a_growing_seq(capsys, home: Path, tmp_path: Path) -> None:
    one = _publish(capsys, tmp_path, "a", "--name", "m", "--version", "1").json()
    two = _publish(capsys, tmp_path, "b", "--name", "m", "--version", "2").json()
    repo = Repo.open(home)
    records = []
    for published in (one, two):
        cid = CID.parse(published["name_record"])
        verdict = admit(decode_record(cid, repo.store.get(cid)))  # signature checked
        assert isinstance(verdict, Admitted) and verdict.claim is not None
        records.append(verdict.claim)
    key = load_key(home)
    assert key is not None
    assert [(r.name, r.version, str(r.target), r.seq, r.publisher) for r in records] == [
        ("m", "1", one["cid"], 1, key.did), ("m", "2", two["cid"], 2, key.did)]  # fmt: skip
    again = _publish(capsys, tmp_path / "again", "a", "--name", "m", "--version", "1").json()
    assert again["cid"] == one["cid"] and again["name_record"] is None  # same bytes, same name: nothing new
    listed = cairn(capsys, "name", "list", "m", "--json").json()
    assert [(c["version"], c["seq"], c["resolves"]) for c in listed] == [  # newest first, manifests last
        ("2", 2, True), ("1", 1, False), ("2", 0, False), ("1", 0, False)]  # fmt: skip
    repo.close()


def test_name_set_re_points_a_name_and_pull_follows_it(capsys, home: Path, tmp_path: Path) -> None:
    a = _publish(capsys, tmp_path, "a", "--name", "m", "--version", "1").json()["cid"]
    b = _publish(capsys, tmp_path, "b", "--name", "m", "--version", "2").json()["cid"]
    moved = cairn(capsys, "name", "set", "m@stable", a, "--json")
    assert moved.code == 0 and moved.json()["seq"] == 3, moved.err
    assert _pulled(capsys, "m@stable", tmp_path / "s1") == "aa"
    assert _pulled(capsys, "m", tmp_path / "newest") == "aa"  # the newest record names `m`
    assert cairn(capsys, "name", "set", "m@stable", "m@2").code == 0
    assert _pulled(capsys, "m@stable", tmp_path / "s2") == "bb"
    assert cairn(capsys, "show", "m@1", "--json").json()["cid"] == a  # other versions untouched

    refused = _publish_refused(capsys, tmp_path, "c", "--name", "m", "--version", "1")
    assert refused.code == 2 and f"m@1 already names {a}" in refused.err
    forced = _publish(capsys, tmp_path, "c", "--name", "m", "--version", "1", "--force").json()
    assert _pulled(capsys, "m@1", tmp_path / "forced") == "cc" and forced["cid"] != b


def _publish_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path, label: str, *args: str) -> Result:
    before = cairn(capsys, "name", "list", "m", "--json").json()
    result = cairn(capsys, "publish", _folder(tmp_path / "refused", label), *args)
    assert cairn(capsys, "name", "list", "m", "--json").json() == before  # nothing changed
    return result


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["name", "set", "m@1", "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"], "not an artifact"),
        (["name", "set", "a@b@c", "x"], "no artifact named"),
        (["name", "set", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK/m@1", "x"], "this home's key"),
        (["publish", "{folder}", "--name", "bad@name"], "no '@'"),
        (["pull", "did:key:nonsense/m@1"], "did:key"),
    ],
)
def test_bad_names_are_one_line_and_exit_2(capsys, home: Path, tmp_path: Path, args: list[str], message: str) -> None:
    folder = _folder(tmp_path, "a")
    result = cairn(capsys, *[arg.replace("{folder}", str(folder)) for arg in args])
    assert result.code in (1, 2) and message in result.err, result.err
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err


def test_a_name_claimed_by_two_publishers_needs_trust_or_a_did(capsys, tmp_path: Path) -> None:
    homes = {label: tmp_path / f"home-{label}" for label in ("a", "b", "client")}
    for label in ("a", "b"):
        cairn(capsys, "publish", _folder(tmp_path, label), "--name", "shared", "--version", "1", "--home", homes[label])
    dids = {label: _did(homes[label]) for label in ("a", "b")}
    with running_server(homes["a"]) as a, running_server(homes["b"]) as b:
        peers: list[str | Path] = ["--from", a.url, "--from", b.url, "--home", homes["client"]]
        both = cairn(capsys, "pull", "shared@1", "-o", tmp_path / "x", *peers)
        assert both.code == 2 and dids["a"] in both.err and dids["b"] in both.err and "DID/shared@1" in both.err
        assert not (tmp_path / "x").exists()
        assert _pulled(capsys, f"{dids['a']}/shared@1", tmp_path / "from-a", *peers) == "aa"
        assert cairn(capsys, "trust", "add", dids["b"], "--home", homes["client"]).code == 0
        assert _pulled(capsys, "shared@1", tmp_path / "trusted", *peers) == "bb"
    # The client kept both publishers' signed claims; trust still decides without the peers.
    assert _pulled(capsys, "shared@1", tmp_path / "offline", "--home", homes["client"]) == "bb"


def _did(home: Path) -> str:
    key = load_key(home)
    assert key is not None
    return key.did


def test_a_lagging_peer_cannot_roll_a_name_back(capsys, tmp_path: Path) -> None:
    server, mirror, client = tmp_path / "server", tmp_path / "mirror", tmp_path / "client"
    a = cairn(capsys, "publish", _folder(tmp_path, "a"), "--name", "m", "--version", "1", "--home", server).last_line
    b = cairn(capsys, "publish", _folder(tmp_path, "b"), "--name", "m", "--version", "2", "--home", server).last_line
    assert cairn(capsys, "name", "set", "m@stable", a, "--home", server).code == 0
    shutil.copytree(server, mirror)  # a mirror that stopped syncing here
    assert cairn(capsys, "name", "set", "m@stable", b, "--home", server).code == 0
    with running_server(server) as fresh, running_server(mirror) as stale:
        assert _pulled(capsys, "m@stable", tmp_path / "stale-only", "--from", stale.url,
                       "--home", tmp_path / "other-client") == "aa"  # fmt: skip  # the mirror really is behind
        assert _pulled(capsys, "m@stable", tmp_path / "1", "--from", fresh.url, "--home", client) == "bb"
        assert _pulled(capsys, "m@stable", tmp_path / "2", "--from", stale.url, "--home", client) == "bb"


def test_a_peer_cannot_forge_a_claim(capsys, tmp_path: Path) -> None:
    server, client = tmp_path / "server", tmp_path / "client"
    a = cairn(capsys, "publish", _folder(tmp_path, "a"), "--name", "m", "--version", "1", "--home", server).last_line
    b = cairn(capsys, "publish", _folder(tmp_path, "b"), "--name", "other", "--home", server).last_line
    _inject_forged_claim(server, "m", "1", CID.parse(b))  # what a compromised server could serve
    with running_server(server) as peer:
        assert _pulled(capsys, "m@1", tmp_path / "out", "--from", peer.url, "--home", client) == "aa"
        assert CID.parse(a) in {c.target for c in Repo.open(client).index.name_claims("m")}
        assert CID.parse(b) not in {c.target for c in Repo.open(client).index.name_claims("m")}


def _inject_forged_claim(home: Path, name: str, version: str, target: CID) -> None:
    """Sign a seq-99 record with the server's key, then change its target without re-signing and
    write that into the server's store and index, as a compromised server could."""
    from cairn.chunking import dagcbor
    from cairn.lineage.records.model import encode_record

    key = load_key(home)
    assert key is not None
    elsewhere = CID.parse("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")
    _, data = name_record(key, name, version, elsewhere, 99)
    forged_cid, forged = encode_record({**dagcbor.decode(data), "target": target.raw}, target.hash_code)
    repo = Repo.open(home)
    with repo.writing():
        repo.store.put(forged_cid, forged)
        repo.index._add_name(
            NameClaim(forged_cid, name, version, target, 99, key.did)
        )  # past admission: a hostile index
    repo.close()


def test_fsck_checks_each_name_against_its_record_and_reindex_rebuilds_names(
    capsys, home: Path, tmp_path: Path
) -> None:
    a = _publish(capsys, tmp_path, "a", "--name", "m", "--version", "1").json()["cid"]
    b = _publish(capsys, tmp_path, "b", "--name", "m", "--version", "2").json()["cid"]
    stable = cairn(capsys, "name", "set", "m@stable", a, "--json").json()["record"]
    (home / "index.sqlite").unlink()
    rebuilt = cairn(capsys, "fsck", "--reindex")
    assert rebuilt.code == 0 and f"indexed name record {stable}" in rebuilt.out + rebuilt.err, rebuilt.err
    assert _pulled(capsys, "m@stable", tmp_path / "after-reindex") == "aa"
    assert _pulled(capsys, "m", tmp_path / "newest") == "aa"  # seq survived: `m` is still the newest record

    repo = Repo.open(home)
    with repo.index.write() as db:  # the index says something its record does not
        db.exec_driver_sql("UPDATE names SET target = ? WHERE record = ?", (b, stable))
    repo.close()
    checked = cairn(capsys, "fsck")
    assert checked.code == 1 and f"name record {stable}: the index disagrees with it" in checked.out + checked.err


def test_names_travel_with_a_push_to_a_peer_and_with_a_car(capsys, home: Path, tmp_path: Path, monkeypatch) -> None:
    a = _publish(capsys, tmp_path, "a", "--name", "m", "--version", "1").json()["cid"]
    stable = cairn(capsys, "name", "set", "m@stable", a, "--json").json()["record"]
    peer_home = tmp_path / "peer"
    with running_server(peer_home) as peer:
        monkeypatch.setenv("CAIRN_API_TOKEN", cairn(capsys, "token", "new", "--scope", "write",
                                                    "--home", peer_home).last_line)  # fmt: skip
        assert cairn(capsys, "pin", a, "--to", peer.url).code == 0
        client = tmp_path / "client"
        assert _pulled(capsys, "m@stable", tmp_path / "via-peer", "--from", peer.url, "--home", client) == "aa"
    assert stable in {str(c.record) for c in Repo.open(client).index.name_records("m")}

    assert cairn(capsys, "car", "export", "m@1", "-o", tmp_path / "m.car").code == 0
    imported = cairn(capsys, "car", "import", tmp_path / "m.car", "--home", tmp_path / "other", "--json")
    assert imported.code == 0 and stable in imported.json()["roots"], imported.err
    assert cairn(capsys, "show", "m@stable", "--home", tmp_path / "other", "--json").json()["cid"] == a
