"""`cairn lineage` over a realistic graph, built with the real command line:

    raw-reviews ──preprocess──▶ clean-reviews ──train──▶ base-model ──fine-tune──▶ tuned-a ─┐
                                      │                   │      instructions ──────┘       ├─merge─▶ merged-model
                                      └───────────────────┴──(derived, no run)──▶ tuned-b ─┘

``build_graph`` is shared with test_exports.py and test_tamper.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import cairn
from tests.data import small_model, write_safetensors

Capsys = pytest.CaptureFixture[str]


@dataclass(frozen=True)
class Graph:
    """The CIDs of the realistic graph: artifacts by name, runs by kind."""

    raw: str
    clean: str
    instructions: str
    base: str
    tuned_a: str
    tuned_b: str
    merged: str
    runs: dict[str, str]  # kind -> run record CID
    sources: dict[str, Path]  # artifact name -> folder it was published from

    @property
    def artifacts(self) -> dict[str, str]:
        return {
            "raw-reviews": self.raw,
            "clean-reviews": self.clean,
            "instructions": self.instructions,
            "base-model": self.base,
            "tuned-a": self.tuned_a,
            "tuned-b": self.tuned_b,
            "merged-model": self.merged,
        }


def _reviews(rows: int, clean: bool) -> str:
    lines = ["id,text,stars"]
    for i in range(rows):
        text = f"review {i}: {'great' if i % 3 else 'meh'} product"
        if clean and i % 7 == 0:
            continue  # the preprocess step drops short or duplicate reviews
        lines.append(f"{i},{text.lower() if clean else text},{1 + i % 5}")
    return "\n".join(lines) + "\n"


def _model(folder: Path, seed: int, width: int = 64) -> Path:
    write_safetensors(folder / "model.safetensors", small_model(seed=seed, layers=2, width=width))
    (folder / "config.json").write_text(json.dumps({"hidden_size": width, "layers": 2, "seed": seed}))
    return folder


def _run_file(tmp: Path, name: str, run: dict[str, Any]) -> Path:
    path = tmp / f"{name}.run.json"
    path.write_text(json.dumps(run))
    return path


def _publish(capsys: Capsys, folder: Path, name: str, *extra: str | Path) -> tuple[str, str | None]:
    result = cairn(capsys, "publish", folder, "--name", name, "--version", "1", *extra, "--json")
    assert result.code == 0, result.err
    out = result.json()
    return out["cid"], out["run"]


def build_graph(capsys: Capsys, tmp: Path) -> Graph:
    """Publish the seven artifacts and four runs of the module docstring into the current home."""
    src = tmp / "src"
    (src / "raw").mkdir(parents=True)
    (src / "raw" / "reviews.csv").write_text(_reviews(400, clean=False))
    raw, _ = _publish(capsys, src / "raw", "raw-reviews", "--kind", "dataset", "--license", "cc-by-4.0")

    (src / "clean").mkdir()
    (src / "clean" / "reviews.csv").write_text(_reviews(400, clean=True))
    prep = _run_file(
        tmp,
        "prep",
        {
            "kind": "preprocess",
            "code": {"repo": "https://github.com/example/reviews", "commit": "a" * 40, "path": "clean.py"},
            "parameters": {"lowercase": True, "drop_every": 7},
            "started": "2025-03-01T10:00:00Z",
            "ended": "2025-03-01T10:05:00Z",
            "environment": {"python": "3.11"},
        },
    )
    clean, prep_run = _publish(
        capsys, src / "clean", "clean-reviews", "--kind", "dataset", "--derived-from", raw, "--run", prep
    )

    (src / "instructions").mkdir()
    (src / "instructions" / "instructions.jsonl").write_text(
        "".join(json.dumps({"prompt": f"q{i}", "answer": f"a{i}"}) + "\n" for i in range(50))
    )
    instructions, _ = _publish(capsys, src / "instructions", "instructions", "--kind", "dataset")

    train = _run_file(
        tmp,
        "train",
        {
            "kind": "train",
            "inputs": [clean],
            "code": {"repo": "https://github.com/example/trainer", "commit": "b" * 40},
            "parameters": {"lr": 3e-4, "epochs": 3, "batch_size": 32},
            "metrics": {"loss": 0.41, "ppl": float("inf")},
            "started": "2025-03-02T08:00:00+01:00",
            "ended": "2025-03-02T20:00:00+01:00",
        },
    )
    base, train_run = _publish(capsys, _model(src / "base", 1), "base-model", "--kind", "model", "--run", train)

    tune = _run_file(
        tmp,
        "tune",
        {
            "kind": "fine-tune",
            "parameters": {"lr": 1e-5, "lora_rank": 8},
            "started": "2025-03-03T09:00:00Z",
            "ended": "2025-03-03T11:00:00Z",
        },
    )
    tuned_a, tune_run = _publish(
        capsys, _model(src / "a", 2), "tuned-a", "--derived-from", base, "--derived-from", instructions, "--run", tune
    )
    tuned_b, _ = _publish(capsys, _model(src / "b", 3), "tuned-b", "--derived-from", base, "--derived-from", clean)

    merge = _run_file(
        tmp,
        "merge",
        {
            "kind": "merge",
            "parameters": {"method": "ties", "weights": [0.5, 0.5]},
            "code": {"repo": "https://github.com/example/merge", "commit": "v1.2"},
        },
    )
    merged, merge_run = _publish(
        capsys,
        _model(src / "merged", 4, width=256),
        "merged-model",
        "--derived-from",
        tuned_a,
        "--derived-from",
        tuned_b,
        "--run",
        merge,
    )
    runs = {"preprocess": prep_run, "train": train_run, "fine-tune": tune_run, "merge": merge_run}
    assert all(runs.values())
    sources = {
        "raw-reviews": src / "raw",
        "clean-reviews": src / "clean",
        "instructions": src / "instructions",
        "base-model": src / "base",
        "tuned-a": src / "a",
        "tuned-b": src / "b",
        "merged-model": src / "merged",
    }
    run_cids = {kind: str(cid) for kind, cid in runs.items()}
    return Graph(raw, clean, instructions, base, tuned_a, tuned_b, merged, run_cids, sources)


def lineage_json(capsys: Capsys, cid: str, *args: str) -> dict[str, Any]:
    result = cairn(capsys, "lineage", cid, *args, "--format", "json")
    assert result.code == 0, result.err
    out: dict[str, Any] = result.json()
    return out


def _edges(out: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(e["child"], e["parent"], e["relation"]) for e in out["edges"]}


@pytest.fixture
def graph(capsys: Capsys, home: Path, tmp_path: Path) -> Graph:
    return build_graph(capsys, tmp_path)


def test_up_from_the_merged_model_reaches_every_ancestor_once(capsys: Capsys, graph: Graph) -> None:
    out = lineage_json(capsys, graph.merged, "--up")
    nodes = {n["cid"]: n for n in out["nodes"]}
    ancestors = set(graph.artifacts.values()) | set(graph.runs.values())
    assert set(nodes) == ancestors and len(out["nodes"]) == len(ancestors) == 11
    assert out["root"] == graph.merged and out["direction"] == "up"
    assert {nodes[c]["label"] for c in graph.runs.values()} == {
        "run:preprocess",
        "run:train",
        "run:fine-tune",
        "run:merge",
    }
    assert all(n["signature_ok"] and n["publisher"].startswith("did:key:z6Mk") for n in out["nodes"])
    assert nodes[graph.merged]["depth"] == 0 and nodes[graph.base]["depth"] == 2
    assert nodes[graph.raw]["depth"] == 3  # the shortest way up: via tuned-b and clean-reviews
    r = graph.runs
    assert _edges(out) == {
        (graph.merged, graph.tuned_a, "derived_from"),
        (graph.merged, graph.tuned_b, "derived_from"),
        (graph.merged, r["merge"], "run"),
        (r["merge"], graph.tuned_a, "input"),
        (r["merge"], graph.tuned_b, "input"),
        (graph.tuned_a, graph.base, "derived_from"),
        (graph.tuned_a, graph.instructions, "derived_from"),
        (graph.tuned_a, r["fine-tune"], "run"),
        (r["fine-tune"], graph.base, "input"),
        (r["fine-tune"], graph.instructions, "input"),
        (graph.tuned_b, graph.base, "derived_from"),
        (graph.tuned_b, graph.clean, "derived_from"),
        (graph.base, r["train"], "run"),
        (r["train"], graph.clean, "input"),
        (graph.clean, graph.raw, "derived_from"),
        (graph.clean, r["preprocess"], "run"),
        (r["preprocess"], graph.raw, "input"),
    }


def test_json_nodes_carry_manifest_and_run_fields(capsys: Capsys, graph: Graph) -> None:
    nodes = {n["cid"]: n for n in lineage_json(capsys, graph.base, "--up")["nodes"]}
    base, train = nodes[graph.base], nodes[graph.runs["train"]]
    assert (base["type"], base["kind"], base["name"], base["version"], base["label"]) == (
        "artifact",
        "model",
        "base-model",
        "1",
        "base-model@1",
    )
    assert base["bytes"] > 0 and base["profile"] == "native-v2"
    assert train["type"] == "run" and train["parameters"] == {"lr": 3e-4, "epochs": 3, "batch_size": 32}
    assert train["metrics"] == {"loss": 0.41, "ppl": "Infinity"}  # non-finite floats as docs/formats.md stores them
    assert train["started"] == "2025-03-02T08:00:00+01:00"
    assert nodes[graph.raw]["license"] == "cc-by-4.0"


def test_up_with_depth_stops_after_that_many_steps(capsys: Capsys, graph: Graph) -> None:
    one = lineage_json(capsys, graph.merged, "--up", "--depth", "1")
    assert {n["cid"] for n in one["nodes"]} == {graph.merged, graph.tuned_a, graph.tuned_b, graph.runs["merge"]}
    assert {e["child"] for e in one["edges"]} == {graph.merged}
    zero = lineage_json(capsys, graph.merged, "--depth", "0")
    assert [n["cid"] for n in zero["nodes"]] == [graph.merged] and zero["edges"] == []
    two = lineage_json(capsys, graph.merged, "--depth", "2")
    assert graph.base in {n["cid"] for n in two["nodes"]} and graph.raw not in {n["cid"] for n in two["nodes"]}


def test_down_from_the_raw_dataset_finds_every_descendant(capsys: Capsys, graph: Graph) -> None:
    out = lineage_json(capsys, graph.raw, "--down")
    found = {n["cid"] for n in out["nodes"]}
    everything = set(graph.artifacts.values()) | set(graph.runs.values())
    assert found == everything - {graph.instructions}  # a sibling input, not made from raw
    assert out["direction"] == "down"
    assert (graph.merged, graph.tuned_b, "derived_from") in _edges(out)
    assert (graph.tuned_b, graph.clean, "derived_from") in _edges(out)
    depths = {n["cid"]: n["depth"] for n in out["nodes"]}
    assert depths[graph.clean] == 1 and depths[graph.tuned_b] == 2 and depths[graph.merged] == 3


def test_down_with_depth_and_from_a_leaf(capsys: Capsys, graph: Graph) -> None:
    one = lineage_json(capsys, graph.base, "--down", "--depth", "1")
    assert {n["cid"] for n in one["nodes"]} == {graph.base, graph.tuned_a, graph.tuned_b, graph.runs["fine-tune"]}
    leaf = lineage_json(capsys, graph.merged, "--down")
    assert [n["cid"] for n in leaf["nodes"]] == [graph.merged] and leaf["edges"] == []


def test_down_from_a_run_record(capsys: Capsys, graph: Graph) -> None:
    out = lineage_json(capsys, graph.runs["train"], "--down")
    assert graph.base in {n["cid"] for n in out["nodes"]} and graph.merged in {n["cid"] for n in out["nodes"]}


def test_names_resolve_like_cids(capsys: Capsys, graph: Graph) -> None:
    by_name = lineage_json(capsys, "merged-model@1", "--depth", "1")
    assert by_name["root"] == graph.merged


def test_tree_shows_labels_relations_and_shared_nodes_once(capsys: Capsys, graph: Graph) -> None:
    result = cairn(capsys, "lineage", graph.merged)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"merged-model@1  {graph.merged}"
    assert any(line.startswith("  derived_from: tuned-a@1  ") for line in lines)
    assert any(line.strip().startswith("run: run:merge  ") for line in lines)
    expanded = [line for line in lines if graph.base in line and "(see above)" not in line]
    assert len(expanded) == 1  # base-model is an ancestor of both fine-tunes, expanded once
    down = cairn(capsys, "lineage", graph.clean, "--down").out
    assert "used by (input): run:train" in down and "used by (derived_from): tuned-b@1" in down


def test_dot_is_a_digraph_with_every_edge(capsys: Capsys, graph: Graph) -> None:
    result = cairn(capsys, "lineage", graph.merged, "--format", "dot")
    assert result.code == 0
    dot = result.out
    assert dot.startswith("digraph lineage {") and dot.rstrip().endswith("}")
    assert f'"{graph.merged}" -> "{graph.tuned_b}" [label="derived_from"];' in dot
    assert f'"{graph.runs["merge"]}" [label="run:merge' in dot and "shape=box" in dot
    assert dot.count(" -> ") == 17


def test_bad_lineage_requests(capsys: Capsys, graph: Graph) -> None:
    assert cairn(capsys, "lineage", graph.merged, "--format", "graphml").code == 2
    assert cairn(capsys, "lineage", graph.merged, "--up", "--down").code == 2
    assert cairn(capsys, "lineage", "bafynotacid").code == 2
    unknown = "bafyreigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
    result = cairn(capsys, "lineage", unknown)
    assert result.code == 1 and "not in this store" in result.err


# -- scale: --down answers from the index's edges, not by scanning records ------------------------

SCALE = 10_000


def _synthetic_cids(count: int) -> list[str]:
    from cairn.chunking.cid import CID, DAG_CBOR
    from cairn.chunking.multihash import BLAKE3

    return [str(CID.of(DAG_CBOR, BLAKE3, i.to_bytes(4, "big"))) for i in range(count)]


def _index_only_home(home: Path, edges: list[tuple[str, str, str]]) -> Any:
    """A home whose index holds ``edges`` (child, parent, relation) and whose store holds no
    records, so every node but the shape is "missing": what is measured is the edge walk."""
    from cairn.lineage.repo import Repo

    repo = Repo.open(home)
    from cairn.chunking.cid import CID

    with repo.index.write() as db:  # synthetic rows, no records: written past admission on purpose
        rows = [(CID.parse(child), CID.parse(parent), relation) for child, parent, relation in edges]
        repo.index._add_edges(db, rows)
    return repo


@pytest.mark.parametrize("shape", ["fan-out", "chain"])
def test_down_over_ten_thousand_indexed_artifacts(home: Path, shape: str) -> None:
    import time

    from cairn.chunking.cid import CID
    from cairn.lineage.interop import render_tree
    from cairn.lineage.workflows.graph import lineage

    cids = _synthetic_cids(SCALE)
    parents = [(i - 1) // 4 if shape == "fan-out" else i - 1 for i in range(SCALE)]
    repo = _index_only_home(home, [(cids[i], cids[parents[i]], "derived_from") for i in range(1, SCALE)])
    try:
        started = time.perf_counter()
        graph = lineage(repo, CID.parse(cids[0]), "down")
        elapsed = time.perf_counter() - started
        assert set(graph.nodes) == set(cids) and len(graph.edges) == SCALE - 1
        assert {node.type for node in graph.nodes.values()} == {"missing"}
        deepest = max(node.depth for node in graph.nodes.values())
        assert deepest == (7 if shape == "fan-out" else SCALE - 1)  # 4-ary: 1 + 4 + ... + 4**6 < 10,000
        shallow = lineage(repo, CID.parse(cids[0]), "down", depth=2)
        assert len(shallow.nodes) == (1 + 4 + 16 if shape == "fan-out" else 3)
        # A chain's outline is indented once per level: render 2,000 levels (past Python's
        # recursion limit) rather than 10,000 (100 MB of indentation).
        shown = graph if shape == "fan-out" else lineage(repo, CID.parse(cids[0]), "down", depth=2_000)
        started = time.perf_counter()
        tree = render_tree(shown)
        rendered = time.perf_counter() - started
        assert len(tree.splitlines()) == len(shown.nodes)
        print(
            f"\nlineage --down over {SCALE} indexed artifacts ({shape}): {elapsed:.3f} s; "
            f"tree of {len(shown.nodes)} nodes rendered in {rendered:.3f} s"
        )
    finally:
        repo.close()
