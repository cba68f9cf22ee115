"""A lineage graph as OpenLineage run events (spec 2-0-2): a JSON list holding a START and a
COMPLETE event for every run, in causal order, ready to POST one by one to Marquez or any
OpenLineage consumer.

Mapping:
- a run record is an OpenLineage run; its ``runId`` is the UUIDv5 of ``ipfs://<run CID>`` (URL
  namespace), so exporting twice gives the same id. Its job is named ``<output names>.<kind>`` in
  the namespace of the publisher's did:key: the same process run again on new data is one job.
- an artifact is a dataset in namespace ``ipfs`` named by its manifest CID (as a file is in
  namespace ``file`` named by its path); the ``version`` facet repeats the CID and the
  ``cairn_artifact`` facet carries the human name, content root and other manifest fields.
- inputs are the run record's ``inputs`` plus its code artifact; outputs are the artifacts whose
  manifest names the run.
- an artifact published with ``--derived-from`` but without a run gets a run of its own, job kind
  ``derive``, identified by the manifest CID, so its parents stay visible to OpenLineage tools,
  which know only runs.
- times: START at the run's ``started``, COMPLETE at its ``ended`` (each falls back on the other,
  then on when this home indexed the output, then on the Unix epoch, since a run record carries
  no wall-clock time of its own beyond what run.json gave).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from cairn.lineage.interop.common import (
    PRODUCER,
    Records,
    artifact_label,
    code_artifact,
    code_of,
    ipfs_uri,
    refs,
    rfc3339,
)
from cairn.lineage.repo import Repo
from cairn.lineage.workflows.graph import LineageGraph

SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
DATASET_NAMESPACE = "ipfs"
EPOCH = "1970-01-01T00:00:00Z"
_FACETS = "https://openlineage.io/spec/facets"
_CAIRN_FACETS = "https://cairn.dev/spec/openlineage/facets/1-0-0"
FACET_SCHEMAS = {
    "dataSource": f"{_FACETS}/1-0-1/DatasourceDatasetFacet.json#/$defs/DatasourceDatasetFacet",
    "version": f"{_FACETS}/1-0-0/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet",
    "outputStatistics": f"{_FACETS}/1-0-2/OutputStatisticsOutputDatasetFacet.json"
    "#/$defs/OutputStatisticsOutputDatasetFacet",
    "jobType": f"{_FACETS}/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
    "sourceCodeLocation": f"{_FACETS}/1-0-1/SourceCodeLocationJobFacet.json#/$defs/SourceCodeLocationJobFacet",
    "cairn_artifact": f"{_CAIRN_FACETS}/CairnArtifactDatasetFacet.json#/$defs/CairnArtifactDatasetFacet",
    "cairn_input": f"{_CAIRN_FACETS}/CairnInputDatasetFacet.json#/$defs/CairnInputDatasetFacet",
    "cairn_run": f"{_CAIRN_FACETS}/CairnRunFacet.json#/$defs/CairnRunFacet",
}


@dataclass(frozen=True)
class _Run:
    """One OpenLineage run: a run record, or an artifact derived without one (``derived_only``)."""

    cid: str  # the run record's CID, or the derived artifact's manifest CID
    body: dict[str, Any]
    inputs: list[tuple[str, str]]  # (artifact CID, "input" | "code")
    outputs: list[str]
    signature_ok: bool
    derived_only: bool = False


def render_openlineage(graph: LineageGraph, repo: Repo | None = None) -> str:
    """START and COMPLETE events for every run in ``graph``; ``repo`` lets the events name inputs
    and outputs that lie outside the graph and date runs that recorded no times."""
    records = Records(graph, repo)
    events: list[dict[str, Any]] = []
    for run in _causal_order(_runs(graph, records)):
        events += [_event(run, records, "START"), _event(run, records, "COMPLETE")]
    return json.dumps(events, indent=2)


def run_id(cid: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, ipfs_uri(cid)))


def _runs(graph: LineageGraph, records: Records) -> list[_Run]:
    runs = []
    for cid, node in graph.nodes.items():
        if node.type == "run":
            inputs = [(i, "input") for i in refs(node.body, "inputs")]
            code = code_artifact(node.body)
            inputs += [(code, "code")] if code else []
            runs.append(_Run(cid, node.body, inputs, records.outputs_of(cid), node.signature_ok))
        elif node.type == "artifact" and node.body.get("run") is None and node.body.get("derived_from"):
            parents = [(p, "input") for p in refs(node.body, "derived_from")]
            runs.append(_Run(cid, node.body, parents, [cid], node.signature_ok, derived_only=True))
    return runs


def _causal_order(runs: list[_Run]) -> list[_Run]:
    """Runs that made an input of another run come before it; otherwise ordered by CID.

    A depth-first post-order with an explicit stack: lineages thousands of runs deep exist
    (a dataset re-derived daily), and recursion would overflow on them.
    """
    made_by = {output: run.cid for run in runs for output in run.outputs}
    by_cid = {run.cid: run for run in runs}
    ordered: list[_Run] = []
    placed: set[str] = set()
    for start in sorted(runs, key=lambda r: r.cid):
        stack: list[tuple[_Run, bool]] = [(start, False)]
        while stack:
            run, inputs_done = stack.pop()
            if inputs_done:
                ordered.append(run)
                continue
            if run.cid in placed:
                continue
            placed.add(run.cid)
            stack.append((run, True))
            makers = (made_by.get(cid) for cid, _role in reversed(run.inputs))
            stack += [(by_cid[m], False) for m in makers if m is not None and m not in placed]
    return ordered


def _event(run: _Run, records: Records, event_type: str) -> dict[str, Any]:
    return {
        "eventType": event_type,
        "eventTime": _event_time(run, records, event_type),
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
        "run": {"runId": run_id(run.cid), "facets": {"cairn_run": _run_facet(run)}},
        "job": _job(run, records),
        "inputs": [_input(cid, role, records) for cid, role in run.inputs],
        "outputs": [_output(cid, records) for cid in run.outputs],
    }


def _event_time(run: _Run, records: Records, event_type: str) -> str:
    order = ("started", "ended") if event_type == "START" else ("ended", "started")
    if not run.derived_only:
        for field in order:
            moment = rfc3339(run.body.get(field))
            if moment is not None:
                return moment
    published = [t for t in (records.published_at(cid) for cid in run.outputs) if t is not None]
    return min(published) if published else EPOCH


def _facet(facet: str, /, **fields: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": FACET_SCHEMAS[facet], **fields}


def _run_facet(run: _Run) -> dict[str, Any]:
    if run.derived_only:
        return _facet("cairn_run", record=None, derivedFrom=ipfs_uri(run.cid), kind="derive")
    body = run.body
    keep = ("kind", "parameters", "environment", "metrics", "started", "ended", "meta", "publisher")
    return _facet("cairn_run", record=ipfs_uri(run.cid), cid=run.cid, signatureValid=run.signature_ok,
                  **{key: body[key] for key in keep if body.get(key) is not None})  # fmt: skip


def _job(run: _Run, records: Records) -> dict[str, Any]:
    kind = "derive" if run.derived_only else str(run.body.get("kind") or "other")
    names = sorted({str(records.body(cid).get("name") or cid) for cid in run.outputs}) or [run.cid]
    facets: dict[str, Any] = {"jobType": _facet("jobType", processingType="BATCH", integration="CAIRN", jobType=kind)}
    code = code_of(run.body) if not run.derived_only else {}
    if isinstance(code.get("repo"), str):
        location = {key: code[key] for key in ("path",) if isinstance(code.get(key), str)}
        if isinstance(code.get("commit"), str):
            location["version"] = code["commit"]
        facets["sourceCodeLocation"] = _facet("sourceCodeLocation", type="git", url=code["repo"], **location)
    publisher = str(run.body.get("publisher") or "cairn")
    return {"namespace": publisher, "name": f"{'+'.join(names)}.{kind}", "facets": facets}


def _dataset(cid: str, records: Records) -> dict[str, Any]:
    return {
        "namespace": DATASET_NAMESPACE,
        "name": cid,
        "facets": {
            "dataSource": _facet("dataSource", name=DATASET_NAMESPACE, uri=ipfs_uri(cid)),
            "version": _facet("version", datasetVersion=cid),
            "cairn_artifact": _artifact_facet(cid, records),
        },
    }


def _artifact_facet(cid: str, records: Records) -> dict[str, Any]:
    node = records.node(cid)
    if node.type != "artifact":
        return _facet("cairn_artifact", cid=cid, missing=True)
    body = node.body
    fields: dict[str, Any] = {"cid": cid, "label": artifact_label(body), "signatureValid": node.signature_ok}
    for key in ("name", "version", "kind", "license", "access", "profile", "bytes", "publisher"):
        if body.get(key) is not None:
            fields[key] = body[key]
    if body.get("file_count") is not None:
        fields["fileCount"] = body["file_count"]
    if body.get("content") is not None:
        fields["content"] = ipfs_uri(body["content"])
    fields["derivedFrom"] = [ipfs_uri(p) for p in refs(body, "derived_from")]
    return _facet("cairn_artifact", **fields)


def _input(cid: str, role: str, records: Records) -> dict[str, Any]:
    return {**_dataset(cid, records), "inputFacets": {"cairn_input": _facet("cairn_input", role=role)}}


def _output(cid: str, records: Records) -> dict[str, Any]:
    body = records.body(cid)
    stats = {key: body[src] for key, src in (("size", "bytes"), ("fileCount", "file_count")) if src in body}
    facets = {"outputStatistics": _facet("outputStatistics", **stats)} if stats else {}
    return {**_dataset(cid, records), "outputFacets": facets}
