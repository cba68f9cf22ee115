"""The one error tree of Cairn.

Each layer raises its own subclass; the command line maps each class to one line and an exit
code in a single table (``cli/errors.py``), the API maps them to HTTP statuses.

    CairnError
    ├── BadInput (ValueError)             exit 2: the caller gave something unusable
    │   ├── InvalidCID
    │   ├── UnsupportedFormat             a codec, hash or record version Cairn does not read
    │   ├── CorruptInput                  a file or stream that does not parse (safetensors, CAR, dag-pb)
    │   ├── UnsafePath                    `..`, absolute paths, `/` in names, links leaving a folder
    │   ├── Conflict                      name@version reused, target folder not empty
    │   └── MissingExtra                  a feature whose optional packages are not installed
    ├── NotFound (KeyError)               exit 1: nobody has it
    │   └── BlockNotFound
    ├── IntegrityError                    exit 1: bytes do not hash to their CID, bad signature
    └── RemoteError                       exit 1: a remote refused or could not be reached
        └── RemoteUnavailable
"""

from __future__ import annotations


class CairnError(Exception):
    """Root of every error Cairn raises on purpose."""


class BadInput(CairnError, ValueError):
    """The caller gave a path, CID, file or option that Cairn cannot use."""


class InvalidCID(BadInput):
    """A string or byte sequence that is not a well-formed CID."""


class UnsupportedFormat(BadInput):
    """Well-formed, but a codec, hash function or record version Cairn does not support."""


class CorruptInput(BadInput):
    """Input that claims a format but does not follow it (truncated header, bad varint, ...)."""


class UnsafePath(BadInput):
    """A path that would escape its folder or cannot be represented safely."""


class Conflict(BadInput):
    """The request contradicts existing state (a name reused, a target folder not empty)."""


class MissingExtra(BadInput):
    """A feature that needs an optional extra of ``cairn-store`` (``cairn.extras``) that is not installed."""


class NotFound(CairnError, KeyError):
    """Something asked for by name or CID that no store has."""

    def __str__(self) -> str:  # KeyError quotes its argument; we want the plain message
        return str(self.args[0]) if self.args else "not found"


class BlockNotFound(NotFound):
    """A block that no store or remote has."""


class IntegrityError(CairnError):
    """Bytes that do not hash to their CID, a record that is not canonical, a bad signature."""


class RemoteError(CairnError):
    """A remote (Kubo, Arweave, a chain, a peer) refused a request or answered nonsense."""


class RemoteUnavailable(RemoteError):
    """A remote that could not be reached at all."""
