"""Where to cut a byte buffer into blocks.

A chunker maps a buffer to ``(offset, length)`` spans that cover it in order. Cut points depend
only on the bytes, so the same input always gives the same blocks and the same CIDs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from cairn.errors import BadInput

MAX_BLOCK = 1024 * 1024  # docs/formats.md, Blocks and CIDs: no block is ever over 1 MiB


class Chunker(Protocol):
    @property
    def name(self) -> str: ...

    def spans(self, buf: memoryview) -> Iterator[tuple[int, int]]: ...


@dataclass(frozen=True)
class FixedChunker:
    """Cut every ``size`` bytes, as ``ipfs add --chunker=size-N`` does."""

    size: int

    def __post_init__(self) -> None:
        if not 1 <= self.size <= MAX_BLOCK:
            raise BadInput(f"chunk size must be between 1 and {MAX_BLOCK} bytes")

    @property
    def name(self) -> str:
        return f"fixed-{self.size}"

    def spans(self, buf: memoryview) -> Iterator[tuple[int, int]]:
        total = len(buf)
        for offset in range(0, total, self.size):
            yield offset, min(self.size, total - offset)


@dataclass(frozen=True)
class CDCChunker:
    """FastCDC-2020 as pyfastcdc 0.3 implements it; its cut loop runs without the GIL."""

    avg_size: int = 262144
    min_size: int = 65536
    max_size: int = 1048576
    normalized_chunking: int = 1
    seed: int = 0

    @property
    def name(self) -> str:
        return "fastcdc"

    def spans(self, buf: memoryview) -> Iterator[tuple[int, int]]:
        from pyfastcdc import FastCDC

        cdc = FastCDC(
            self.avg_size,
            min_size=self.min_size,
            max_size=self.max_size,
            normalized_chunking=self.normalized_chunking,  # type: ignore[arg-type]
            seed=self.seed,
        )
        for chunk in cdc.cut_buf(buf):
            yield chunk.offset, chunk.length


def chunker_from_name(name: str) -> Chunker:
    """``fastcdc`` or ``fixed-N`` (the names recorded in profiles)."""
    if name == "fastcdc":
        return CDCChunker()
    if name.startswith("fixed-") and name[6:].isdigit():
        return FixedChunker(int(name[6:]))
    raise BadInput(f"unknown chunker {name!r} (use fastcdc or fixed-N)")
