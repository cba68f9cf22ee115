"""`cairn tensor`: save one tensor of a published model as .npy, fetching only its blocks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cairn.cli.options import HomeOption, JsonOption
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
    import numpy as np

    from cairn.lineage.repo import Repo
    from cairn.lineage.workflows.resolve import resolve
    from cairn.lineage.workflows.tensors import find_tensor, load_tensor
    from cairn.storage.remotes import open_remote
    from cairn.storage.union import UnionStore

    repo = Repo.open(home)
    cid = resolve(repo, ref)
    store = UnionStore(repo.store, [open_remote(r, repo.settings) for r in from_ or []])
    array = load_tensor(store, cid, file, name)
    np.save(output, array)
    info = find_tensor(store, cid, file, name)
    if json_out:
        emit_json({"tensor": name, "dtype": info.dtype, "shape": list(info.shape), "bytes": info.end - info.start,
                   "bytes_fetched": store.bytes_fetched, "output": str(output)})  # fmt: skip
        return
    notice(f"{name}: {info.dtype}{list(info.shape)}, {human_bytes(info.end - info.start)}; "
           f"fetched {human_bytes(store.bytes_fetched)} from remotes")  # fmt: skip
    print(output)
