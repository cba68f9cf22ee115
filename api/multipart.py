"""A ``multipart/form-data`` body streamed into a folder: each file part written to its path there
as its bytes arrive, text fields kept (small) in memory.

FastAPI's ``File``/``Form`` parameters made Starlette parse the whole body before the route's
dependencies ran (auth came after the upload; ``cairn.api.limits``), and it spooled each file to
the system's temporary folder (a tmpfs on many hosts: memory), to be copied again into the
home. Here the route calls ``receive_form`` after its auth: a file is written once, straight into
the upload's staging folder in ``$CAIRN_HOME/tmp``, and every part's name, size and count is
bounded. A body that ends before its closing boundary is refused, not taken for what it held.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

from cairn.api.errors import ApiError
from cairn.api.limits import capped_stream
from cairn.storage.unixfs_read import safe_name

MAX_FILES = 1000  # what Starlette's form parser allowed
MAX_FIELDS = 1000
MAX_FIELD_BYTES = 64 << 10  # a text field: a name, a version, a CID
MAX_PART_HEAD = 16 << 10  # the headers of one part
WRITE_BATCH = 1 << 20  # bytes handed to the parser (and so to the disk) per thread-pool hop


@dataclass
class Form:
    """What a body held: text fields by name (repeatable), and the paths of the files written."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def text(self, name: str) -> str | None:
        """A field given at most once; an empty value counts as absent (as FastAPI's ``Form``)."""
        values = [v for v in self.fields.get(name, []) if v]
        if len(values) > 1:
            raise ApiError(400, "bad_request", f"form field {name!r} is given {len(values)} times")
        return values[0] if values else None

    def texts(self, name: str) -> list[str]:
        return [v for v in self.fields.get(name, []) if v]

    def flag(self, name: str) -> bool:
        value = (self.text(name) or "false").lower()
        if value in ("1", "true", "t", "yes", "y", "on"):
            return True
        if value in ("0", "false", "f", "no", "n", "off"):
            return False
        raise ApiError(400, "bad_request", f"form field {name!r} must be true or false, not {value[:40]!r}")


async def receive_form(request: Request, folder: Path, file_field: str, limit: int) -> Form:
    """Parse the request's multipart body into ``folder`` (which must exist and be empty); the
    files of ``file_field`` are written under their ``filename`` (checked name by name)."""
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise ApiError(400, "bad_request", "the body must be multipart/form-data with a boundary")
    sink = _FolderSink(folder, file_field)
    try:
        parser = MultipartParser(boundary, sink.callbacks())
        batch = bytearray()
        async for chunk in capped_stream(request, limit):
            batch += chunk
            if len(batch) >= WRITE_BATCH:
                await run_in_threadpool(parser.write, bytes(batch))
                batch.clear()
        if batch:
            await run_in_threadpool(parser.write, bytes(batch))
    except FormParserError as exc:
        raise ApiError(400, "bad_request", f"malformed multipart body: {exc}") from None
    finally:
        sink.close()
    if not sink.ended:
        raise ApiError(400, "bad_request", "the multipart body ends before its closing boundary")
    return sink.form


class _FolderSink:
    """The parser's callbacks: they run inside ``MultipartParser.write``, in a worker thread."""

    def __init__(self, folder: Path, file_field: str) -> None:
        self.folder, self.file_field = folder, file_field
        self.form = Form()
        self.ended = False
        self.fields = 0
        self._head = bytearray()
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._disposition = b""
        self._name = ""
        self._text: bytearray | None = None
        self._out: BinaryIO | None = None

    def callbacks(self) -> Any:  # python_multipart's MultipartCallbacks, a TypedDict it defines for type checkers only
        return {
            "on_part_begin": self._begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._end,
            "on_end": self._finished,
        }

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def _begin(self) -> None:
        self._head.clear()
        self._disposition = b""
        self._text = None

    def _grow_head(self, data: bytes, start: int, end: int, into: bytearray) -> None:
        into += data[start:end]
        self._head += data[start:end]
        if len(self._head) > MAX_PART_HEAD:
            raise ApiError(413, "too_large", f"the headers of one part are limited to {MAX_PART_HEAD} bytes")

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._grow_head(data, start, end, self._header_name)

    def _header_data(self, data: bytes, start: int, end: int) -> None:
        self._grow_head(data, start, end, self._header_value)

    def _header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            self._disposition = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if b"name" not in options:
            raise ApiError(400, "bad_request", "a form part without a name (Content-Disposition: form-data; name=...)")
        self._name = _decode(options[b"name"])
        if b"filename" in options:
            if self._name != self.file_field:
                raise ApiError(400, "bad_request", f"files go in {self.file_field!r}, not {self._name[:60]!r}")
            if len(self.form.files) >= MAX_FILES:
                raise ApiError(413, "too_large", f"an upload holds at most {MAX_FILES} files")
            self._out = self._create(_decode(options[b"filename"]))
            return
        if self._name == self.file_field:
            raise ApiError(400, "bad_request", f"{self.file_field!r} parts must be files (with a filename)")
        self.fields += 1
        if self.fields > MAX_FIELDS:
            raise ApiError(413, "too_large", f"an upload holds at most {MAX_FIELDS} form fields")
        self._text = bytearray()

    def _create(self, rel: str) -> BinaryIO:
        parts = rel.split("/")
        for part in parts:
            safe_name(part)  # UnsafePath: a 400 through the error table
        dest = self.folder.joinpath(*parts)
        try:  # exclusive create: a name used twice, or used both as a file and as a folder, is refused
            dest.parent.mkdir(parents=True, exist_ok=True)
            out = open(dest, "xb")  # noqa: SIM115 - closed at the part's end, or by close()
        except OSError as exc:  # also a name too long for any file system (over 255 bytes)
            raise ApiError(400, "bad_request", f"cannot store an upload named {rel[:100]!r}: {exc.strerror}") from None
        self.form.files.append(rel)
        return out

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._out is not None:
            self._out.write(data[start:end])
        elif self._text is not None:
            self._text += data[start:end]
            if len(self._text) > MAX_FIELD_BYTES:
                raise ApiError(413, "too_large", f"a form field is limited to {MAX_FIELD_BYTES} bytes")

    def _end(self) -> None:
        if self._out is not None:
            self.close()
        elif self._text is not None:
            self.form.fields.setdefault(self._name, []).append(_decode(bytes(self._text)))
            self._text = None

    def _finished(self) -> None:
        self.ended = True


def _decode(data: bytes) -> str:
    """As Starlette decodes form text: UTF-8, else Latin-1 (every byte is a character)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
