"""Renderings of a lineage graph: ``tree``, ``json`` and ``dot`` here; the standard formats
(W3C PROV-JSON, OpenLineage run events, in-toto/SLSA) in their own modules.

A renderer gets the repo beside the graph because some formats need more than the graph holds:
in-toto lists the artifact's files with their digests, and OpenLineage names a run's inputs and
outputs even where a ``--down`` or ``--depth`` graph stops short of them."""

from __future__ import annotations

import json
from collections.abc import Callable

from cairn.errors import BadInput
from cairn.lineage.repo import Repo
from cairn.lineage.workflows.graph import LineageGraph

Renderer = Callable[[LineageGraph, Repo], str]


def render_json(graph: LineageGraph) -> str:
    return json.dumps(graph.to_json(), indent=2)


def render_dot(graph: LineageGraph) -> str:
    lines = ["digraph lineage {", "  rankdir=BT;"]
    for node in graph.nodes.values():
        shape = "box" if node.type == "run" else "ellipse"
        lines.append(f'  "{node.cid}" [label="{node.label}\\n{node.cid[:16]}…", shape={shape}];')
    lines += [f'  "{e.child}" -> "{e.parent}" [label="{e.relation}"];' for e in graph.edges]
    return "\n".join([*lines, "}"])


def render_tree(graph: LineageGraph) -> str:
    """An indented outline from the root; a node reached again is shown once more but not expanded.

    Walked with an explicit stack, in the order a recursive walk would take: a lineage can be
    deeper than Python's recursion limit (a dataset re-derived every day for years).
    """
    lines: list[str] = []
    expanded: set[str] = set()
    stack: list[tuple[str, str, int]] = [(graph.root, "", 0)]
    while stack:
        cid, relation, indent = stack.pop()
        node = graph.nodes.get(cid)
        label = node.label if node else "…"
        shown = relation if graph.direction == "up" else f"used by ({relation})"
        prefix = "  " * indent + (f"{shown}: " if relation else "")
        seen = cid in expanded
        lines.append(f"{prefix}{label}  {cid}{'  (see above)' if seen else ''}")
        if seen:
            continue
        expanded.add(cid)
        edges = graph.parents_of(cid) if graph.direction == "up" else graph.children_of(cid)
        for edge in reversed(edges):
            stack.append((edge.parent if graph.direction == "up" else edge.child, edge.relation, indent + 1))
    return "\n".join(lines)


def _graph_only(render: Callable[[LineageGraph], str]) -> Renderer:
    return lambda graph, _repo: render(graph)


def renderer(name: str) -> Renderer:
    """The renderer for a ``--format`` name; the standard formats are imported only when asked for."""
    builtin = {"tree": render_tree, "json": render_json, "dot": render_dot}
    if name in builtin:
        return _graph_only(builtin[name])
    if name == "prov-json":
        from cairn.lineage.interop.prov import render_prov_json

        return render_prov_json
    if name == "openlineage":
        from cairn.lineage.interop.openlineage import render_openlineage

        return render_openlineage
    if name == "in-toto":
        from cairn.lineage.interop.intoto import render_in_toto

        return render_in_toto
    raise BadInput(f"unknown format {name!r} (use tree, json, dot, prov-json, openlineage or in-toto)")
