"""`cairn serve` and `cairn token`: run the API, and manage who may use it."""

from __future__ import annotations

import socket
from typing import Annotated

import typer

from cairn.cli.options import HomeOption, JsonOption, open_home
from cairn.cli.output import emit_json
from cairn.errors import BadInput

token_app = typer.Typer(help="API tokens (stored hashed; shown once).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(token_app, name="token")


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to bind.")] = 8080,
    private_reads: Annotated[
        bool, typer.Option("--private-reads", help="Require a read token for every read.")
    ] = False,
    max_upload: Annotated[
        int | None,
        typer.Option("--max-upload-bytes", min=1, help="Largest upload or pushed CAR, in bytes [default: 10 GiB]."),
    ] = None,
    cors: Annotated[
        list[str] | None, typer.Option("--cors-origin", help="Allowed browser origin (repeatable).")
    ] = None,
    timeout: Annotated[
        int,
        typer.Option("--timeout", min=1, help="Seconds an idle connection is kept, and a silent upload waited for."),
    ] = 30,
    head_timeout: Annotated[
        float, typer.Option("--header-timeout", min=0.1, help="Seconds a client has to send a whole request head.")
    ] = 10,
    home: HomeOption = None,
) -> None:
    """Serve REST v1 and the trustless gateway over this home.

    Example: cairn serve --port 8080 (writes need `cairn token new --scope write`)
    """
    from cairn.extras import require

    require("server", "cairn serve")
    import uvicorn

    from cairn.api.app import create_app
    from cairn.api.deps import ServerConfig
    from cairn.api.http_timeouts import guarded_protocol
    from cairn.api.limits import DEFAULT_MAX_UPLOAD_BYTES
    from cairn.lineage.repo import Repo
    from cairn.settings import load_settings

    upload_limit = max_upload or DEFAULT_MAX_UPLOAD_BYTES
    config = ServerConfig(
        load_settings(home),
        public_reads=not private_reads,
        max_upload_bytes=upload_limit,
        cors_origins=tuple(cors or ()),
    )
    Repo(config.settings).index.migrate()  # replicas starting together migrate once (schema.py holds a lock)
    listening = _listen(host, port)  # a host or port that cannot be had is one line, exit 2, not uvicorn's log
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config),
            log_level="warning",
            timeout_keep_alive=timeout,
            h11_max_incomplete_event_size=64 * 1024,  # request line plus headers: 64 KiB at most
            http=guarded_protocol(head_timeout, timeout),  # slow clients are cut off (api/http_timeouts.py)
        )
    )
    server.run(sockets=[listening])
    if not server.started:  # the app did not start (uvicorn logged why), as uvicorn.run exits
        raise SystemExit(3)


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound as uvicorn binds one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise BadInput(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


@token_app.command("new")
def token_new(
    scope: Annotated[str, typer.Option("--scope", help="read, write or admin.")] = "read",
    json_out: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Create a token and print it once, alone on the last line."""
    token, info = open_home(home).new_token(scope)
    if json_out:
        emit_json({"id": info.id, "scope": info.scope, "token": token})
        return
    print(f"token {info.id} ({info.scope}); it is shown only now:", flush=True)
    print(token)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[str, typer.Argument(metavar="ID")], home: HomeOption = None) -> None:
    """Revoke a token by its id."""
    open_home(home).revoke_token(token_id)
    print(f"revoked {token_id}")


@token_app.command("list")
def token_list(json_out: JsonOption = False, home: HomeOption = None) -> None:
    """List tokens (ids and scopes; secrets are not stored)."""
    from dataclasses import asdict

    tokens = open_home(home).tokens()
    if json_out:
        emit_json([asdict(t) for t in tokens])
        return
    for t in tokens:
        print(f"{t.id}  {t.scope:5s}  {'revoked' if t.revoked_at else 'active'}")
