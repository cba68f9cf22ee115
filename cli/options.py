"""Option types shared by every command (huggingface_hub's habit: declare once, reuse)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from cairn.lineage.core import Cairn

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", envvar="CAIRN_HOME", help="Cairn home folder (default ~/.cairn).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite or reuse where Cairn would refuse.")]


def open_home(home: Path | None) -> Cairn:
    """The façade over ``--home`` (or ``$CAIRN_HOME``, ``~/.cairn``), as its owner: every command
    goes through it, so the CLI, the SDK and the server share one set of rules."""
    from cairn.lineage.core import Cairn

    return Cairn(home)
