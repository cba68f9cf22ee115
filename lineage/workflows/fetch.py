"""Bringing an artifact into the local store from a remote (`pull --from`): its record, content,
run record and, on request, its ancestors; every block verified by the remote's ``get``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cairn.chunking.cid import CID, DAG_CBOR
from cairn.errors import CairnError, IntegrityError, RemoteError
from cairn.lineage.records.admission import Refused, admit
from cairn.lineage.records.model import decode_record, record_refs
from cairn.lineage.repo import Repo
from cairn.redact import redact_url
from cairn.storage.dagwalk import walk_cids


def fetch_from(repo: Repo, remote_name: str, cid: CID, with_ancestors: bool,
               progress: Callable[[int], None] | None = None) -> int:  # fmt: skip
    """Bring an artifact (record, content, run, maybe ancestors) into the local store from a
    remote, every block verified; index the records that pass admission, and fail naming those
    that do not. Returns the number of blocks fetched."""
    from cairn.storage.remotes import open_remote
    from cairn.storage.transfer import fetch_dag

    remote = open_remote(remote_name, repo.settings)
    moved = 0
    pending, done, records = [cid], set(), []
    refused = []
    with repo.writing():  # gc waits until the records' rows keep what was fetched (or found here)
        while pending:
            root = pending.pop()
            if root.raw in done:
                continue
            done.add(root.raw)
            if root.codec == DAG_CBOR:  # the record first: a refused one costs no content
                # Read, not stored: the record is written with its DAG below, all or nothing.
                data = repo.store.get(root) if repo.store.has(root) else remote.get(root)
                record = decode_record(root, data)
                verdict = admit(record)
                if isinstance(verdict, Refused):
                    raise IntegrityError(f"{remote_name} served a record this home refuses: {verdict.cid}: "
                                         f"{verdict.reason}")  # fmt: skip
                pending += _refs_or_empty(record.body, with_ancestors)
                records.append(record)
            moved += fetch_dag(remote, repo.store, [root], progress).moved
        for record in reversed(records):  # ancestors and runs first: an artifact shows once all it needs is here
            verdict = repo.index.add_signed(record)
            if isinstance(verdict, Refused):
                refused.append(verdict)
    if refused:  # kept as blocks, never counted: the remote served records this home refuses
        raise IntegrityError(f"{remote_name} served records this home refuses: "
                             + "; ".join(f"{r.cid}: {r.reason}" for r in refused))  # fmt: skip
    return moved


def _refs_or_empty(body: dict[str, object], with_ancestors: bool) -> list[CID]:
    try:
        return record_refs(dict(body), with_ancestors)
    except CairnError:
        return []


def is_local(repo: Repo, cid: CID) -> bool:
    """Whether every block of ``cid``'s own DAG is in the local store."""
    try:
        for _ in walk_cids(repo.store, cid):
            pass
    except CairnError:
        return False
    return True


def fetch_first(repo: Repo, cid: CID, remotes: Sequence[str], with_ancestors: bool = False,
                progress: Callable[[int], None] | None = None) -> None:  # fmt: skip
    """Try each remote in turn until ``cid`` (and, if asked, its ancestors) is in the local store;
    a remote that fails is skipped, and only when none gave it is the error raised."""
    failures: list[str] = []
    for remote in remotes:
        if is_local(repo, cid) and not with_ancestors:
            return
        try:
            fetch_from(repo, remote, cid, with_ancestors, progress)
            return
        except CairnError as exc:
            failures.append(f"{redact_url(remote)}: {exc}")
    if failures and not is_local(repo, cid):
        raise RemoteError("; ".join(failures))
