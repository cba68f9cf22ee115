"""`cairn cid`, `publish`, `pull`, `verify`: getting content in and out, verified."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cairn.chunking.profiles import DEFAULT_PROFILE
from cairn.cli.commands.anchor import anchors_json, print_anchors
from cairn.cli.options import ForceOption, HomeOption, JsonOption
from cairn.cli.output import emit_json, human_bytes, notice, progress_bar

if TYPE_CHECKING:
    from cairn.chunking.cid import CID
    from cairn.lineage.workflows.verify import VerifyReport

ProfileOption = Annotated[
    str, typer.Option("--profile", help="native-v2 (default), native-v1, kubo or unixfs-v1-2025.", show_default=False)
]


def register(app: typer.Typer) -> None:
    app.command("cid")(cid)
    app.command("publish")(publish)
    app.command("pull")(pull)
    app.command("verify")(verify)


def cid(
    path: Annotated[Path, typer.Argument(help="File or folder to hash.")],
    profile: ProfileOption = DEFAULT_PROFILE,
    hash_name: Annotated[str | None, typer.Option("--hash", help="blake3 or sha2-256 (kubo profile).")] = None,
) -> None:
    """Print the CID PATH would get, storing nothing.

    Example: cairn cid ./model --profile kubo --hash sha2-256
    """
    from cairn.chunking.dag import discard
    from cairn.chunking.importer import import_path_for_cid
    from cairn.chunking.profiles import get_profile
    from cairn.settings import load_settings

    result = import_path_for_cid(path, get_profile(profile, hash_name), discard, load_settings().threads)
    print(result.root.cid)


def _parent_cid(text: str) -> CID:
    """A ``--derived-from`` value as a CID; the error says which option was malformed."""
    from cairn.chunking.cid import CID
    from cairn.errors import InvalidCID

    try:
        return CID.parse(text)
    except InvalidCID as exc:
        raise InvalidCID(f"--derived-from {text!r} is not a CID ({exc})") from exc


def _total_size(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return total


def publish(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders to publish.")],
    name: Annotated[str | None, typer.Option("--name", help="Name (default: the folder or file name).")] = None,
    version: Annotated[str | None, typer.Option("--version", help="Version label.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="model, dataset, code or other (guessed).")] = None,
    license_: Annotated[str | None, typer.Option("--license", help="SPDX license id.")] = None,
    private: Annotated[bool, typer.Option("--private", help="Never pinned publicly; served with a token.")] = False,
    profile: ProfileOption = DEFAULT_PROFILE,
    derived_from: Annotated[
        list[str] | None, typer.Option("--derived-from", help="CID of a parent artifact (repeatable).")
    ] = None,
    run: Annotated[Path | None, typer.Option("--run", help="run.json describing how this was made.")] = None,
    force: ForceOption = False,
    json_out: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Store files with their signed manifest; print the manifest CID.

    Example: cairn publish ./my-model --name my-model --version 1.0 --license apache-2.0
    """
    from cairn.lineage.records.runs import read_run_file
    from cairn.lineage.repo import Repo
    from cairn.lineage.workflows.publish import PublishOptions
    from cairn.lineage.workflows.publish import publish as do_publish

    options = PublishOptions(
        name=name, version=version, kind=kind, license=license_, private=private, profile=profile,
        derived_from=tuple(_parent_cid(c) for c in derived_from or []), force=force,
        run=read_run_file(run) if run is not None else None,
    )  # fmt: skip
    repo = Repo.open(home)
    with progress_bar("publishing", _total_size(paths), enabled=not json_out) as advance:
        result = do_publish(repo, paths, options, advance)
    if result.created_key:
        notice(f"created a signing key: {result.created_key}")
    if json_out:
        emit_json(_publish_json(result))
        return
    notice(f"published {result.name} ({result.kind}, {len(result.files)} files, "
           f"{human_bytes(result.bytes_total)}, {human_bytes(result.bytes_new)} new)")  # fmt: skip
    print(result.cid)


def _publish_json(result: Any) -> dict[str, Any]:
    return {
        "cid": str(result.cid),
        "name": result.name,
        "version": result.version,
        "kind": result.kind,
        "files": [{"path": f.path, "cid": str(f.cid), "size": f.size} for f in result.files],
        "bytes_total": result.bytes_total,
        "bytes_new": result.bytes_new,
        "run": str(result.run) if result.run else None,
        "name_record": str(result.name_record) if result.name_record else None,
    }


def pull(
    ref: Annotated[str, typer.Argument(metavar="CID|NAME[@VERSION]", help="What to pull.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Target folder (or file).")] = None,
    include: Annotated[list[str] | None, typer.Option("--include", help="Only paths matching GLOB.")] = None,
    from_: Annotated[list[str] | None, typer.Option("--from", help="Remote to fetch from if not local (ipfs).")] = None,
    with_ancestors: Annotated[bool, typer.Option("--with-ancestors", help="Fetch every ancestor too.")] = False,
    force: ForceOption = False,
    json_out: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Recreate the files of an artifact or UnixFS root, verifying every block.

    Example: cairn pull bafyr... -o ./model --include '*.json'
    """
    from cairn.lineage.repo import Repo
    from cairn.lineage.workflows.pull import pull as do_pull
    from cairn.lineage.workflows.resolve import resolve_anywhere
    from cairn.storage.remotes import open_remote
    from cairn.storage.union import UnionStore

    repo = Repo.open(home)
    remotes = [open_remote(r, repo.settings) for r in from_ or []]  # peer servers also resolve names
    target = resolve_anywhere(repo, UnionStore(repo.store, remotes), ref, remotes)
    with progress_bar("pulling", None, enabled=not json_out) as advance:
        _fetch_if_needed(repo, target, from_ or [], with_ancestors, advance)
        result = do_pull(repo, target, output, include or [], force, advance)
    if json_out:
        emit_json({
            "cid": str(result.cid), "output": str(result.output), "bytes": result.bytes_written,
            "files": [{"path": f.path, "cid": str(f.cid), "size": f.size} for f in result.files],
        })  # fmt: skip
        return
    notice(f"pulled {len(result.files)} files, {human_bytes(result.bytes_written)}")
    print(result.output)


def _fetch_if_needed(repo: Any, cid: Any, remotes: list[str], with_ancestors: bool, advance: Any) -> None:
    """Try each ``--from`` remote in turn until the artifact is whole in the local store."""
    from cairn.errors import CairnError, RemoteError
    from cairn.lineage.workflows.fetch import fetch_from, is_local

    failures: list[str] = []
    for remote in remotes:
        if is_local(repo, cid) and not with_ancestors:
            return
        try:
            fetch_from(repo, remote, cid, with_ancestors, advance)
            return
        except CairnError as exc:
            failures.append(f"{remote}: {exc}")
    if failures and not is_local(repo, cid):
        raise RemoteError("; ".join(failures))


def verify(
    ref: Annotated[str, typer.Argument(metavar="CID|NAME[@VERSION]", help="What to verify.")],
    require_trusted: Annotated[
        bool, typer.Option("--require-trusted", help="Fail unless every record is signed by a trusted DID.")
    ] = False,
    proof: Annotated[
        Path | None, typer.Option("--proof", help="Check only the anchor, from this proof file (no content needed).")
    ] = None,
    require_anchor: Annotated[
        bool, typer.Option("--require-anchor", help="Fail unless every record's anchor is confirmed on chain.")
    ] = False,
    json_out: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Re-hash every block, check every record and signature, walk every ancestor, check anchors.

    Reports each signer as trusted or not (`cairn trust list`). Exits 1 naming the first thing
    that failed. Example: cairn verify bafyr... --require-trusted
    """
    from cairn.lineage.records.trust import trusted_dids
    from cairn.lineage.repo import Repo
    from cairn.lineage.workflows.resolve import resolve
    from cairn.lineage.workflows.verify import TrustPolicy
    from cairn.lineage.workflows.verify import verify as do_verify

    if proof is not None:
        from cairn.cli.commands.anchor import verify_proof

        return verify_proof(ref, proof, json_out, home)
    from cairn.lineage.anchoring.anchor import AnchorChecker

    repo = Repo.open(home)
    target = resolve(repo, ref)
    anchors = AnchorChecker(repo, require_anchor)
    report = do_verify(repo.store, target, TrustPolicy(trusted_dids(repo.home), require_trusted), anchors)
    if json_out:
        emit_json(_verify_json(report, require_trusted))
    else:
        _print_verify(report)
    if not report.ok:
        if not json_out:
            notice(f"cairn: error: verification failed: {report.failures[0]}")
        raise typer.Exit(1)


def _verify_json(report: VerifyReport, require_trusted: bool) -> dict[str, Any]:
    signers = [{"record": str(s.record), "publisher": s.publisher, "valid": s.valid, "trusted": s.trusted}
               for s in report.signers]  # fmt: skip
    return {
        "cid": str(report.cid), "ok": report.ok, "blocks_checked": report.blocks_checked,
        "bytes_checked": report.bytes_checked, "failures": report.failures, "signers": signers,
        "require_trusted": require_trusted, "anchor": report.anchor_state, "anchors": anchors_json(report),
    }  # fmt: skip


def _print_verify(report: VerifyReport) -> None:
    for signer in report.signers:
        state = "valid" if signer.valid else "INVALID"
        trust = "trusted" if signer.trusted else "untrusted"
        print(f"signature {state}, {trust}: {signer.publisher} on {signer.record}")
    checked = f"{report.blocks_checked} blocks, {human_bytes(report.bytes_checked)}"
    print(f"checked {checked}; anchor: {report.anchor_state}")
    print_anchors(report)
    for failure in report.failures:
        print(f"FAILED: {failure}")
