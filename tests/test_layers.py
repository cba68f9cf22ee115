"""Cairn's layers, read from the source: every import points down, and no imports go round in a circle.

    cairn  <  chunking, contracts  <  storage  <  lineage  <  api, cli

and inside lineage

    records  <  index  <  repo  <  anchoring  <  workflows  <  interop  <  core

A module may import its own layer and every layer below it, never one above. The two front ends
do not import each other, with one exception: ``cairn serve`` (cli/commands/serve.py) imports the
server inside its function, because the server is an extra (fastapi) that the rest of the
command must not need. cairn/__main__.py (``python -m cairn``) is the command, so it sits with
cli. The one upward reference is the lazy re-export of ``Cairn`` (cairn.lineage.core) and ``CID``
(cairn.chunking.cid) in cairn/__init__.py. The folders are imported by their cairn.* names only
(ruff bans ``import storage``; this catches ``resources.files("storage")`` too).

Every import counts: at module level, inside functions, under ``TYPE_CHECKING``, absolute or
relative, and a literal name given to ``importlib.import_module`` or ``importlib.resources.files``.
The cycle check reads them all too: an import moved into a function hides a cycle from Python, not
from the reader, and a lazy import here exists to keep start-up fast or an extra optional, never to
break a cycle. docs/architecture.md describes the layers.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CAIRN = Path(__file__).resolve().parents[1] / "cairn"

# Lowest first. A module belongs to the longest name here that is it or a package above it, so a new
# module in lineage/ starts at the bottom of lineage, and a new folder at the bottom of everything.
LAYERS = [
    ["cairn"],  # cairn/__init__.py, errors.py, settings.py, files.py, redact.py: the error root and settings
    ["cairn.chunking", "cairn.contracts"],  # contracts: the anchor contract's build, data only
    ["cairn.storage"],
    ["cairn.lineage", "cairn.lineage.records"],
    ["cairn.lineage.index"],
    ["cairn.lineage.repo"],
    ["cairn.lineage.anchoring"],
    ["cairn.lineage.workflows"],
    ["cairn.lineage.interop"],
    ["cairn.lineage.core"],
    ["cairn.api", "cairn.cli", "cairn.__main__"],  # __main__ is `python -m cairn`: the command
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
LAZY_RE_EXPORT = {("cairn", "cairn.lineage.core"), ("cairn", "cairn.chunking.cid")}
OLD_TOP_LEVEL = {"chunking", "storage", "lineage", "api", "cli", "contracts"}  # the folders, before cairn.*
NAME_CALLS = {"import_module", "importlib.import_module", "resources.files", "importlib.resources.files"}


@dataclass(frozen=True)
class Import:
    importer: str  # module names: cairn.lineage.repo
    imported: str
    where: str  # the importing file, as the repository holds it, and the line: lineage/repo.py:12
    in_function: bool


def modules(top: Path) -> dict[str, Path]:
    """Every module under ``top`` (a ``cairn/`` folder) by its import name, the folder links followed."""
    found = {}
    for folder, _, files in os.walk(top, followlinks=True):
        for file in files:
            if file.endswith(".py"):
                parts = Path(folder, file).relative_to(top.parent).with_suffix("").parts
                found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = Path(folder, file)
    return found


def read_imports(top: Path) -> list[Import]:
    """Every import of a Cairn module (or of an old top-level name) in every module under ``top``."""
    known = modules(top)
    found = []
    for importer, path in sorted(known.items()):
        package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
        where = path.resolve().relative_to(top.parent.resolve())
        for node, in_function in _walk(ast.parse(path.read_text(encoding="utf-8"))):
            for imported in _imported_names(node, package, known):
                if imported.partition(".")[0] in {"cairn", *OLD_TOP_LEVEL}:
                    found.append(Import(importer, imported, f"{where}:{node.lineno}", in_function))
    return found


def _walk(node: ast.AST, in_function: bool = False) -> Iterator[tuple[ast.stmt | ast.expr, bool]]:
    """Every statement and expression below ``node``, and whether it sits inside a function."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.stmt | ast.expr):
            yield child, in_function
        yield from _walk(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))


def _imported_names(node: ast.stmt | ast.expr, package: str, known: dict[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:  # from . import x, from ..y import z: counted from the importer's package
            above = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*above, *([node.module] if node.module else [])])
        return [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]  # a submodule?
    if isinstance(node, ast.Call) and ast.unparse(node.func) in NAME_CALLS and node.args:
        name = node.args[0]
        return [name.value] if isinstance(name, ast.Constant) and isinstance(name.value, str) else []
    return []


def layer(module: str) -> str:
    """The entry of LAYERS ``module`` belongs to: the longest that is it or a package above it."""
    parts = module.split(".")
    return next(".".join(parts[:n]) for n in range(len(parts), 0, -1) if ".".join(parts[:n]) in RANK)


def layer_violations(imports: list[Import]) -> list[str]:
    found = []
    for imp in imports:
        if imp.imported.partition(".")[0] in OLD_TOP_LEVEL:
            found.append(f"{imp.where}: imports {imp.imported}, an old top-level name: use cairn.{imp.imported}")
            continue
        if (imp.importer, imp.imported) in LAZY_RE_EXPORT:
            continue
        below, above = layer(imp.importer), layer(imp.imported)
        if RANK[above] > RANK[below]:
            found.append(f"{imp.where}: imports {imp.imported}: layer {below} is below {above}")
        elif {below, above} == {"cairn.api", "cairn.cli"} and not _serve_starts_the_server(imp):
            found.append(f"{imp.where}: imports {imp.imported}: the front ends {below} and {above} are independent")
    return found


def _serve_starts_the_server(imp: Import) -> bool:
    return imp.importer == "cairn.cli.commands.serve" and layer(imp.imported) == "cairn.api" and imp.in_function


def import_cycles(imports: list[Import]) -> list[str]:
    """A line for each cycle found (at least one for every knot), step by step; the lazy re-export is no part of it."""
    graph: dict[str, dict[str, Import]] = {}
    for imp in imports:
        if (imp.importer, imp.imported) not in LAZY_RE_EXPORT:
            graph.setdefault(imp.importer, {}).setdefault(imp.imported, imp)
    found: list[str] = []
    seen: set[str] = set()

    def visit(module: str, trail: list[Import]) -> None:  # depth first; each module is entered once
        on_trail = [step.importer for step in trail]
        if module in on_trail:
            loop = trail[on_trail.index(module) :]
            found.append("import cycle: " + ", then ".join(f"{s.where} imports {s.imported}" for s in loop))
        elif module not in seen:
            seen.add(module)
            for step in graph.get(module, {}).values():
                visit(step.imported, [*trail, step])

    for module in sorted(graph):
        visit(module, [])
    return found


def test_the_checker_reads_every_module_through_the_folder_links() -> None:
    found = set(modules(CAIRN))
    assert {"cairn", "cairn.settings", "cairn.__main__", "cairn.contracts", "cairn.chunking.cid"} <= found
    assert {"cairn.storage.chain", "cairn.lineage.records.model", "cairn.api.app", "cairn.cli.commands.serve"} <= found


def test_every_import_points_down_the_layers() -> None:
    found = layer_violations(read_imports(CAIRN))
    assert not found, "\n".join(found)


def test_no_imports_go_round_in_a_circle() -> None:
    found = import_cycles(read_imports(CAIRN))
    assert not found, "\n".join(found)


def test_the_checker_reports_violations_planted_in_a_small_tree(tmp_path: Path) -> None:
    files = {
        "cairn/__init__.py": "if TYPE_CHECKING:\n    from cairn.lineage.core import Cairn\n",  # the lazy re-export
        "chunking/a.py": "from cairn.chunking import b\n",
        "chunking/b.py": "def later():\n    import cairn.chunking.a\n",
        "storage/blocks.py": "import os\n\nfrom cairn.lineage.repo import Repo\n",
        "storage/chain.py": "from importlib import resources\nBUILD = resources.files('contracts')\n",
        "lineage/core.py": "from cairn.storage.blocks import Repo\n",
        "lineage/records/model.py": "def load():\n    from ..index import catalog\n",
        "lineage/index/catalog.py": "from ..records.model import load\n",
        "api/app.py": "if TYPE_CHECKING:\n    from cairn.cli.main import main\n",
        "cli/main.py": "from cairn.api.app import app\n",
        "cli/commands/serve.py": "def serve():\n    from cairn.api.app import app\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    for folder in ("chunking", "storage", "lineage", "api", "cli"):  # the repository's links
        (tmp_path / "cairn" / folder).symlink_to(Path("..") / folder, target_is_directory=True)

    imports = read_imports(tmp_path / "cairn")
    assert layer_violations(imports) == [
        "api/app.py:2: imports cairn.cli.main: the front ends cairn.api and cairn.cli are independent",
        "cli/main.py:1: imports cairn.api.app: the front ends cairn.cli and cairn.api are independent",
        "lineage/records/model.py:2: imports cairn.lineage.index.catalog: layer cairn.lineage.records is below "
        "cairn.lineage.index",
        "storage/blocks.py:3: imports cairn.lineage.repo: layer cairn.storage is below cairn.lineage.repo",
        "storage/chain.py:2: imports contracts, an old top-level name: use cairn.contracts",
    ]
    assert import_cycles(imports) == [
        "import cycle: api/app.py:2 imports cairn.cli.main, then cli/main.py:1 imports cairn.api.app",
        "import cycle: chunking/a.py:1 imports cairn.chunking.b, then chunking/b.py:2 imports cairn.chunking.a",
        "import cycle: lineage/index/catalog.py:1 imports cairn.lineage.records.model, "
        "then lineage/records/model.py:2 imports cairn.lineage.index.catalog",
    ]
