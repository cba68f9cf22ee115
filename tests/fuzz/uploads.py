"""Hostile upload requests for the three routes that accept bytes: PUT /v1/blocks/{cid},
POST /v1/car and POST /v1/artifacts (multipart), each as (method, path, headers, body)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from hypothesis import strategies as st

from cairn.chunking.cid import CID, DAG_CBOR, DAG_PB, RAW
from cairn.chunking.multihash import SHA2_256
from cairn.chunking.varint import encode_varint
from tests.fuzz import strategies as fs
from tests.fuzz.mutate import mutate

BOUNDARY = "cairnfuzzboundary7MA4YWxkTrZu0gW"


@dataclass(frozen=True)
class Upload:
    method: str
    path: str
    body: bytes
    content_type: str | None = None

    def mutated(self, rng: random.Random) -> Upload:
        """The same request with its body, or (one time in eight) its path, mutated."""
        if rng.random() < 0.125:
            path = mutate(self.path.encode(), rng).decode("latin-1")
            if not path.startswith("/v1/"):  # keep it on the route under test: mutate what follows it
                path = self.path + path
            return Upload(self.method, path, self.body, self.content_type)
        return Upload(self.method, self.path, mutate(self.body, rng), self.content_type)


def _cid_text(codec: int, hash_code: int, digest: bytes) -> str:
    return str(CID(b"\x01" + encode_varint(codec) + encode_varint(hash_code) + encode_varint(len(digest)) + digest))


# CIDs Cairn must refuse: codecs and hashes it does not support, bad lengths, not CIDs at all.
UNSUPPORTED_CIDS = (
    _cid_text(0x0129, SHA2_256, bytes(32)),  # dag-json
    _cid_text(RAW, 0x00, b"inline!"),  # identity multihash
    _cid_text(RAW, 0x11, bytes(20)),  # sha1
    _cid_text(RAW, 0x13, bytes(64)),  # sha2-512
    _cid_text(RAW, 0xB220, bytes(32)),  # blake2b-256
    _cid_text(RAW, SHA2_256, bytes(31)),  # digest one byte short
    _cid_text(RAW, SHA2_256, bytes(2000)),  # a huge digest
    "bafy" + "a" * 100,
    "QmNotAValidCidButTheRightLengthForOneXXXXXXXXXX",
    "zzzz",
    "B" + "A" * 58,
)


@st.composite
def put_blocks(draw: st.DrawFn) -> Upload:
    body = draw(st.binary(max_size=300))
    choice = draw(st.integers(0, 3))
    if choice <= 1:  # the body's own CID: accepted and stored
        cid = str(CID.of(draw(st.sampled_from((RAW, DAG_PB, DAG_CBOR))), draw(fs.hashes), body))
    elif choice == 2:
        cid = draw(st.sampled_from(UNSUPPORTED_CIDS))
    else:
        cid = str(draw(fs.cids()))  # someone else's CID: a mismatch
    return Upload("PUT", f"/v1/blocks/{cid}", body, "application/vnd.ipld.raw")


def car_uploads(real_cars: list[bytes]) -> st.SearchStrategy[Upload]:
    """CARs drawn by the decoder strategies, and whole artifacts exported from a real home."""
    bodies = st.one_of(fs.cars().map(lambda drawn: drawn[0]), st.sampled_from(real_cars))
    return bodies.map(lambda body: Upload("POST", "/v1/car", body, "application/vnd.ipld.car"))


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, bytes]]) -> bytes:
    out = bytearray()
    for name, value in fields:
        out += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value.encode()
        out += b"\r\n"
    for filename, data in files:
        quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
        out += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{quoted}"\r\n'.encode()
        out += b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n"
    return bytes(out + f"--{BOUNDARY}--\r\n".encode())


upload_paths = st.one_of(
    fs.names,
    st.lists(fs.names, min_size=2, max_size=3).map("/".join),
    st.sampled_from(("a" * 300, "d/" + "b" * 256, "/abs/path", "x/../../../escape", "sub/", "a", "a/b", "a/b/c")),
)
form_values = st.one_of(st.text(max_size=12), st.sampled_from(("model", "dataset", "true", "false", "kubo", "")))


@st.composite
def artifact_uploads(draw: st.DrawFn) -> Upload:
    files = draw(st.lists(st.tuples(upload_paths, st.binary(max_size=64)), max_size=4))
    fields = []
    if draw(st.integers(0, 7)):
        fields.append(("name", draw(st.text(min_size=1, max_size=12) | st.sampled_from(fs.HOSTILE_NAMES))))
    for field in draw(st.lists(st.sampled_from(("version", "kind", "license", "private", "profile",
                                                 "derived_from")), max_size=3)):  # fmt: skip
        fields.append((field, draw(form_values)))
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    return Upload("POST", "/v1/artifacts", multipart(fields, files), content_type)
