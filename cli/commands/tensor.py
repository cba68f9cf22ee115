"""`cairn tensor`: save one tensor of a published model as .npy, fetching only its blocks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cairn.cli.options import HomeOption, JsonOption, open_home
from cairn.cli.output import emit_json, human_bytes, notice


def register(app: typer.Typer) -> None:
    app.command("tensor")(tensor)


def tensor(
    ref: Annotated[str, typer.Argument(metavar="CID|NAME[@VERSION]")],
    file: Annotated[str, typer.Argument(help="The safetensors file inside the artifact.")],
    name: Annotated[str, typer.Argument(help="The tensor's name.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the .npy file.")],
    from_: Annotated[list[str] | None, typer.Option("--from", help="Remote to fetch blocks from if not local.")] = None,
    json_out: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Write one tensor as .npy. Example: cairn tensor my-model@1 model.safetensors lm_head.weight -o w.npy"""
    import dataclasses

    import numpy as np

    read = open_home(home).tensor_read(ref, file, name, remotes=from_ or [])
    np.save(output, read.array)
    info = read.ref
    if json_out:
        emit_json(dataclasses.replace(read, output=output).to_json())
        return
    notice(f"{name}: {info.dtype}{list(info.shape)}, {human_bytes(info.end - info.start)}; "
           f"fetched {human_bytes(read.bytes_fetched)} from remotes")  # fmt: skip
    print(output)
