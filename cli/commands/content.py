"""`cairn cid`, `publish`, `pull`, `verify`: getting content in and out, verified."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cairn.chunking.profiles import DEFAULT_PROFILE
from cairn.cli.commands.anchor import print_anchors
from cairn.cli.options import ForceOption, HomeOption, JsonOption, open_home
from cairn.cli.output import emit_json, human_bytes, notice, progress_bar

if TYPE_CHECKING:
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
        list[str] | None, typer.Option("--derived-from", help="CID or NAME[@VERSION] of a parent (repeatable).")
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

    cairn = open_home(home)
    with progress_bar("publishing", _total_size(paths), enabled=not json_out) as advance:
        result = cairn.publish(
            *paths, name=name, version=version, kind=kind, license=license_, private=private, profile=profile,
            derived_from=list(derived_from or []), run=read_run_file(run) if run is not None else None,
            force=force, progress=advance,
        )  # fmt: skip
    if result.created_key:
        notice(f"created a signing key: {result.created_key}")
    if json_out:
        emit_json(result.to_json())
        return
    notice(f"published {result.name} ({result.kind}, {len(result.files)} files, "
           f"{human_bytes(result.bytes_total)}, {human_bytes(result.bytes_new)} new)")  # fmt: skip
    print(result.cid)


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
    cairn = open_home(home)
    with progress_bar("pulling", None, enabled=not json_out) as advance:
        result = cairn.pull(ref, output, include=include or [], remotes=from_ or [], with_ancestors=with_ancestors,
                            force=force, progress=advance)  # fmt: skip
    if json_out:
        emit_json(result.to_json())
        return
    notice(f"pulled {len(result.files)} files, {human_bytes(result.bytes_written)}")
    print(result.output)


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
    if proof is not None:
        from cairn.cli.commands.anchor import verify_proof

        return verify_proof(ref, proof, json_out, home)
    report = open_home(home).verify(ref, require_trusted=require_trusted, require_anchor=require_anchor)
    if json_out:
        emit_json(report.to_json())
    else:
        _print_verify(report)
    if not report.ok:
        if not json_out:
            notice(f"cairn: error: verification failed: {report.failures[0]}")
        raise typer.Exit(1)


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
