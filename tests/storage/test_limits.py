"""Reading from remotes with a cap: whole answers, error heads and JSON lines."""

from __future__ import annotations

import pytest

from cairn.errors import IntegrityError
from cairn.storage.limits import iter_capped_lines, read_capped, read_head

LINES = b'{"a":1}\n{"b":2}\n\n{"c":3}'


@pytest.mark.parametrize("step", [1, 2, 3, 7, 100])
def test_lines_come_out_whole_however_the_stream_is_cut(step: int) -> None:
    chunks = [LINES[i : i + step] for i in range(0, len(LINES), step)]
    assert list(iter_capped_lines(chunks, 100, "src")) == ['{"a":1}', '{"b":2}', "", '{"c":3}']


def test_a_line_past_the_limit_is_refused_before_it_ends() -> None:
    def endless() -> object:
        while True:
            yield b"x" * 10

    with pytest.raises(IntegrityError, match="src sent a line of more than 50 bytes"):
        list(iter_capped_lines(endless(), 50, "src"))  # type: ignore[arg-type]


def test_an_answer_may_be_exactly_the_limit_but_not_a_byte_more() -> None:
    assert read_capped([b"ab", b"cd"], 4, "src") == b"abcd"
    with pytest.raises(IntegrityError, match="more than 3 bytes for one block"):
        read_capped([b"ab", b"cd"], 3, "src")


def test_an_error_body_is_read_only_as_far_as_its_head() -> None:
    read = []

    def chunks() -> object:
        for part in (b"abc", b"def", b"ghi"):
            read.append(part)
            yield part

    assert read_head(chunks(), 4) == b"abcd"  # type: ignore[arg-type]
    assert read == [b"abc", b"def"]  # the third chunk was never asked for
