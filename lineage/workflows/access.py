"""Who may see what: the one place that decides whether a private artifact exists for a caller.

The owner of a home (the CLI, the SDK on that home) sees everything. A server caller sees private
artifacts only with a token that may read. Every front end asks through the ``Cairn`` façade,
which asks here, so a route cannot forget the check by wiring the workflows itself.

What is hidden is hidden as *absent*: a private artifact, and a name that points at one (its name
and version tell a lot), answer "not found", so a caller cannot probe what exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from cairn.chunking.cid import CID
from cairn.errors import NotFound
from cairn.lineage.index.catalog import Index
from cairn.lineage.records.model import Manifest


@dataclass(frozen=True)
class Access:
    """A caller's view of a home; ``Access.OWNER`` and ``Access.PUBLIC`` are the two there are."""

    sees_private: bool

    OWNER: ClassVar[Access]
    PUBLIC: ClassVar[Access]

    def allows(self, access: str) -> bool:
        """Whether an artifact whose manifest says ``access`` ("public"/"private") is visible."""
        return self.sees_private or access == "public"

    def check_manifest(self, manifest: Manifest | None) -> None:
        """Raise ``NotFound`` for a private manifest this caller may not see."""
        if manifest is not None and not self.allows(manifest.access):
            raise NotFound(f"no artifact {manifest.cid} here (private artifacts need a read token)")

    def check_indexed(self, index: Index, cid: CID) -> None:
        """Like ``check_manifest``, by the index row (a CID that is not an indexed artifact passes)."""
        if self.sees_private:
            return
        row = index.artifact(cid)
        if row is not None and not self.allows(row.access):
            raise NotFound(f"no artifact {cid} here (private artifacts need a read token)")

    def sees_target(self, index: Index, cid: CID) -> bool:
        """Whether a name pointing at ``cid`` may be shown (a name of a private artifact is private)."""
        if self.sees_private:
            return True
        row = index.artifact(cid)
        return row is None or self.allows(row.access)


Access.OWNER = Access(sees_private=True)
Access.PUBLIC = Access(sees_private=False)
