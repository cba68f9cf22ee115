"""An artifact's provenance as an in-toto Statement v1 with a SLSA Provenance v1 predicate, the
form supply-chain tools (slsa-verifier, sigstore/cosign attestations, GUAC) consume.

Subjects are the artifact's files, each named by its path with the digest of its whole
content in the hash the artifact's profile uses (``blake3`` for native-v1, ``sha256`` for the
sha2-256 profiles), so ``b3sum``/``sha256sum`` of a pulled file matches; plus the manifest
record itself (``ipfs://<CID>``, digest = the digest inside its CID). The predicate describes the
run record:

- ``buildType`` https://cairn.dev/slsa/run/v1: ``externalParameters`` are the run's
  ``parameters`` as run.json gave them; ``internalParameters`` hold its ``kind`` and
  ``environment``; ``resolvedDependencies`` are its inputs and parents (``ipfs://<CID>`` with
  the digest inside the CID) and its code (``git+<repo>`` with ``gitCommit``, and the code
  artifact if any).
- ``runDetails``: the builder is the run's publisher (its did:key: the key that signed the run
  record vouches for it); ``invocationId`` is ``ipfs://<run CID>``; ``startedOn``/``finishedOn``
  are the run's times when they are RFC 3339; the run record is a byproduct whose annotations
  carry its metrics.

An artifact published without a run gets ``buildType`` https://cairn.dev/slsa/publish/v1: no
parameters, its ``derived_from`` parents as dependencies, its publisher as builder.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any, Protocol

import blake3

from cairn.chunking.cid import CID
from cairn.chunking.multihash import BLAKE3, SHA2_256
from cairn.errors import BadInput, NotFound
from cairn.lineage.interop.common import (
    DIGEST_NAMES,
    Records,
    artifact_label,
    cid_digest,
    code_of,
    ipfs_uri,
    refs,
    rfc3339,
)
from cairn.lineage.repo import Repo
from cairn.lineage.workflows.graph import GraphNode, LineageGraph
from cairn.storage.blockstore import BlockStore
from cairn.storage.checkout import list_files
from cairn.storage.export import file_pieces

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/provenance/v1"
RUN_BUILD_TYPE = "https://cairn.dev/slsa/run/v1"
PUBLISH_BUILD_TYPE = "https://cairn.dev/slsa/publish/v1"
DAG_CBOR_MEDIA_TYPE = "application/vnd.ipld.dag-cbor"
_GIT_COMMIT = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


class _Hasher(Protocol):
    def update(self, data: bytes, /) -> object: ...

    def hexdigest(self) -> str: ...


_HASHERS: dict[int, Callable[[], _Hasher]] = {BLAKE3: blake3.blake3, SHA2_256: hashlib.sha256}


def render_in_toto(graph: LineageGraph, repo: Repo) -> str:
    """The statement for the graph's root, which must be an artifact manifest in ``repo``."""
    records = Records(graph, repo)
    root = records.node(graph.root)
    if root.type == "missing":
        raise NotFound(f"{graph.root} is not in this store")
    if root.type != "artifact":
        raise BadInput(f"{graph.root} is a {root.type} record; in-toto statements describe artifacts")
    run = _run_node(root, records)
    statement = {
        "_type": STATEMENT_TYPE,
        "subject": [*file_subjects(repo.store, root.body["content"]), _manifest_subject(root)],
        "predicateType": PREDICATE_TYPE,
        "predicate": {"buildDefinition": _build_definition(root, run, records), "runDetails": _run_details(root, run)},
    }
    return json.dumps(statement, indent=2)


def file_digest(store: BlockStore, cid: CID) -> str:
    """Hex digest of a UnixFS file's whole content, in the hash its CID uses (blocks verified)."""
    hasher = _HASHERS[cid.hash_code]()
    for piece in file_pieces(store, cid):
        hasher.update(store.get(piece.cid) if piece.cid is not None else piece.inline)
    return hasher.hexdigest()


def file_subjects(store: BlockStore, content: CID) -> list[dict[str, Any]]:
    files, _is_dir = list_files(store, content)
    return [
        {"name": f.path, "uri": ipfs_uri(f.cid), "digest": {DIGEST_NAMES[f.cid.hash_code]: file_digest(store, f.cid)}}
        for f in sorted(files, key=lambda f: f.path)
    ]


def _run_node(root: GraphNode, records: Records) -> GraphNode | None:
    raw = root.body.get("run")
    if not isinstance(raw, bytes):
        return None
    run = records.node(str(CID.decode(raw)))
    if run.type != "run":
        raise NotFound(f"the run record {run.cid} of {root.cid} is not in this store")
    return run


def _manifest_subject(root: GraphNode) -> dict[str, Any]:
    return {
        "name": root.cid,
        "uri": ipfs_uri(root.cid),
        "digest": cid_digest(root.cid),
        "mediaType": DAG_CBOR_MEDIA_TYPE,
        "annotations": {"cairnRecord": "artifact", "label": artifact_label(root.body), "kind": root.body.get("kind")},
    }


def _build_definition(root: GraphNode, run: GraphNode | None, records: Records) -> dict[str, Any]:
    parents = refs(root.body, "derived_from")
    if run is None:
        return {
            "buildType": PUBLISH_BUILD_TYPE,
            "externalParameters": {},
            "resolvedDependencies": [_artifact_dependency(cid, "derived_from", records) for cid in parents],
        }
    inputs = sorted(set(refs(run.body, "inputs")) | set(parents))
    dependencies = [_artifact_dependency(cid, "input", records) for cid in inputs]
    return {
        "buildType": RUN_BUILD_TYPE,
        "externalParameters": run.body.get("parameters") or {},
        "internalParameters": {"kind": run.body.get("kind"), "environment": run.body.get("environment") or {}},
        "resolvedDependencies": dependencies + _code_dependencies(run.body, records),
    }


def _artifact_dependency(cid: str, role: str, records: Records) -> dict[str, Any]:
    node = records.node(cid)
    dependency: dict[str, Any] = {"uri": ipfs_uri(cid), "digest": cid_digest(cid), "mediaType": DAG_CBOR_MEDIA_TYPE}
    annotations: dict[str, Any] = {"role": role}
    if node.type == "artifact":
        dependency["name"] = artifact_label(node.body)
        annotations |= {"kind": node.body.get("kind"), "publisher": node.publisher}
    return {**dependency, "annotations": annotations}


def _code_dependencies(run: dict[str, Any], records: Records) -> list[dict[str, Any]]:
    code = code_of(run)
    found: list[dict[str, Any]] = []
    commit, repo = code.get("commit"), code.get("repo")
    if isinstance(repo, str) or isinstance(commit, str):
        found.append(_git_dependency(repo, commit, code.get("path")))
    if isinstance(code.get("artifact"), bytes):
        found.append(_artifact_dependency(str(CID.decode(code["artifact"])), "code", records))
    return found


def _git_dependency(repo: Any, commit: Any, path: Any) -> dict[str, Any]:
    """``git+<repo>`` with the commit as a ``gitCommit`` digest when it is a full hash."""
    dependency: dict[str, Any] = {"name": "code"}
    annotations: dict[str, Any] = {"role": "code"}
    if isinstance(repo, str):
        dependency["uri"] = repo if repo.startswith("git+") else f"git+{repo}"
    if isinstance(commit, str) and _GIT_COMMIT.fullmatch(commit):
        dependency["digest"] = {"gitCommit": commit}
    elif isinstance(commit, str):
        annotations["commit"] = commit  # a tag or short hash: not an immutable digest
    if isinstance(path, str):
        annotations["path"] = path
    return {**dependency, "annotations": annotations}


def _run_details(root: GraphNode, run: GraphNode | None) -> dict[str, Any]:
    if run is None:
        return {"builder": {"id": root.publisher}, "metadata": {"invocationId": ipfs_uri(root.cid)}}
    metadata = {"invocationId": ipfs_uri(run.cid)}
    for field, key in (("started", "startedOn"), ("ended", "finishedOn")):
        moment = rfc3339(run.body.get(field))
        if moment is not None:
            metadata[key] = moment
    byproduct = {
        "name": "run record",
        "uri": ipfs_uri(run.cid),
        "digest": cid_digest(run.cid),
        "mediaType": DAG_CBOR_MEDIA_TYPE,
        "annotations": {"metrics": run.body.get("metrics") or {}, "signatureValid": run.signature_ok},
    }
    return {"builder": {"id": run.publisher}, "metadata": metadata, "byproducts": [byproduct]}
