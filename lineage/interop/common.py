"""What the standard exports (PROV-JSON, OpenLineage, in-toto/SLSA) share: Cairn's stable
identifiers, CID digests, timestamps, and the records a graph does not itself hold.

Identifiers are chosen so that the three formats name one thing the same way: an artifact or
run is ``ipfs://<CID>`` (the CID of its signed record, which fixes its content and ancestry), a
publisher is its ``did:key``, and Cairn's own terms live under ``https://cairn.dev/ns#``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cairn import __version__
from cairn.chunking.cid import CID
from cairn.chunking.multihash import BLAKE3, SHA2_256
from cairn.errors import CairnError
from cairn.lineage.records.model import decode_record
from cairn.lineage.repo import Repo
from cairn.lineage.workflows.graph import GraphNode, LineageGraph

CAIRN_NS = "https://cairn.dev/ns#"
PRODUCER = f"https://cairn.dev/cairn/v{__version__}"  # who made an export, as OpenLineage asks
DIGEST_NAMES = {BLAKE3: "blake3", SHA2_256: "sha256"}  # in-toto DigestSet keys


def ipfs_uri(cid: str | CID) -> str:
    return f"ipfs://{cid}"


def cid_digest(cid: str | CID) -> dict[str, str]:
    """The digest a CID carries, as an in-toto DigestSet: the hash of the block it names."""
    parsed = CID.parse(cid) if isinstance(cid, str) else cid
    return {DIGEST_NAMES[parsed.hash_code]: parsed.digest.hex()}


def rfc3339(value: Any) -> str | None:
    """``value`` as an RFC 3339 UTC timestamp, or None when it is not a date-time.

    Run records keep ``started``/``ended`` exactly as run.json gave them; the formats that
    carry times (xsd:dateTime, JSON Schema date-time, protobuf Timestamp) need a real one, with a
    zone. A time without a zone is taken as UTC.
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def artifact_label(body: dict[str, Any]) -> str:
    version = body.get("version")
    return f"{body.get('name')}@{version}" if version else str(body.get("name"))


@dataclass
class Records:
    """Record bodies by CID: from the graph first, else from the repo's store (when given).

    A run's inputs or outputs may lie outside a depth-limited or downward graph; the exports
    still name them fully when the home has their records.
    """

    graph: LineageGraph
    repo: Repo | None = None
    _cache: dict[str, GraphNode] = field(default_factory=dict, init=False, repr=False)

    def node(self, cid: str) -> GraphNode:
        known = self.graph.nodes.get(cid) or self._cache.get(cid)
        if known is not None:
            return known
        node = self._load(cid)
        self._cache[cid] = node
        return node

    def body(self, cid: str) -> dict[str, Any]:
        return self.node(cid).body

    def _load(self, cid: str) -> GraphNode:
        if self.repo is None:
            return GraphNode(cid, "missing", -1)
        try:
            parsed = CID.parse(cid)
            if self.graph.hidden is not None and self.graph.hidden(parsed):
                return GraphNode(cid, "missing", -1)  # never read for a caller who may not see it
            record = decode_record(parsed, self.repo.store.get(parsed))
        except CairnError:
            return GraphNode(cid, "missing", -1)
        return GraphNode(cid, record.type, -1, record.body, record)

    def outputs_of(self, run: str) -> list[str]:
        """Artifacts made by ``run``: those in the graph, plus those the index knows."""
        found = {cid for cid, node in self.graph.nodes.items() if node.type == "artifact" and run_of(node) == run}
        if self.repo is not None:
            hidden = self.graph.hidden or (lambda _cid: False)
            found |= {str(child) for child, relation in self.repo.index.children(CID.parse(run))
                      if relation == "run" and not hidden(child)}  # fmt: skip
        return sorted(found)

    def published_at(self, cid: str) -> str | None:
        """When the home indexed an artifact: the only wall-clock time Cairn keeps (not signed)."""
        row = self.repo.index.artifact(CID.parse(cid)) if self.repo is not None else None
        return None if row is None else datetime.fromtimestamp(row.published_at, UTC).isoformat().replace("+00:00", "Z")


def run_of(node: GraphNode) -> str | None:
    """The CID of the run record that made an artifact, if it names one."""
    raw = node.body.get("run")
    return str(CID.decode(raw)) if isinstance(raw, bytes) else None


def refs(body: dict[str, Any], key: str) -> list[str]:
    """A record's list of lineage references (``derived_from``, ``inputs``) as CID strings."""
    return [str(CID.decode(raw)) for raw in body.get(key) or [] if isinstance(raw, bytes)]


def code_of(body: dict[str, Any]) -> dict[str, Any]:
    """A run record's ``code`` object (repo, commit, path, artifact), empty when absent."""
    code = body.get("code")
    return code if isinstance(code, dict) else {}


def code_artifact(body: dict[str, Any]) -> str | None:
    raw = code_of(body).get("artifact")
    return str(CID.decode(raw)) if isinstance(raw, bytes) else None
