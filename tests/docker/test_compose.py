"""docker/ cannot run here (no Docker engine), so these check what can be checked without one:
the compose file parses, starts the four services, and wires Cairn only with variables Cairn
reads (docs/architecture.md, Settings) pointing at the services it starts; the Dockerfile copies every package."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from cairn.settings import _ENV_KEYS

DOCKER = Path(__file__).resolve().parents[2] / "docker"


def test_compose_wires_cairn_to_kubo_anvil_and_arlocal() -> None:
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"cairn", "kubo", "anvil", "arlocal"}
    env = services["cairn"]["environment"]
    assert set(env) - {"CAIRN_HOME"} <= set(_ENV_KEYS)
    assert env["CAIRN_IPFS_API"] == "http://kubo:5001"
    assert env["CAIRN_ARWEAVE_URL"] == "http://arlocal:1984"
    assert env["CAIRN_CHAIN_RPC"] == "http://anvil:8545"
    assert set(services["cairn"]["depends_on"]) == {"kubo", "anvil", "arlocal"}


def test_dockerfile_installs_every_package() -> None:
    dockerfile = (DOCKER / "Dockerfile").read_text()
    pyproject = (DOCKER.parent / "pyproject.toml").read_text()
    packages = re.search(r"include = \[(.*?)\]", pyproject)
    assert packages is not None
    for name in re.findall(r'"(\w+)\*?"', packages.group(1)):
        assert f"COPY {name} ./{name}" in dockerfile, name
    assert 'CMD ["cairn", "serve", "--host", "0.0.0.0", "--port", "8080"]' in dockerfile


def test_the_image_installs_the_extras_that_cairn_serve_and_compose_need() -> None:
    """The base install has no server (cairn.extras): the image installs [all], since compose also
    wires Cairn to a chain and to Arweave."""
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert "RUN pip install --no-cache-dir '.[all]'" in dockerfile
