"""Run records: how an artifact was made (docs/formats.md, Run record): kind, inputs, code, parameters,
environment, metrics, start and end.

``--run run.json`` takes a JSON object with the run record's fields; every field but ``kind``
is optional. The run's inputs are the artifact's ``--derived-from`` parents, plus any extra
``inputs`` the file lists.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cairn.chunking.cid import CID
from cairn.errors import BadInput
from cairn.lineage.records.keys import SigningKey
from cairn.lineage.records.model import RECORD_VERSION, encode_record, finite, sign, sorted_refs

RUN_FIELDS = {
    "kind": str,
    "code": dict,
    "parameters": dict,
    "environment": dict,
    "metrics": dict,
    "started": str,
    "ended": str,
    "meta": dict,
    "inputs": list,
}
RUN_KINDS = ("train", "fine-tune", "evaluate", "preprocess", "merge", "quantize", "distill", "convert", "other")
CODE_FIELDS = {"repo": str, "commit": str, "artifact": str, "path": str}


def read_run_file(path: Path) -> dict[str, Any]:
    """Load and type-check a run.json; errors name the file and the field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise BadInput(f"{path} is not JSON: {exc}") from exc
    return check_run(data, str(path))


def check_run(data: Any, where: str = "run") -> dict[str, Any]:
    """The one check of a run's fields, whoever hands them in (``--run`` file, SDK, REST): an
    unknown field is refused, never silently dropped. ``where`` names the source in errors."""
    if not isinstance(data, dict):
        raise BadInput(f"{where} must be a JSON object")
    for key, value in data.items():
        expected = RUN_FIELDS.get(key)
        if expected is None:
            raise BadInput(f"{where}: unknown run field {key!r} (known: {', '.join(RUN_FIELDS)})")
        if not isinstance(value, expected):
            raise BadInput(f"{where}: run field {key!r} must be a JSON {expected.__name__}")
    if "kind" not in data:
        raise BadInput(f"{where}: a run needs a 'kind' ({', '.join(RUN_KINDS)})")
    if not data["kind"]:
        raise BadInput(f"{where}: 'kind' must not be empty")
    for key, value in data.get("code", {}).items():
        expected = CODE_FIELDS.get(key)
        if expected is None or not isinstance(value, expected):
            raise BadInput(f"{where}: code.{key} must be one of {', '.join(CODE_FIELDS)} as strings")
    return data


def run_body(run: dict[str, Any], inputs: list[CID]) -> dict[str, Any]:
    """The unsigned run record for ``run`` (from run.json) whose inputs are ``inputs``."""
    extra = [_parse_ref(text) for text in run.get("inputs", [])]
    code = dict(run.get("code", {}))
    if "artifact" in code:
        code["artifact"] = _parse_ref(code["artifact"]).raw
    return {
        "cairn": RECORD_VERSION,
        "type": "run",
        "kind": run["kind"],
        "inputs": sorted_refs(inputs + extra),
        "code": code,
        "parameters": finite(run.get("parameters", {})),
        "environment": finite(run.get("environment", {})),
        "metrics": finite(run.get("metrics", {})),
        "started": run.get("started"),
        "ended": run.get("ended"),
        "meta": finite(run.get("meta", {})),
    }


def _parse_ref(text: Any) -> CID:
    if not isinstance(text, str):
        raise BadInput("run inputs and code.artifact must be CID strings")
    return CID.parse(text)


def make_run_record(run: dict[str, Any], inputs: list[CID], key: SigningKey, hash_code: int) -> tuple[CID, bytes]:
    return encode_record(sign(run_body(run, inputs), key), hash_code)
