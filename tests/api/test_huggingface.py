"""`cairn serve` answers the Hugging Face Hub's download API: the real, unchanged
``huggingface_hub`` client fetches a published model folder byte for byte, then again offline."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from huggingface_hub import HfApi, hf_hub_download, snapshot_download
from huggingface_hub.errors import EntryNotFoundError, RepositoryNotFoundError, RevisionNotFoundError

from cairn.api.hf import commit_of
from cairn.chunking.cid import CID
from cairn.lineage.core import Cairn
from tests.api.server import CairnServer, running_server
from tests.data import real_dataset_dir, real_model_dir

REPO = "minilm"


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CairnServer, dict[str, str]]]:
    """The real MiniLM folder as ``minilm@1``, and a retuned config as ``minilm@2`` (the newest)."""
    root = tmp_path_factory.mktemp("hf")
    tuned = root / "tuned"
    shutil.copytree(real_model_dir(), tuned)
    config = json.loads((tuned / "config.json").read_text())
    (tuned / "config.json").write_text(json.dumps({**config, "hidden_dropout_prob": 0.2}))
    with Cairn(root / "home") as cairn:
        cids = {v: str(cairn.publish(d, name=REPO, version=v).cid) for v, d in (("1", real_model_dir()), ("2", tuned))}
        cairn.publish(real_model_dir() / "config.json", name="secret", version="1", private=True)
        cairn.publish(real_dataset_dir(), name="vega", version="1", kind="dataset")
    new_token = [
        sys.executable,
        "-m",
        "cairn.cli.main",
        "token",
        "new",
        "--scope",
        "read",
        "--home",
        str(root / "home"),
    ]
    token = subprocess.run(new_token, capture_output=True, text=True, check=True).stdout.split()[-1]
    with running_server(root / "home") as server:
        yield server, {**cids, "token": token}


def test_snapshot_download_fetches_the_folder_byte_for_byte_then_works_offline(
    served: tuple[CairnServer, dict[str, str]], tmp_path: Path
) -> None:
    server, cids = served
    cache = tmp_path / "hf-cache"
    folder = snapshot_download(REPO, revision="1", endpoint=server.url, cache_dir=cache)
    assert _files(Path(folder)) == _files(real_model_dir())
    assert Path(folder).name == commit_of(CID.parse(cids["1"]))  # the cache keys the snapshot by the commit
    offline = (
        "import sys\nfrom huggingface_hub import snapshot_download, hf_hub_download\n"
        f"print(snapshot_download({REPO!r}, revision='1', cache_dir=sys.argv[1]))\n"
        f"print(hf_hub_download({REPO!r}, 'config.json', revision='1', cache_dir=sys.argv[1]))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"}  # nothing listens there
    out = subprocess.run([sys.executable, "-c", offline, str(cache)], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    snapshot, config = out.stdout.split()
    assert snapshot == folder
    assert Path(config).read_bytes() == (real_model_dir() / "config.json").read_bytes()


def test_hf_hub_download_maps_revisions_to_versions(served: tuple[CairnServer, dict[str, str]], tmp_path: Path) -> None:
    server, cids = served

    def config(revision: str | None) -> dict[str, object]:
        path = hf_hub_download(REPO, "config.json", revision=revision, endpoint=server.url, cache_dir=tmp_path)
        loaded: dict[str, object] = json.loads(Path(path).read_text())
        return loaded

    assert "hidden_dropout_prob" in config("1") and config("1") == json.loads(
        (real_model_dir() / "config.json").read_text()
    )
    assert config("2")["hidden_dropout_prob"] == 0.2
    assert config(None) == config("main") == config("2")  # no revision, or main: the newest
    assert config(commit_of(CID.parse(cids["1"]))) == config("1")
    weights = hf_hub_download(REPO, "model.safetensors", revision="1", endpoint=server.url, cache_dir=tmp_path)
    assert Path(weights).read_bytes() == (real_model_dir() / "model.safetensors").read_bytes()
    nested = hf_hub_download(REPO, "1_Pooling/config.json", endpoint=server.url, cache_dir=tmp_path)
    assert Path(nested).read_bytes() == (real_model_dir() / "1_Pooling" / "config.json").read_bytes()


def test_model_info_lists_files_and_the_commit(served: tuple[CairnServer, dict[str, str]]) -> None:
    server, cids = served
    info = HfApi(endpoint=server.url).model_info(REPO, revision="1")
    assert info.sha == commit_of(CID.parse(cids["1"]))
    assert sorted(s.rfilename for s in info.siblings or []) == sorted(_files(real_model_dir()))


def test_resolve_headers_redirect_and_range(served: tuple[CairnServer, dict[str, str]]) -> None:
    server, cids = served
    commit = commit_of(CID.parse(cids["2"]))
    with httpx.Client(base_url=server.url) as http:
        moved = http.head(f"/{REPO}/resolve/main/model.safetensors")
        assert moved.status_code == 302 and moved.headers["X-Repo-Commit"] == commit
        assert moved.headers["Location"] == f"/{REPO}/resolve/{commit}/model.safetensors"
        head = http.head(moved.headers["Location"])
        size = (real_model_dir() / "model.safetensors").stat().st_size
        assert head.status_code == 200 and int(head.headers["Content-Length"]) == size
        assert head.headers["ETag"].startswith('"baf') and head.headers["X-Cairn-Cid"] == cids["2"]
        part = http.get(moved.headers["Location"], headers={"Range": "bytes=8-15"})
        assert part.status_code == 206 and part.content == (real_model_dir() / "model.safetensors").read_bytes()[8:16]
        assert http.head(moved.headers["Location"], headers={"If-None-Match": head.headers["ETag"]}).status_code == 304


def test_missing_repo_revision_and_file_raise_the_clients_own_errors(
    served: tuple[CairnServer, dict[str, str]], tmp_path: Path
) -> None:
    server, _ = served
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("nobody", "config.json", endpoint=server.url, cache_dir=tmp_path)
    with pytest.raises(RevisionNotFoundError):
        hf_hub_download(REPO, "config.json", revision="9", endpoint=server.url, cache_dir=tmp_path)
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(REPO, "nope.bin", endpoint=server.url, cache_dir=tmp_path)


def test_private_artifacts_need_a_read_token_sent_as_the_hf_token(
    served: tuple[CairnServer, dict[str, str]], tmp_path: Path
) -> None:
    server, cids = served
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("secret", "config.json", endpoint=server.url, cache_dir=tmp_path, token=False)
    path = hf_hub_download("secret", "config.json", endpoint=server.url, cache_dir=tmp_path, token=cids["token"])
    assert Path(path).read_bytes() == (real_model_dir() / "config.json").read_bytes()


def test_datasets_download_as_dataset_repos(served: tuple[CairnServer, dict[str, str]], tmp_path: Path) -> None:
    server, _ = served
    folder = snapshot_download("vega", repo_type="dataset", endpoint=server.url, cache_dir=tmp_path)
    assert _files(Path(folder)) == _files(real_dataset_dir())
    one = hf_hub_download("vega", "airports.csv", repo_type="dataset", revision="1", endpoint=server.url,
                          cache_dir=tmp_path / "one")  # fmt: skip
    assert Path(one).read_bytes() == (real_dataset_dir() / "airports.csv").read_bytes()
