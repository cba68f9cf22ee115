"""``pip install cairn-store`` without extras is the embedded default: the local store, the CLI,
the SDK and fsspec work; a command that needs an extra names it in one line and exits 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.packaging.conftest import VERSION, Venv

# what only an extra may bring (by distribution name)
EXTRAS_ONLY = {
    "fastapi", "starlette", "uvicorn", "python-multipart",  # server
    "arweave-python-client",  # arweave
    "web3", "eth-account", "pycryptodome",  # chain
    "psycopg", "psycopg-binary",  # postgres
}  # fmt: skip


def test_a_base_install_has_no_server_arweave_chain_or_postgres_package(base_venv: Venv) -> None:
    installed = base_venv.distributions()
    assert "cairn-store" in installed
    assert not installed & EXTRAS_ONLY, sorted(installed & EXTRAS_ONLY)


def test_cairn_version_prints_the_version_on_a_base_install(base_venv: Venv) -> None:
    result = base_venv.run("cairn", "--version")
    assert result.returncode == 0 and result.stdout == f"cairn {VERSION}\n", result.stderr


STARTUP = """
import sys
import cairn
from cairn.cli.main import run
assert run(["--version"]) == 0
heavy = {"typing", "typer", "click", "rich", "numpy", "sqlalchemy", "httpx", "fsspec", "blake3", "cryptography"}
print(sorted(name for name in sys.modules if name.split(".")[0] in heavy))
"""


def test_import_cairn_and_cairn_version_load_no_dependency_and_not_even_typing(base_venv: Venv) -> None:
    """What keeps them fast (bench/startup.py): the public names of ``cairn`` resolve on first use."""
    result = base_venv.run("python", "-c", STARTUP)
    assert result.returncode == 0 and result.stdout == f"cairn {VERSION}\n[]\n", (result.stdout, result.stderr)


def test_the_demo_publishes_pulls_and_verifies_on_a_base_install(base_venv: Venv, tmp_path: Path) -> None:
    env = {"CAIRN_HOME": str(tmp_path / "home")}
    demo = base_venv.run("cairn", "demo", env=env, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "byte-for-byte True" in demo.stdout and "signed records (ancestors included): ok" in demo.stdout
    cid = demo.stdout.strip().splitlines()[-1]
    verified = base_venv.run("cairn", "verify", cid, env=env, cwd=tmp_path)  # anchors too: keccak is lazy
    assert verified.returncode == 0 and "anchor: pending" in verified.stdout, verified.stderr


CHAIN = {"CAIRN_CHAIN_RPC": "http://127.0.0.1:9", "CAIRN_CHAIN_KEY": "0x" + "11" * 32}


@pytest.mark.parametrize(
    ("extra", "feature", "args", "env"),
    [
        ("server", "cairn serve", ["serve"], {}),
        ("arweave", "writing to Arweave (a wallet, an upload, an anchor)", ["wallet", "new"], {}),
        ("chain", "anchoring on an EVM chain (CAIRN_CHAIN_RPC)", ["anchor", "deploy"], CHAIN),
        ("postgres", "a PostgreSQL index (CAIRN_INDEX_URL)", ["ls"],
         {"CAIRN_INDEX_URL": "postgresql://cairn@127.0.0.1:9/cairn"}),
    ],
)  # fmt: skip
def test_a_command_that_needs_a_missing_extra_prints_one_line_naming_it_and_exits_2(
    base_venv: Venv, tmp_path: Path, extra: str, feature: str, args: list[str], env: dict[str, str]
) -> None:
    result = base_venv.run("cairn", *args, env={"CAIRN_HOME": str(tmp_path / "home"), **env}, cwd=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    line = f"cairn: error: {feature} needs the '{extra}' extra: pip install 'cairn-store[{extra}]'"
    assert result.stderr.splitlines() == [line]  # one line, no traceback


def test_doctor_says_that_a_configured_chain_needs_the_chain_extra(base_venv: Venv, tmp_path: Path) -> None:
    result = base_venv.run("cairn", "doctor", env={"CAIRN_HOME": str(tmp_path / "home"), **CHAIN}, cwd=tmp_path)
    chain = next(line for line in result.stdout.splitlines() if line.startswith("chain"))
    assert "FAILED" in chain and "pip install 'cairn-store[chain]'" in chain, result.stdout
