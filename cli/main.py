"""Entry point: wires the command groups, nothing else. Heavy imports happen inside commands so
that `cairn --version` starts fast."""

from __future__ import annotations

import sys

INTERRUPTED = "cairn: error: interrupted; nothing half-written was made visible"


def build_app() -> object:
    import typer

    from cairn.cli.commands import (
        anchor,
        car,
        catalog,
        content,
        demo,
        doctor,
        keys,
        lineage_cmd,
        maintenance,
        names,
        pins,
        serve,
        tensor,
        trust,
        wallet,
    )

    app = typer.Typer(
        name="cairn",
        help="Content-addressed storage for ML models and datasets.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    content.register(app)
    catalog.register(app)
    maintenance.register(app)
    lineage_cmd.register(app)
    pins.register(app)
    serve.register(app)
    tensor.register(app)
    doctor.register(app)
    app.command("demo")(demo.demo)
    app.add_typer(car.app, name="car")
    app.add_typer(anchor.app, name="anchor")
    app.add_typer(keys.app, name="key")
    app.add_typer(names.app, name="name")
    app.add_typer(trust.app, name="trust")
    app.add_typer(wallet.app, name="wallet")
    return app


def run(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):
        from cairn import __version__

        print(f"cairn {__version__}")
        return 0
    import typer

    from cairn.cli.errors import report

    app = build_app()
    try:  # not standalone: Typer's usage errors come to report() too, to be one line like every error
        code = app(args=args, prog_name="cairn", standalone_mode=False)  # type: ignore[operator]
    except typer.Abort:  # a prompt whose answer could not be read
        print("cairn: error: aborted", file=sys.stderr)
        return 1
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return 130
    except Exception as exc:  # the one place every error becomes one line
        return report(exc)
    code = code if isinstance(code, int) else 0  # typer.Exit(n) comes back as n, a command's return as itself
    if code == 130:  # Typer turns Ctrl-C into Exit(130)
        print(INTERRUPTED, file=sys.stderr)
    return code


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
