"""The provenance graph around one record: its ancestors (read from the records themselves, so
one CID fixes the whole answer) or its descendants (from the index's edges, since a record
cannot name what was made from it later).

Nodes are artifact manifests and run records; edges point from the newer record to what it
came from: ``derived_from`` (artifact → parent artifact), ``run`` (artifact → its run),
``input`` (run → input artifact) and ``code`` (run → code artifact).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from cairn.errors import CairnError
from chunking.cid import CID
from lineage.records import SignedRecord, decode_record
from lineage.repo import Repo

Direction = Literal["up", "down"]


@dataclass(frozen=True)
class GraphNode:
    cid: str
    type: str  # "artifact", "run", or "missing" when the record is not in this store
    depth: int
    body: dict[str, Any] = field(default_factory=dict)
    signature_ok: bool = False

    @property
    def label(self) -> str:
        if self.type == "artifact":
            version = self.body.get("version")
            return f"{self.body.get('name')}@{version}" if version else str(self.body.get("name"))
        if self.type == "run":
            return f"run:{self.body.get('kind')}"
        return "missing"

    @property
    def publisher(self) -> str:
        return str(self.body.get("publisher", ""))


@dataclass(frozen=True)
class GraphEdge:
    child: str
    parent: str
    relation: str


@dataclass
class LineageGraph:
    root: str
    direction: Direction
    nodes: dict[str, GraphNode] = field(default_factory=dict)
    edges: list[GraphEdge] = field(default_factory=list)

    def parents_of(self, cid: str) -> list[GraphEdge]:
        return [e for e in self.edges if e.child == cid]

    def children_of(self, cid: str) -> list[GraphEdge]:
        return [e for e in self.edges if e.parent == cid]


def record_parents(record: SignedRecord) -> list[tuple[str, str]]:
    """``(parent CID, relation)`` for every lineage reference a record makes."""
    body = record.body
    refs: list[tuple[bytes, str]] = [(raw, "derived_from") for raw in body.get("derived_from") or []]
    if isinstance(body.get("run"), bytes):
        refs.append((body["run"], "run"))
    refs += [(raw, "input") for raw in body.get("inputs") or []]
    code = body.get("code")
    if isinstance(code, dict) and isinstance(code.get("artifact"), bytes):
        refs.append((code["artifact"], "code"))
    return [(str(CID.decode(raw)), relation) for raw, relation in refs]


def _node(repo: Repo, cid: str, depth: int) -> tuple[GraphNode, SignedRecord | None]:
    try:
        parsed = CID.parse(cid)
        record = decode_record(parsed, repo.store.get(parsed))
    except CairnError:
        return GraphNode(cid, "missing", depth), None
    return GraphNode(cid, record.type, depth, record.body, record.signature_ok), record


def lineage(repo: Repo, root: CID, direction: Direction = "up", depth: int | None = None) -> LineageGraph:
    """Breadth-first over the records; each node once (diamonds are common: a shared dataset)."""
    graph = LineageGraph(str(root), direction)
    queue: deque[tuple[str, int]] = deque([(str(root), 0)])
    while queue:
        cid, level = queue.popleft()
        if cid in graph.nodes:
            continue
        node, record = _node(repo, cid, level)
        graph.nodes[cid] = node
        if depth is not None and level >= depth:
            continue
        if direction == "up":
            neighbours = record_parents(record) if record is not None else []
            graph.edges += [GraphEdge(cid, parent, rel) for parent, rel in neighbours]
        else:
            neighbours = repo.index.children(cid)
            graph.edges += [GraphEdge(child, cid, rel) for child, rel in neighbours]
        queue.extend((other, level + 1) for other, _ in neighbours if other not in graph.nodes)
    return graph
