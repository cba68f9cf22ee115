"""`cairn wallet new | import FILE | show`: the Arweave wallet that pays for permanent uploads.

The wallet is an RSA JWK kept at ``$CAIRN_HOME/keys/arweave.json`` with mode 0600 (or the file
``CAIRN_ARWEAVE_WALLET`` names, which then takes precedence). Only its address is ever printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cairn.cli.options import HomeOption, JsonOption
from cairn.cli.output import emit_json, notice

if TYPE_CHECKING:
    from cairn.lineage.repo import Repo

app = typer.Typer(help="The Arweave wallet that pays for `cairn pin --to arweave`.", no_args_is_help=True)

ForceReplace = Annotated[
    bool, typer.Option("--force", help="Replace the wallet in the home (its funds stay with the old key).")
]


def _home_wallet(home: Path | None) -> Path:
    from cairn.settings import resolve_home

    return resolve_home(home) / "keys" / "arweave.json"


def _warn_if_overridden(home: Path | None) -> None:
    from cairn.settings import load_settings

    settings = load_settings(home)
    if settings.arweave_wallet_set:
        notice(f"note: CAIRN_ARWEAVE_WALLET={settings.arweave_wallet} is set and is the wallet uploads use")


@app.command("new")
def new(force: ForceReplace = False, home: HomeOption = None) -> None:
    """Create an Arweave wallet (RSA-4096, mode 0600) in the home and print its address.

    Example: cairn wallet new   (then fund the address before `cairn pin CID --to arweave`)
    """
    from cairn.storage.arweave import new_jwk, write_jwk

    path = _home_wallet(home)
    wallet = write_jwk(path, new_jwk(), overwrite=force)
    notice(f"created an Arweave wallet at {path}; it needs funds before it can pay for uploads")
    _warn_if_overridden(home)
    print(wallet.address)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A JWK wallet file (as arweave.app or arweave-js write them).")],
    force: ForceReplace = False,
    home: HomeOption = None,
) -> None:
    """Copy an existing Arweave wallet into the home (mode 0600) and print its address.

    Example: cairn wallet import ~/Downloads/arweave-keyfile.json
    """
    from cairn.storage.arweave import read_jwk, write_jwk

    wallet = write_jwk(_home_wallet(home), read_jwk(file), overwrite=force)
    notice(f"imported the Arweave wallet into {_home_wallet(home)}")
    _warn_if_overridden(home)
    print(wallet.address)


@app.command("show")
def show(json_out: JsonOption = False, home: HomeOption = None) -> None:
    """Print the address of the wallet uploads use (and its balance when a gateway is set).

    Example: CAIRN_ARWEAVE_URL=http://127.0.0.1:1984 cairn wallet show --json
    """
    from cairn.lineage.repo import Repo
    from cairn.lineage.workflows.arweave_pin import load_wallet
    from cairn.storage.remotes import arweave_wallet_path

    repo = Repo.open(home)
    wallet = load_wallet(repo)
    balance = _balance(repo, wallet.address)
    if json_out:
        emit_json({"address": wallet.address, "path": str(arweave_wallet_path(repo.settings)), "balance": balance})
        return
    if balance is not None:
        notice(f"balance: {balance} winston")
    print(wallet.address)


def _balance(repo: Repo, address: str) -> int | None:
    """The balance at the configured gateway, or ``None`` when none is set or it cannot answer."""
    from cairn.errors import CairnError
    from cairn.lineage.workflows.arweave_pin import open_client

    if not repo.settings.arweave_url:
        return None
    try:
        with open_client(repo, retry=False) as client:
            return client.balance(address)
    except CairnError as exc:
        notice(f"balance unknown: {exc}")
        return None
