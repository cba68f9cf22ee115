"""`cairn verify` walks every ancestor: one changed byte anywhere in the lineage of an artifact
(a data block, a record, a signature) fails it, naming that ancestor. Also trust (`cairn trust`,
``--require-trusted``) and bad lineage input (exit 2, nothing recorded)."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest

from cairn.chunking import dagcbor
from cairn.chunking.car import CarWriter
from cairn.chunking.cid import CID
from cairn.chunking.multihash import BLAKE3
from cairn.lineage.records.keys import create_key, load_key
from cairn.lineage.records.model import encode_record, sign
from cairn.lineage.repo import Repo
from tests.cli.helpers import Result, cairn
from tests.lineage.test_lineage_graph import Capsys, Graph, build_graph


@pytest.fixture
def graph(capsys: Capsys, home: Path, tmp_path: Path) -> Graph:
    return build_graph(capsys, tmp_path)


def _block(home: Path, cid: str) -> tuple[Path, int, bytes]:
    """Where a block lives in its pack file, and its bytes."""
    with sqlite3.connect(home / "blocks" / "blocks.sqlite") as db:
        row = db.execute("SELECT pack, offset, length FROM blocks WHERE cid = ?", (CID.parse(cid).raw,)).fetchone()
    pack, offset, length = row
    path = home / "blocks" / "packs" / pack
    with open(path, "rb") as handle:
        handle.seek(offset)
        return path, offset, handle.read(length)


def _flip(home: Path, cid: str, at: int) -> None:
    """Change one byte of a stored block in place, as disk rot or a hostile copy would."""
    path, offset, data = _block(home, cid)
    assert 0 <= at < len(data)
    with open(path, "r+b") as handle:
        handle.seek(offset + at)
        handle.write(bytes([data[at] ^ 0x01]))


def _verify_fails_naming(capsys: Capsys, root: str, ancestor: str, what: str) -> Result:
    result = cairn(capsys, "verify", root)
    assert result.code == 1, (result.out, result.err)
    assert f"ancestor {ancestor}" in result.err and what in result.err, result.err
    report = cairn(capsys, "verify", root, "--json")
    assert report.code == 1 and not report.json()["ok"]
    assert any(ancestor in failure and what in failure for failure in report.json()["failures"])
    return result


def test_an_intact_graph_verifies_with_every_ancestor_and_signer(capsys: Capsys, graph: Graph) -> None:
    result = cairn(capsys, "verify", graph.merged, "--json")
    assert result.code == 0, result.err
    report = result.json()
    expected = set(graph.artifacts.values()) | set(graph.runs.values())
    assert {s["record"] for s in report["signers"]} == expected  # every ancestor record was checked
    assert all(s["valid"] and s["trusted"] for s in report["signers"])  # this home's own key
    assert report["failures"] == [] and report["blocks_checked"] > 2 * len(expected)
    assert "signature valid, trusted: did:key:z6Mk" in cairn(capsys, "verify", graph.merged).out


def test_a_flipped_byte_in_an_ancestors_data_block(capsys: Capsys, home: Path, graph: Graph) -> None:
    leaf = cairn(capsys, "show", graph.raw, "--json").json()["files"][0]["cid"]
    _flip(home, leaf, 100)
    result = _verify_fails_naming(capsys, graph.merged, graph.raw, "corrupt")
    assert leaf in result.err and "raw-reviews@1" in result.err
    assert cairn(capsys, "verify", graph.instructions).code == 0  # not an ancestor of the damage


def test_a_flipped_byte_in_an_ancestors_record(capsys: Capsys, home: Path, graph: Graph) -> None:
    _, _, data = _block(home, graph.clean)
    _flip(home, graph.clean, data.index(b"clean-reviews") + 2)
    _verify_fails_naming(capsys, graph.merged, graph.clean, "corrupt")
    _verify_fails_naming(capsys, graph.base, graph.clean, "corrupt")  # also reached as the train run's input


def test_a_flipped_byte_in_an_ancestors_signature(capsys: Capsys, home: Path, graph: Graph) -> None:
    run = graph.runs["train"]
    _, _, data = _block(home, run)
    sig = dagcbor.decode(data)["sig"]
    _flip(home, run, data.index(sig) + 17)
    result = _verify_fails_naming(capsys, graph.merged, run, "corrupt")
    assert "(run of artifact base-model@1)" in result.err  # unreadable, so named by how it was reached


def test_a_record_with_a_wrong_signature_fails_even_when_its_signer_is_trusted(
    capsys: Capsys, home: Path, graph: Graph
) -> None:
    """A forgery whose bytes do match its CID: only the signature check can catch it."""
    repo = Repo.open(home)
    body = dagcbor.decode(repo.store.get(CID.parse(graph.raw)))
    body["name"] = "raw-reviews-but-poisoned"  # changed after signing, sig kept
    forged, forged_data = encode_record(body, BLAKE3)
    child = dagcbor.decode(repo.store.get(CID.parse(graph.clean)))
    child["derived_from"] = [forged.raw]
    key = load_key(home)
    assert key is not None
    child_cid, child_data = encode_record(sign(child, key), BLAKE3)
    with repo.writing(), repo.store.writer() as writer:  # stored, not indexed: garbage to gc, but none runs
        writer.put(forged, forged_data)
        writer.put(child_cid, child_data)
    repo.close()
    _verify_fails_naming(capsys, str(child_cid), str(forged), "signature does not verify")
    direct = cairn(capsys, "verify", str(forged), "--json").json()
    [signer] = direct["signers"]
    assert (signer["record"], signer["publisher"], signer["valid"], signer["trusted"]) == (
        str(forged),
        key.did,
        False,
        True,
    )
    assert not direct["ok"]


# -- trust ------------------------------------------------------------------------------------


def test_trust_add_list_remove(capsys: Capsys, home: Path, tmp_path: Path) -> None:
    other = create_key(tmp_path / "other").did
    assert cairn(capsys, "trust", "list", "--json").json() == []  # no key yet, nothing trusted
    own = cairn(capsys, "key", "new").last_line
    assert cairn(capsys, "trust", "list", "--json").json() == [{"did": own, "source": "own key"}]
    assert cairn(capsys, "trust", "add", other).code == 0
    assert "already trusted" in cairn(capsys, "trust", "add", other).err
    listed = cairn(capsys, "trust", "list", "--json").json()
    assert listed == [{"did": own, "source": "own key"}, {"did": other, "source": "trust.json"}]
    assert json.loads((home / "trust.json").read_text())["trusted"] == [other]
    assert other in cairn(capsys, "trust", "list").out
    assert cairn(capsys, "trust", "remove", other).code == 0
    assert cairn(capsys, "trust", "list", "--json").json() == [{"did": own, "source": "own key"}]
    assert cairn(capsys, "trust", "remove", other).code == 1  # not listed
    assert cairn(capsys, "trust", "remove", own).code == 2  # the own key is trusted by definition


@pytest.mark.parametrize("did", ["did:web:example.com", "did:key:z6Mk", "did:key:zQ3shokFTS3brHcD", "hello", ""])
def test_trust_refuses_what_is_not_an_ed25519_did_key(capsys: Capsys, home: Path, did: str) -> None:
    result = cairn(capsys, "trust", "add", did)
    assert result.code == 2 and result.err.startswith("cairn: error: ") and "Traceback" not in result.err
    assert not (home / "trust.json").exists()


def test_a_corrupt_trust_file_is_a_clear_error(capsys: Capsys, home: Path) -> None:
    home.mkdir(parents=True)
    (home / "trust.json").write_text("{not json")
    result = cairn(capsys, "trust", "list")
    assert result.code == 2 and "trust.json" in result.err


def test_require_trusted_fails_for_an_untrusted_signer_until_trust_add(capsys: Capsys, graph: Graph) -> None:
    publisher = cairn(capsys, "key", "show").last_line
    assert cairn(capsys, "key", "new", "--force").code == 0  # this home now signs as someone else
    plain = cairn(capsys, "verify", graph.merged, "--json")
    assert plain.code == 0 and not any(s["trusted"] for s in plain.json()["signers"])
    assert "signature valid, untrusted: " + publisher in cairn(capsys, "verify", graph.merged).out
    strict = cairn(capsys, "verify", graph.merged, "--require-trusted")
    assert strict.code == 1 and publisher in strict.err and "does not trust" in strict.err
    assert cairn(capsys, "trust", "add", publisher).code == 0
    trusted = cairn(capsys, "verify", graph.merged, "--require-trusted", "--json")
    assert trusted.code == 0 and all(s["trusted"] for s in trusted.json()["signers"])
    assert trusted.json()["require_trusted"] is True
    assert cairn(capsys, "trust", "remove", publisher).code == 0
    assert cairn(capsys, "verify", graph.raw, "--require-trusted").code == 1


def test_require_trusted_fails_where_nothing_is_signed(capsys: Capsys, graph: Graph) -> None:
    leaf = cairn(capsys, "show", graph.raw, "--json").json()["files"][0]["cid"]
    assert cairn(capsys, "verify", leaf).code == 0  # a plain UnixFS block verifies by its hash
    result = cairn(capsys, "verify", leaf, "--require-trusted")
    assert result.code == 1 and "not a signed record" in result.err


# -- bad lineage input: exit 2, nothing recorded -----------------------------------------------


def _recorded(home: Path) -> tuple[int, ...]:
    """What the index holds: artifacts, records and edges counted."""
    import sqlalchemy as sa

    repo = Repo.open(home)
    try:
        with repo.index.read() as db:
            return tuple(
                db.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in ("artifacts", "records", "edges")
            )
    finally:
        repo.close()


def _refused(result: Result) -> None:
    assert result.code == 2, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cairn: error: ") and "Traceback" not in result.err


@pytest.mark.parametrize(
    ("run", "field"),
    [
        ({"kind": "train", "parameters": [1, 2]}, "parameters"),
        ({"kind": 7}, "kind"),
        ({"kind": "train", "inputs": "bafy"}, "inputs"),
        ({"kind": "train", "inputs": [42]}, "inputs"),
        ({"kind": "train", "code": {"commit": 5}}, "code"),
        ({"kind": "train", "started": 1700000000}, "started"),
        ({"parameters": {}}, "kind"),
        ({"kind": "train", "epochs": 3}, "epochs"),
    ],
)
def test_a_run_file_with_wrong_types_records_nothing(
    capsys: Capsys, home: Path, graph: Graph, tmp_path: Path, run: dict[str, object], field: str
) -> None:
    (tmp_path / "run.json").write_text(json.dumps(run))
    before = _recorded(home)
    result = cairn(capsys, "publish", graph.sources["tuned-b"], "--name", "x", "--run", tmp_path / "run.json")
    _refused(result)
    assert field in result.err or "CID" in result.err
    assert _recorded(home) == before


def test_an_unknown_derived_from_records_nothing(capsys: Capsys, home: Path, graph: Graph) -> None:
    before = _recorded(home)
    unknown = "bafyr4ibnjg7bgbvzqzofyhlpxwsxqeynfifuzhsmnwa7kd6vxjgpsyzbbi"
    for parent in (unknown, graph.runs["train"], "bafy-not-a-cid"):
        result = cairn(capsys, "publish", graph.sources["tuned-b"], "--name", "x", "--derived-from", parent)
        _refused(result)
        assert parent in result.err
    assert _recorded(home) == before
    assert cairn(capsys, "ls", "--json").json() and "x" not in {a["name"] for a in cairn(capsys, "ls", "--json").json()}


def test_a_record_of_an_unknown_version_is_refused(capsys: Capsys, home: Path, graph: Graph, tmp_path: Path) -> None:
    repo = Repo.open(home)
    body = dagcbor.decode(repo.store.get(CID.parse(graph.raw)))
    repo.close()
    key = load_key(home)
    assert key is not None
    future, data = encode_record(sign({**body, "cairn": 2, "name": "from-the-future"}, key), BLAKE3)
    out = io.BytesIO()
    CarWriter(out, [future]).put(future, data)
    (tmp_path / "future.car").write_bytes(out.getvalue())
    before = _recorded(home)
    result = cairn(capsys, "car", "import", tmp_path / "future.car")
    _refused(result)
    assert "version 2" in result.err
    assert _recorded(home) == before
    _refused(cairn(capsys, "lineage", str(future)))
    failed = cairn(capsys, "verify", str(future))
    assert failed.code == 1 and "version 2" in failed.err
