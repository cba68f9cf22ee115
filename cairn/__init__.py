"""Cairn: content-addressed storage for ML models and datasets.

    from cairn import Cairn

    with Cairn() as cairn:                     # $CAIRN_HOME, else ~/.cairn
        model = cairn.publish("out/", name="clf", version="1")
        cairn.verify(model.cid).ok

``Cairn`` and its result and error types are the public Python API. They are imported lazily, so
that ``import cairn`` (and ``cairn --version``) stays fast: the names below resolve on first use.

The package is one namespace over the repository's folders: ``cairn.chunking`` (bytes to CIDs),
``cairn.storage`` (block stores and remotes), ``cairn.lineage`` (records, index, workflows, the
``Cairn`` facade), ``cairn.api`` (the server) and ``cairn.cli`` (the command). This module and
``cairn.errors``, ``cairn.extras``, ``cairn.settings`` and ``cairn.files`` are the bottom layer:
they import no other part of Cairn, except for the lazy re-export here.
"""

from __future__ import annotations

# Not ``from typing import TYPE_CHECKING``: importing typing costs more than the rest of ``import
# cairn`` and ``cairn --version`` together (bench/startup.py); mypy takes this name as typing's.
TYPE_CHECKING = False

__version__ = "0.1.0"

# public name -> module that defines it
_PUBLIC = {
    "Cairn": "cairn.lineage.core",
    "CairnError": "cairn.errors",
    "BadInput": "cairn.errors",
    "NotFound": "cairn.errors",
    "IntegrityError": "cairn.errors",
    "RemoteError": "cairn.errors",
    "CID": "cairn.chunking.cid",
    "Access": "cairn.lineage.core",
    # the results the façade returns; each has to_json(), the form --json prints and REST returns
    "PublishResult": "cairn.lineage.core",
    "PullResult": "cairn.lineage.core",
    "VerifyReport": "cairn.lineage.core",
    "ArtifactInfo": "cairn.lineage.core",
    "LineageGraph": "cairn.lineage.core",
    "ClaimView": "cairn.lineage.core",
}

__all__ = [
    "CID", "Access", "ArtifactInfo", "BadInput", "Cairn", "CairnError", "ClaimView", "IntegrityError",
    "LineageGraph", "NotFound", "PublishResult", "PullResult", "RemoteError", "VerifyReport", "__version__",
]  # fmt: skip

if TYPE_CHECKING:
    from typing import Any

    from cairn.chunking.cid import CID
    from cairn.errors import BadInput, CairnError, IntegrityError, NotFound, RemoteError
    from cairn.lineage.core import (
        Access,
        ArtifactInfo,
        Cairn,
        ClaimView,
        LineageGraph,
        PublishResult,
        PullResult,
        VerifyReport,
    )


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'cairn' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
