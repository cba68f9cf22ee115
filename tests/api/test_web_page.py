"""The web page of `cairn serve`, rendered by a real headless Chromium: the artifact list, an
artifact's files and verification, and its lineage graph, checked on the DOM after the scripts
ran, through real mouse clicks, and on a screenshot."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cairn.lineage.core import Cairn
from tests.api.browser import chromium, chromium_path
from tests.api.server import CairnServer, running_server
from tests.data import real_dataset_dir, real_model_dir

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="no chromium: bash scripts/install-chromium.sh")
WIDTH, HEIGHT = 1280, 900


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CairnServer, dict[str, str]]]:
    """A dataset, a model trained on it (with its run record), and a fine-tune of the model."""
    root = tmp_path_factory.mktemp("web")
    tuned = root / "tuned"
    tuned.mkdir()
    shutil.copy(real_model_dir() / "config.json", tuned / "config.json")
    with Cairn(root / "home") as cairn:
        data = cairn.publish(real_dataset_dir(), name="vega", version="1", kind="dataset").cid
        run = {"kind": "train", "parameters": {"lr": 3e-4}}
        model = cairn.publish(real_model_dir(), name="minilm", version="1", derived_from=[data], run=run).cid
        tune = cairn.publish(tuned, name="minilm", version="2", kind="model", derived_from=[model]).cid
    with running_server(root / "home") as server:
        yield server, {"vega": str(data), "minilm@1": str(model), "minilm@2": str(tune)}


def _ready(page_hash: str) -> str:
    return f"document.body.dataset.ready === {json.dumps(page_hash)}"


def test_list_artifact_and_graph_navigation(served: tuple[CairnServer, dict[str, str]]) -> None:
    server, cids = served
    with chromium(WIDTH, HEIGHT) as page:
        page.goto(server.url + "/")
        page.wait_for(_ready("#/"))
        rows = page.eval("[...document.querySelectorAll('#artifacts tbody tr')].map(r => r.innerText)")
        assert len(rows) == 3
        for ref, cid in cids.items():
            name, _, version = ref.partition("@")
            assert any(cid in row and name in row and (version or "1") in row for row in rows), ref
        assert any("dataset" in row for row in rows) and any("model" in row for row in rows)

        page.click(f"#artifacts tr[data-cid='{cids['minilm@1']}'] a")  # a real click on the name
        page.wait_for(_ready(f"#/a/{cids['minilm@1']}"))
        assert page.eval("document.getElementById('artifact-title').textContent") == "minilm@1"
        files = page.eval("[...document.querySelectorAll('#files tbody tr td:first-child')].map(c => c.textContent)")
        assert sorted(files) == sorted(str(p.relative_to(real_model_dir())) for p in real_model_dir().rglob("*")
                                       if p.is_file())  # fmt: skip
        assert page.eval("document.getElementById('verify-state').className") == "badge ok"
        assert page.eval("document.getElementById('verify-state').textContent").startswith("verified")
        nodes = page.eval("[...document.querySelectorAll('#lineage .node')].map(n => n.dataset.cid)")
        assert set(cids.values()) <= set(nodes) and len(nodes) == 4  # dataset, run, model, fine-tune
        assert page.eval("document.querySelectorAll('#lineage .node.run').length") == 1
        # model -> dataset (derived_from), model -> run, run -> dataset (its input), fine-tune -> model
        assert page.eval("document.querySelectorAll('#lineage path.edge').length") == 4

        page.click(f"#lineage a.node[data-cid='{cids['minilm@2']}']")  # a descendant in the graph
        page.wait_for(_ready(f"#/a/{cids['minilm@2']}"))
        assert page.eval("document.getElementById('artifact-title').textContent") == "minilm@2"
        current = page.eval("document.querySelector('#lineage .node.current').dataset.cid")
        assert current == cids["minilm@2"]


def test_screenshot_shows_the_rendered_graph(served: tuple[CairnServer, dict[str, str]], tmp_path: Path) -> None:
    server, cids = served
    with chromium(WIDTH, HEIGHT) as page:
        page.goto(f"{server.url}/#/a/{cids['minilm@1']}")
        page.wait_for(_ready(f"#/a/{cids['minilm@1']}"))
        graph = page.eval(
            "(() => { const r = document.getElementById('lineage').getBoundingClientRect();"
            " return [r.x, r.y, r.width, r.height]; })()"
        )
        png = page.screenshot()
    (tmp_path / "artifact.png").write_bytes(png)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)
    pixels = np.asarray(image, dtype=np.float64)
    assert pixels.std() > 20 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50  # text, boxes, colours
    x, y, w, h = (round(v) for v in graph)
    region = pixels[y : y + h, x : x + w]
    assert w > 700 and h > 80 and region.std() > 20  # the SVG drew nodes and edges, not an empty box
    dark = (region.sum(axis=2) < 150).mean()  # the current node is filled dark (#1d2330)
    assert 0.01 < dark < 0.5
