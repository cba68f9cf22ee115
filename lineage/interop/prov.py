"""A lineage graph as W3C PROV-JSON, which PROV tools (the `prov` package, ProvStore, PROV-O
converters) read as it is.

Mapping: an artifact manifest is a ``prov:Entity`` and a run record a ``prov:Activity``, both
named ``ipfs:<CID>`` (the ``ipfs`` prefix expands to ``ipfs://``); each publisher is a
``prov:Agent`` named by its did:key (``didkey:`` expands to ``did:key:``). Edges become
``wasDerivedFrom`` (with the run as its activity when the artifact names one),
``wasGeneratedBy`` (artifact → its run) and ``used`` (run → input, role ``cairn:input`` or
``cairn:code``); signers become ``wasAttributedTo`` and ``wasAssociatedWith``. Cairn's own fields
are attributes under ``cairn:`` (https://cairn.dev/ns#); nested values such as run parameters
are JSON text, since PROV attribute values are literals. A record absent from this store stays
in the document as a bare entity (``cairn:Missing``), so the edges that name it still resolve.
"""

from __future__ import annotations

import json
from typing import Any

from cairn.lineage.interop.common import CAIRN_NS, artifact_label, code_of, rfc3339, run_of
from cairn.lineage.repo import Repo
from cairn.lineage.workflows.graph import GraphEdge, GraphNode, LineageGraph

PREFIXES = {"cairn": CAIRN_NS, "ipfs": "ipfs://", "didkey": "did:key:"}
_DID_KEY = "did:key:"


def render_prov_json(graph: LineageGraph, repo: Repo | None = None) -> str:
    """The whole graph as one PROV-JSON document (``repo`` is unused: the graph is enough)."""
    doc = _Document()
    activities = _activity_ids(graph)
    for node in graph.nodes.values():
        doc.add_node(node, node.cid in activities)
    for edge in graph.edges:
        doc.add_edge(edge, graph.nodes.get(edge.child))
    return json.dumps(doc.as_json(), indent=2)


def qname(cid: str) -> str:
    return f"ipfs:{cid}"


def agent_qname(did: str) -> str:
    return "didkey:" + did[len(_DID_KEY) :] if did.startswith(_DID_KEY) else did


def _activity_ids(graph: LineageGraph) -> set[str]:
    """Runs, including missing ones that an artifact names as its run."""
    runs = {cid for cid, node in graph.nodes.items() if node.type == "run"}
    return runs | {edge.parent for edge in graph.edges if edge.relation == "run"}


def _qualified(value: str) -> dict[str, str]:
    return {"$": value, "type": "xsd:QName"}


def _uri(value: str) -> dict[str, str]:
    return {"$": value, "type": "xsd:anyURI"}


def _json_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


class _Document:
    """Collects PROV-JSON sections; relation ids are blank nodes numbered in graph order."""

    def __init__(self) -> None:
        self.sections: dict[str, dict[str, dict[str, Any]]] = {}
        self.count = 0

    def put(self, section: str, ident: str, attributes: dict[str, Any]) -> None:
        self.sections.setdefault(section, {})[ident] = attributes

    def relate(self, section: str, attributes: dict[str, Any]) -> None:
        self.count += 1
        self.put(section, f"_:{section}{self.count}", attributes)

    def as_json(self) -> dict[str, Any]:
        return {"prefix": PREFIXES, **self.sections}

    def add_node(self, node: GraphNode, is_activity: bool) -> None:
        if node.type == "artifact":
            self.put("entity", qname(node.cid), _artifact_attributes(node))
        elif node.type == "run":
            self.put("activity", qname(node.cid), _run_attributes(node))
        else:
            section = "activity" if is_activity else "entity"
            self.put(section, qname(node.cid), {"prov:type": _qualified("cairn:Missing"), "cairn:missing": True})
        if node.publisher:
            self._add_publisher(node)

    def _add_publisher(self, node: GraphNode) -> None:
        agent = agent_qname(node.publisher)
        self.put("agent", agent, {"prov:type": _qualified("cairn:Publisher"), "prov:label": node.publisher})
        if node.type == "artifact":
            self.relate("wasAttributedTo", {"prov:entity": qname(node.cid), "prov:agent": agent})
        else:
            self.relate("wasAssociatedWith", {"prov:activity": qname(node.cid), "prov:agent": agent})

    def add_edge(self, edge: GraphEdge, child: GraphNode | None) -> None:
        child_id, parent_id = qname(edge.child), qname(edge.parent)
        if edge.relation == "derived_from":
            derivation = {"prov:generatedEntity": child_id, "prov:usedEntity": parent_id}
            run = run_of(child) if child is not None else None
            self.relate("wasDerivedFrom", {**derivation, **({"prov:activity": qname(run)} if run else {})})
        elif edge.relation == "run":
            self.relate("wasGeneratedBy", {"prov:entity": child_id, "prov:activity": parent_id})
        else:  # "input" or "code": the run used the artifact
            role = _qualified("cairn:code" if edge.relation == "code" else "cairn:input")
            self.relate("used", {"prov:activity": child_id, "prov:entity": parent_id, "prov:role": role})


def _artifact_attributes(node: GraphNode) -> dict[str, Any]:
    body = node.body
    kind = str(body.get("kind", "other"))
    attributes: dict[str, Any] = {
        "prov:type": [_qualified("cairn:Artifact"), _qualified(f"cairn:{kind.capitalize()}")],
        "prov:label": artifact_label(body),
        "cairn:kind": kind,
        "cairn:signatureValid": node.signature_ok,
    }
    for key in ("name", "version", "license", "access", "profile", "bytes"):
        if body.get(key) is not None:
            attributes[f"cairn:{key}"] = body[key]
    if body.get("file_count") is not None:
        attributes["cairn:fileCount"] = body["file_count"]
    if body.get("content") is not None:
        attributes["cairn:content"] = _uri(f"ipfs://{body['content']}")
    if body.get("meta"):
        attributes["cairn:meta"] = _json_text(body["meta"])
    return attributes


def _run_attributes(node: GraphNode) -> dict[str, Any]:
    body = node.body
    attributes: dict[str, Any] = {
        "prov:type": _qualified("cairn:Run"),
        "prov:label": node.label,
        "cairn:kind": str(body.get("kind")),
        "cairn:signatureValid": node.signature_ok,
    }
    for field, prov_field in (("started", "prov:startTime"), ("ended", "prov:endTime")):
        moment = rfc3339(body.get(field))
        if moment is not None:
            attributes[prov_field] = moment
        elif body.get(field) is not None:
            attributes[f"cairn:{field}"] = str(body[field])  # kept, but not as an xsd:dateTime
    for field in ("parameters", "environment", "metrics", "meta"):
        if body.get(field):
            attributes[f"cairn:{field}"] = _json_text(body[field])
    code = code_of(body)
    for key in ("repo", "commit", "path"):
        if isinstance(code.get(key), str):
            attributes[f"cairn:code{key.capitalize()}"] = code[key]
    return attributes
