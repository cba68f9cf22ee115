"""One table from error class to exit status; one line on stderr, never a traceback.

A traceback is shown only with ``CAIRN_DEBUG=1`` (for bugs, not for users' mistakes).
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any

from cairn.errors import BadInput, CairnError

EXIT_OK = 0
EXIT_FAILED = 1  # a check failed, a remote refused or failed, something was not found
EXIT_USAGE = 2  # bad input or usage

_EXIT_BY_CLASS: list[tuple[type[BaseException], int]] = [
    (BadInput, EXIT_USAGE),
    (CairnError, EXIT_FAILED),
]


def exit_code_for(exc: BaseException) -> int:
    for cls, code in _EXIT_BY_CLASS:
        if isinstance(exc, cls):
            return code
    return EXIT_FAILED


def _usage_error(exc: Any) -> int:
    """A usage error (an unknown option, a value out of range, a missing argument) as one line,
    like every error, naming the command's help; exit 2. Typer's own display took four lines."""
    if type(exc).__name__ == "NoArgsIsHelpError":  # `cairn car` alone: the group's help, as Typer shows it
        exc.show()
        return int(exc.exit_code)
    message = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    print(f"cairn: error: {message}{hint}", file=sys.stderr)
    return int(exc.exit_code)


def _is_usage_error(exc: BaseException) -> bool:
    """Click's ClickException family (Typer vendors its own copy of Click, so matched by shape)."""
    return all(hasattr(exc, name) for name in ("format_message", "exit_code", "show")) and not isinstance(
        exc, CairnError
    )


def report(exc: BaseException) -> int:
    """Print ``exc`` as one line on stderr; return the exit status it maps to."""
    if _is_usage_error(exc):
        return _usage_error(exc)
    if os.environ.get("CAIRN_DEBUG") == "1":
        import traceback

        traceback.print_exception(exc)
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        # Not a bug: the user's disk. Writes are staged, so nothing half-written became visible.
        message = f"the disk is full ({exc.strerror}); free some space and run the command again"
    elif not isinstance(exc, CairnError):
        message = f"internal error ({type(exc).__name__}): {message}; rerun with CAIRN_DEBUG=1 for details"
    print(f"cairn: error: {message}", file=sys.stderr)
    return exit_code_for(exc)
