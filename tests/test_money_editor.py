"""The estimate on each remote node, in the real editor (pinned 1.32.9 and newest 1.58.1 frontends, headless
Chromium): visible before Run, following the widgets (samples 4 -> 4x), and the cost after a run."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import comfy_base, start_pack_server
from frontend_driver import FRONTEND_VERSIONS, click_run, front_end_root, frontend, load, set_widget

REPO = Path(__file__).resolve().parent.parent
SCREENSHOTS = Path(os.environ.get("SEGMIND_SCREENSHOT_DIR", REPO / "tests" / "screenshots"))
BADGE_TEXT_JS = """(type) => {  // the money badge (the frontend adds its own, e.g. the pack name)
  const node = (app.graph.nodes || app.graph._nodes).find(n => n.type === type);
  app.canvas.setDirty(true, true);  // the extension reads the widgets when the node is drawn
  return (node.badges || []).map(b => (typeof b === "function" ? b() : b).text).filter(t => t && t.includes("$"));
}"""

FOCUS_JS = """(type) => {  // the node at a readable scale near the canvas's top left, for the screenshots
  const node = (app.graph.nodes || app.graph._nodes).find(n => n.type === type);
  app.canvas.ds.scale = 1.1;
  app.canvas.ds.offset = [160 - node.pos[0], 160 - node.pos[1]];
  app.canvas.setDirty(true, true);
}"""


def screenshot(page, name: str) -> None:
    page.evaluate(FOCUS_JS, "SegmindFluxDev")
    page.wait_for_timeout(300)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


@pytest.fixture(scope="module", params=FRONTEND_VERSIONS)
def editor(request, loopback, tmp_path_factory):
    home = comfy_base(tmp_path_factory, f"money-editor-{request.param}")
    server = start_pack_server(loopback, home, front_end_root(request.param))
    try:
        with frontend(server.url) as page:
            yield request.param, page
    finally:
        server.stop()


def badge_becomes(page, node_type: str, text: str, timeout_ms: float = 15_000) -> list[str]:
    page.wait_for_function(f"(type) => ({BADGE_TEXT_JS})(type).some(t => t.startsWith({json.dumps(text)}))",
                           arg=node_type, timeout=timeout_ms)
    return page.evaluate(BADGE_TEXT_JS, node_type)


def test_each_remote_node_shows_its_estimate_and_it_follows_samples(editor, segmind):
    version, page = editor
    ui = json.loads((REPO / "workflows" / "segmind_flux_dev.json").read_text(encoding="utf-8"))
    loaded = load(page, ui)
    assert loaded["missing"] == [], loaded
    assert badge_becomes(page, "SegmindFluxDev", "~$0.02") == ["~$0.02"]
    screenshot(page, f"money-{version}-estimate-samples-1.png")
    set_widget(page, "SegmindFluxDev", "samples", 4)
    assert badge_becomes(page, "SegmindFluxDev", "~$0.08") == ["~$0.08"]
    screenshot(page, f"money-{version}-estimate-samples-4.png")
    set_widget(page, "SegmindFluxDev", "prompt", f"a fox in the editor of {version}")  # not in the result cache
    click_run(page)
    shown = badge_becomes(page, "SegmindFluxDev", "paid $0.08", timeout_ms=90_000)
    assert shown[0].startswith("paid $0.08 · today $") and len(segmind.posts()) == 1
    assert segmind.posts()[0].body["samples"] == 4
    page.wait_for_timeout(1500)  # the cost stays after the run (progress text and late answers aside)
    assert page.evaluate(BADGE_TEXT_JS, "SegmindFluxDev") == shown
    screenshot(page, f"money-{version}-after-run.png")
    assert page.errors == [], page.errors
