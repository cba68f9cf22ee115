"""Option types shared by every command (huggingface_hub's habit: declare once, reuse)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", envvar="CAIRN_HOME", help="Cairn home folder (default ~/.cairn).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite or reuse where Cairn would refuse.")]
