"""`cairn doctor`: say what works (home, index, Kubo, Arweave gateway, chain RPC)."""

from __future__ import annotations

import typer

from cairn.cli.options import HomeOption, JsonOption
from cairn.cli.output import emit_json


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)


def doctor(json_out: JsonOption = False, home: HomeOption = None) -> None:
    """Check the configured services; exit 1 if one that is configured does not answer."""
    from cairn.lineage.workflows.doctor import run_checks
    from cairn.settings import load_settings

    checks = run_checks(load_settings(home))
    if json_out:
        emit_json([{"name": c.name, "ok": c.ok, "detail": c.detail} for c in checks])
    else:
        for check in checks:
            state = {True: "ok", False: "FAILED", None: "-"}[check.ok]
            print(f"{check.name:8s} {state:7s} {check.detail}")
    if any(check.ok is False for check in checks):
        raise typer.Exit(1)
