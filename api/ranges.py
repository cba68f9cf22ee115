"""HTTP Range and conditional requests for files served by CID (RFC 9110 §14, §13)."""

from __future__ import annotations

from dataclasses import dataclass

from cairn.api.errors import ApiError


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # exclusive

    @property
    def length(self) -> int:
        return self.end - self.start


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """One ``bytes=`` range, resolved against ``size``; ``None`` means the whole file.

    Multi-range requests are answered with the whole file (allowed by RFC 9110 §14.2).
    """
    if header is None:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, _, last = spec.strip().partition("-")
    try:
        if first == "":
            suffix = int(last)
            if suffix <= 0:
                raise ValueError
            return ByteRange(max(0, size - suffix), size) if size else _unsatisfiable(size)
        start = int(first)
        end = min(size, int(last) + 1) if last else size
    except ValueError:
        return None
    if start >= size or end <= start:
        _unsatisfiable(size)
    return ByteRange(start, end)


def _unsatisfiable(size: int) -> ByteRange:
    raise ApiError(416, "range_not_satisfiable", f"the file has {size} bytes", {"Content-Range": f"bytes */{size}"})


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags
