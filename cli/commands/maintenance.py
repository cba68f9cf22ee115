"""`cairn fsck`, `cairn gc` and `cairn migrate`."""

from __future__ import annotations

from typing import Annotated

import typer

from cairn.cli.options import HomeOption, JsonOption, open_home
from cairn.cli.output import emit_json, human_bytes


def register(app: typer.Typer) -> None:
    app.command("fsck")(fsck)
    app.command("gc")(gc)
    app.command("migrate")(migrate)


def fsck(
    repair: Annotated[bool, typer.Option("--repair", help="Drop corrupt blocks so they can be restored.")] = False,
    reindex: Annotated[bool, typer.Option("--reindex", help="Rebuild the index from the records.")] = False,
    from_: Annotated[
        list[str] | None, typer.Option("--from", help="With --repair: remote to restore from (ipfs, arweave, URL).")
    ] = None,
    json_out: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Re-hash every block and check every artifact against the index; exit 1 on any problem."""
    report = open_home(home).fsck(repair=repair, reindex=reindex, remotes=from_ or [])
    if json_out:
        emit_json(report.to_json())
    else:
        for line in report.notes + report.repaired:
            print(line)
        for problem in report.problems:
            print(f"PROBLEM: {problem}")
        print(f"checked {report.blocks_checked} blocks and {report.artifacts_checked} artifacts: "
              + ("ok" if report.ok else f"{len(report.problems)} problems"))  # fmt: skip
    if not report.ok:
        raise typer.Exit(1)


def gc(json_out: JsonOption = False, home: HomeOption = None) -> None:
    """Remove blocks that no artifact or record references, and compact the packs."""
    result = open_home(home).gc()
    if json_out:
        emit_json(result.to_json())
        return
    print(f"removed {result.blocks_removed} blocks, reclaimed {human_bytes(result.bytes_reclaimed)}; "
          f"kept {result.blocks_kept}")  # fmt: skip


def migrate(json_out: JsonOption = False, home: HomeOption = None) -> None:
    """Create or upgrade the index schema (the home's SQLite file, or CAIRN_INDEX_URL).

    `cairn serve` does this at start too; run it by hand before starting replicas of a new version.
    Example: CAIRN_INDEX_URL=postgresql://cairn@db:5432/cairn cairn migrate
    """
    from cairn.lineage.repo import Repo

    index = Repo.open(home).index
    before, after = index.migrate()
    if json_out:
        emit_json({"index": index.where, "backend": index.dialect, "from_version": before, "to_version": after})
        return
    change = f"migrated from version {before} to {after}" if before != after else f"already at version {after}"
    print(f"index {index.where}: {change}")
