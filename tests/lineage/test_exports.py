"""The standard exports of `cairn lineage`, each read back by the format's own tooling:
PROV-JSON by the `prov` package, OpenLineage events by the 2-0-2 JSON Schema, in-toto/SLSA
checked field by field against the files as they are on disk."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import blake3
import pytest
from jsonschema import Draft202012Validator
from prov.model import (
    ProvActivity,
    ProvAgent,
    ProvAssociation,
    ProvAttribution,
    ProvDerivation,
    ProvDocument,
    ProvEntity,
    ProvGeneration,
    ProvUsage,
)

from cairn.chunking.cid import CID
from tests.cli.helpers import cairn
from tests.lineage.test_lineage_graph import Capsys, Graph, build_graph

SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "schemas" / "OpenLineage-2-0-2.json"


@pytest.fixture
def graph(capsys: Capsys, home: Path, tmp_path: Path) -> Graph:
    return build_graph(capsys, tmp_path)


def _export(capsys: Capsys, cid: str, fmt: str, *args: str) -> str:
    result = cairn(capsys, "lineage", cid, "--format", fmt, *args)
    assert result.code == 0, result.err
    return result.out


# -- W3C PROV-JSON --------------------------------------------------------------------------


def _prov(capsys: Capsys, cid: str, *args: str) -> ProvDocument:
    return ProvDocument.deserialize(content=_export(capsys, cid, "prov-json", *args), format="json")


def _uris(doc: ProvDocument, cls: type) -> set[str]:
    return {str(record.identifier.uri) for record in doc.get_records(cls) if record.identifier is not None}


def u(cid: str) -> str:
    """How the PROV document names a record once its ``ipfs:`` prefix is expanded."""
    return f"ipfs://{cid}"


def _pairs(doc: ProvDocument, cls: type) -> set[tuple[str, str]]:
    """(first, second) argument URIs of every relation of one class."""
    return {(r.args[0].uri, r.args[1].uri) for r in doc.get_records(cls)}


def test_prov_json_reads_back_with_every_entity_activity_and_agent(capsys: Capsys, graph: Graph) -> None:
    doc = _prov(capsys, graph.merged)
    assert _uris(doc, ProvEntity) == {u(cid) for cid in graph.artifacts.values()}
    assert _uris(doc, ProvActivity) == {u(cid) for cid in graph.runs.values()}
    did = cairn(capsys, "key", "show").last_line
    assert _uris(doc, ProvAgent) == {did}
    merged = doc.get_record(f"ipfs:{graph.merged}")[0]
    assert merged.get_attribute("prov:label") == {"merged-model@1"}
    assert {str(t) for t in merged.get_attribute("prov:type")} == {"cairn:Artifact", "cairn:Model"}
    assert merged.get_attribute("cairn:signatureValid") == {True}
    train = doc.get_record(f"ipfs:{graph.runs['train']}")[0]
    assert [t.isoformat() for t in train.get_attribute("prov:startTime")] == ["2025-03-02T07:00:00+00:00"]
    assert json.loads(next(iter(train.get_attribute("cairn:parameters")))) == {
        "lr": 3e-4,
        "epochs": 3,
        "batch_size": 32,
    }
    assert doc.namespaces and {ns.uri for ns in doc.namespaces} >= {"https://cairn.dev/ns#", "ipfs://"}


def test_prov_relations_match_the_graph(capsys: Capsys, graph: Graph) -> None:
    doc = _prov(capsys, graph.merged)
    r = graph.runs
    derived = _pairs(doc, ProvDerivation)
    assert (u(graph.merged), u(graph.tuned_a)) in derived and (u(graph.clean), u(graph.raw)) in derived
    assert len(derived) == 7
    assert _pairs(doc, ProvGeneration) == {
        (u(graph.merged), u(r["merge"])),
        (u(graph.tuned_a), u(r["fine-tune"])),
        (u(graph.base), u(r["train"])),
        (u(graph.clean), u(r["preprocess"])),
    }
    assert _pairs(doc, ProvUsage) == {
        (u(r["merge"]), u(graph.tuned_a)),
        (u(r["merge"]), u(graph.tuned_b)),
        (u(r["fine-tune"]), u(graph.base)),
        (u(r["fine-tune"]), u(graph.instructions)),
        (u(r["train"]), u(graph.clean)),
        (u(r["preprocess"]), u(graph.raw)),
    }
    with_activity = {r.args[2].uri for r in doc.get_records(ProvDerivation) if r.args[2] is not None}
    assert with_activity == {u(r["merge"]), u(r["fine-tune"]), u(r["preprocess"])}  # tuned-b was made without a run
    assert len(list(doc.get_records(ProvAttribution))) == 7 and len(list(doc.get_records(ProvAssociation))) == 4


def test_prov_of_a_down_graph_and_of_a_depth_limited_one(capsys: Capsys, graph: Graph) -> None:
    down = _prov(capsys, graph.base, "--down")
    assert _uris(down, ProvEntity) == {u(c) for c in (graph.base, graph.tuned_a, graph.tuned_b, graph.merged)}
    shallow = _prov(capsys, graph.merged, "--depth", "1")
    assert len(_uris(shallow, ProvEntity)) == 3 and len(_uris(shallow, ProvActivity)) == 1


# -- OpenLineage ------------------------------------------------------------------------------


def _events(capsys: Capsys, cid: str, *args: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(_export(capsys, cid, "openlineage", *args))
    return events


def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_openlineage_events_validate_against_the_2_0_2_schema(capsys: Capsys, graph: Graph) -> None:
    validator = _validator()
    events = _events(capsys, graph.merged)
    for event in events:
        errors = [e.message for e in validator.iter_errors(event)]
        assert errors == [], errors
        datetime.fromisoformat(event["eventTime"])  # the format checker skips date-time without extras
    broken = copy.deepcopy(events[0])
    broken["run"]["runId"] = "not-a-uuid"
    del broken["job"]["namespace"]
    assert len(list(validator.iter_errors(broken))) >= 1  # the validator does reject bad events


def test_openlineage_has_a_start_and_complete_per_run_in_causal_order(capsys: Capsys, graph: Graph) -> None:
    events = _events(capsys, graph.merged)
    by_run: dict[str, list[str]] = {}
    for event in events:
        by_run.setdefault(event["run"]["runId"], []).append(event["eventType"])
    assert len(by_run) == 5  # four run records, plus tuned-b derived without a run
    assert all(types == ["START", "COMPLETE"] for types in by_run.values())
    jobs = [e["job"]["name"] for e in events if e["eventType"] == "START"]
    assert jobs.index("clean-reviews.preprocess") < jobs.index("base-model.train") < jobs.index("tuned-a.fine-tune")
    assert jobs.index("tuned-a.fine-tune") < jobs.index("merged-model.merge")
    assert jobs.index("tuned-b.derive") < jobs.index("merged-model.merge")


def test_openlineage_datasets_are_named_by_cid_with_cairn_facets(capsys: Capsys, graph: Graph) -> None:
    events = {(e["job"]["name"], e["eventType"]): e for e in _events(capsys, graph.merged)}
    merge = events[("merged-model.merge", "COMPLETE")]
    assert {d["name"] for d in merge["inputs"]} == {graph.tuned_a, graph.tuned_b}
    assert [d["name"] for d in merge["outputs"]] == [graph.merged]
    output = merge["outputs"][0]
    assert output["namespace"] == "ipfs" and output["facets"]["version"]["datasetVersion"] == graph.merged
    assert output["facets"]["dataSource"]["uri"] == f"ipfs://{graph.merged}"
    facet = output["facets"]["cairn_artifact"]
    assert (facet["cid"], facet["name"], facet["kind"]) == (graph.merged, "merged-model", "model")
    assert set(facet["derivedFrom"]) == {f"ipfs://{graph.tuned_a}", f"ipfs://{graph.tuned_b}"}
    assert output["outputFacets"]["outputStatistics"]["size"] > 0
    run_facet = merge["run"]["facets"]["cairn_run"]
    assert run_facet["cid"] == graph.runs["merge"] and run_facet["parameters"]["method"] == "ties"
    train = events[("base-model.train", "START")]
    assert train["eventTime"] == "2025-03-02T07:00:00Z"
    assert events[("base-model.train", "COMPLETE")]["eventTime"] == "2025-03-02T19:00:00Z"
    assert train["job"]["facets"]["sourceCodeLocation"]["url"] == "https://github.com/example/trainer"
    assert [d["name"] for d in train["inputs"]] == [graph.clean]
    tune = events[("tuned-a.fine-tune", "START")]
    assert {d["name"] for d in tune["inputs"]} == {graph.base, graph.instructions}


def test_openlineage_run_ids_are_stable_and_the_down_graph_names_outside_inputs(capsys: Capsys, graph: Graph) -> None:
    first = _events(capsys, graph.merged)
    assert _events(capsys, graph.merged) == first  # a re-export is identical: run ids derive from CIDs
    down = _events(capsys, graph.base, "--down")
    tune = next(e for e in down if e["job"]["name"] == "tuned-a.fine-tune")
    assert {d["name"] for d in tune["inputs"]} == {graph.base, graph.instructions}  # instructions is not "down"
    names = {d["facets"]["cairn_artifact"].get("name") for d in tune["inputs"]}
    assert names == {"base-model", "instructions"}  # named from the store, though outside the graph
    undated = next(e for e in down if e["job"]["name"] == "merged-model.merge")
    assert datetime.fromisoformat(undated["eventTime"]).year >= 2025  # no times in run.json: the publish time


# -- in-toto Statement v1 / SLSA Provenance v1 -----------------------------------------------


def _statement(capsys: Capsys, cid: str) -> dict[str, Any]:
    statement: dict[str, Any] = json.loads(_export(capsys, cid, "in-toto"))
    return statement


def _disk_digests(folder: Path, algorithm: str) -> dict[str, str]:
    hasher = {"blake3": lambda b: blake3.blake3(b).hexdigest(), "sha256": lambda b: hashlib.sha256(b).hexdigest()}
    return {
        p.relative_to(folder).as_posix(): hasher[algorithm](p.read_bytes()) for p in folder.rglob("*") if p.is_file()
    }


def test_in_toto_statement_shape_and_file_digests(capsys: Capsys, graph: Graph) -> None:
    statement = _statement(capsys, graph.merged)
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    files = {s["name"]: s["digest"] for s in statement["subject"] if s["name"] != graph.merged}
    on_disk = _disk_digests(graph.sources["merged-model"], "blake3")
    assert files == {name: {"blake3": digest} for name, digest in on_disk.items()}
    big = (graph.sources["merged-model"] / "model.safetensors").stat().st_size
    assert big > 1 << 20  # several blocks: the digest is of the content, not of the file's root node
    manifest = next(s for s in statement["subject"] if s["name"] == graph.merged)
    assert manifest["uri"] == f"ipfs://{graph.merged}"
    assert manifest["digest"] == {"blake3": CID.parse(graph.merged).digest.hex()}


def test_in_toto_predicate_describes_the_run(capsys: Capsys, graph: Graph) -> None:
    predicate = _statement(capsys, graph.base)["predicate"]
    build, details = predicate["buildDefinition"], predicate["runDetails"]
    assert build["buildType"] == "https://cairn.dev/slsa/run/v1"
    assert build["externalParameters"] == {"lr": 3e-4, "epochs": 3, "batch_size": 32}
    assert build["internalParameters"]["kind"] == "train"
    deps = build["resolvedDependencies"]
    clean = next(d for d in deps if d.get("uri") == f"ipfs://{graph.clean}")
    assert clean["digest"] == {"blake3": CID.parse(graph.clean).digest.hex()} and clean["name"] == "clean-reviews@1"
    code = next(d for d in deps if d.get("name") == "code")
    assert code["uri"] == "git+https://github.com/example/trainer" and code["digest"] == {"gitCommit": "b" * 40}
    assert details["builder"]["id"] == cairn(capsys, "key", "show").last_line
    assert details["metadata"] == {
        "invocationId": f"ipfs://{graph.runs['train']}",
        "startedOn": "2025-03-02T07:00:00Z",
        "finishedOn": "2025-03-02T19:00:00Z",
    }
    assert details["byproducts"][0]["annotations"]["metrics"] == {"loss": 0.41, "ppl": "Infinity"}


def test_in_toto_without_a_run_lists_the_parents(capsys: Capsys, graph: Graph) -> None:
    build = _statement(capsys, graph.tuned_b)["predicate"]["buildDefinition"]
    assert build["buildType"] == "https://cairn.dev/slsa/publish/v1"
    assert {d["uri"] for d in build["resolvedDependencies"]} == {f"ipfs://{graph.base}", f"ipfs://{graph.clean}"}


def test_in_toto_uses_sha256_for_a_sha256_profile(capsys: Capsys, home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a.txt").write_text("alpha\n" * 1000)
    (folder / "b.bin").write_bytes(bytes(range(256)) * 9000)  # > 1 MiB: two chunks in unixfs-v1-2025
    cid = cairn(capsys, "publish", folder, "--profile", "unixfs-v1-2025", "--name", "s").last_line
    statement = _statement(capsys, cid)
    files = {s["name"]: s["digest"] for s in statement["subject"] if s["name"] != cid}
    assert files == {name: {"sha256": d} for name, d in _disk_digests(folder, "sha256").items()}


def test_in_toto_refuses_a_run_record(capsys: Capsys, graph: Graph) -> None:
    result = cairn(capsys, "lineage", graph.runs["train"], "--format", "in-toto")
    assert result.code == 2 and "describe artifacts" in result.err
