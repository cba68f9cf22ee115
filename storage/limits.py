"""How many bytes a block from elsewhere may take before it is refused, unread.

Every block from a remote is checked against its CID, but only once it has been read whole: a
remote answering with an endless body would fill memory first. So reads stop at the size no
honest source exceeds. For IPFS that is 2 MiB, the most Bitswap moves and the limit the
trustless gateway specification asks clients to accept; Cairn itself writes at most 1 MiB.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from cairn.errors import IntegrityError

MAX_REMOTE_BLOCK = 2 << 20
# A compressed block may exceed its raw size a little (frame headers); a stored-raw one does not.
MAX_REMOTE_PAYLOAD = MAX_REMOTE_BLOCK + (64 << 10)


def read_capped(chunks: Iterable[bytes], limit: int, source: str, what: str = "one block") -> bytes:
    """The bytes of ``chunks`` joined, or ``IntegrityError`` as soon as they pass ``limit``."""
    parts, total = [], 0
    for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise IntegrityError(f"{source} sent more than {limit} bytes for {what}; refused before reading on")
        parts.append(chunk)
    return b"".join(parts)


def read_head(chunks: Iterable[bytes], size: int) -> bytes:
    """The first ``size`` bytes of ``chunks``, the rest left unread (an error body's message)."""
    parts, total = [], 0
    for chunk in chunks:
        parts.append(chunk[: size - total])
        total += len(parts[-1])
        if total >= size:
            break
    return b"".join(parts)


def iter_capped_lines(chunks: Iterable[bytes], limit: int, source: str) -> Iterator[str]:
    """The lines of a streamed answer (``\\n``-separated, UTF-8), none allowed past ``limit`` bytes:
    a line-by-line reader would otherwise buffer an endless line whole."""
    partial: list[bytes] = []  # the line being read, in pieces (joined once, when it ends)
    size = 0
    for chunk in chunks:
        pieces = chunk.split(b"\n")
        if len(pieces) > 1:
            yield _text([*partial, pieces[0]])
            yield from (_text([piece]) for piece in pieces[1:-1])
            partial, size = [], 0
        partial.append(pieces[-1])
        size += len(pieces[-1])
        if size > limit:
            raise IntegrityError(f"{source} sent a line of more than {limit} bytes; refused before reading on")
    if size:
        yield _text(partial)


def _text(pieces: list[bytes]) -> str:
    return b"".join(pieces).decode("utf-8", errors="replace")
