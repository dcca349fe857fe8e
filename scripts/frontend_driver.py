"""Drive the real ComfyUI frontend (the one the server serves) in headless Chromium.

Builds graphs through LiteGraph as a user would, serialises them (the UI-format file the editor saves),
loads UI files back, and asks the frontend for its API prompt (`app.graphToPrompt()`).
"""
from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")

FIT_VIEW_JS = """const fitView = (app) => {
  const nodes = app.graph.nodes || app.graph._nodes;
  const xs = nodes.flatMap(n => [n.pos[0], n.pos[0] + n.size[0]]);
  const ys = nodes.flatMap(n => [n.pos[1] - 30, n.pos[1] + n.size[1]]);
  const [w, h] = [Math.max(...xs) - Math.min(...xs) + 40, Math.max(...ys) - Math.min(...ys) + 40];
  const canvas = app.canvas.canvas;
  // The side bar (left) and the tab and menu bars (top) cover the canvas's edges.
  const [left, top] = [80, 100];
  const scale = Math.min((canvas.width - left - 20) / w, (canvas.height - top - 20) / h, 1);
  app.canvas.ds.scale = scale;
  app.canvas.ds.offset = [left / scale - Math.min(...xs), top / scale - Math.min(...ys)];
  app.canvas.setDirty(true, true);
};
"""

BUILD_JS = """async (desc) => {
  """ + FIT_VIEW_JS + """
  const app = window.app;
  app.graph.clear();
  const made = {};
  for (const spec of desc.nodes) {
    const node = LiteGraph.createNode(spec.type);
    if (!node) throw new Error("unknown node type " + spec.type);
    node.pos = spec.pos;
    if (spec.title) node.title = spec.title;
    app.graph.add(node);
    for (const [name, value] of Object.entries(spec.widgets || {})) {
      const widget = (node.widgets || []).find(w => w.name === name);
      if (!widget) throw new Error(spec.type + " has no widget " + name);
      widget.value = value;
    }
    if (spec.size) node.size = spec.size; else node.setSize(node.computeSize());
    made[spec.key] = node;
  }
  for (const [from, slot, to, input] of desc.links) {
    const target = made[to];
    const index = target.findInputSlot(input);
    if (index < 0) throw new Error(target.type + " has no input " + input);
    made[from].connect(slot, target, index);
  }
  fitView(app);
  app.graph.extra = {...(app.graph.extra || {}), ds: {scale: app.canvas.ds.scale, offset: [...app.canvas.ds.offset]}};
  // What the editor writes to a file: JSON, so undefined fields are left out rather than null.
  return {ui: JSON.parse(JSON.stringify(app.graph.serialize())), api: (await app.graphToPrompt()).output};
}"""

LOAD_JS = """async (ui) => {
  """ + FIT_VIEW_JS + """
  const app = window.app;
  await app.loadGraphData(ui, true, true, null);
  await new Promise(r => setTimeout(r, 300));
  const nodes = app.graph.nodes || app.graph._nodes;
  const missing = nodes.filter(n => !(n.type in LiteGraph.registered_node_types)).map(n => n.type);
  const widgets = {};
  for (const n of nodes) widgets[n.id] = Object.fromEntries((n.widgets || []).map(w => [w.name, w.value]));
  fitView(app);
  const serialized = JSON.parse(JSON.stringify(app.graph.serialize()));
  return {missing, widgets, serialized, api: (await app.graphToPrompt()).output};
}"""


def chromium_path() -> str:
    for path in CHROMIUM_PATHS:
        if Path(path).is_file():
            return path
    found = shutil.which("chromium")
    if not found:
        raise RuntimeError("Chromium is not installed (Debian: apt-get install chromium); "
                           "scripts/setup.sh --with-browser installs it.")
    return found


@contextmanager
def frontend(server_url: str, width: int = 1600, height: int = 1000):
    """A page with the ComfyUI editor loaded and ready; console errors are collected on page.errors."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.errors = []
            page.on("pageerror", lambda exc: page.errors.append(str(exc)))
            # A first visit would open the template browser and a banner over the canvas.
            page.request.post(server_url + "/settings", data={"Comfy.TutorialCompleted": True})
            page.add_init_script("localStorage.setItem('vueNodesBannerDismissed', 'true')")
            page.goto(server_url)
            page.wait_for_function("() => window.app && window.app.graph && window.LiteGraph", timeout=90_000)
            page.wait_for_timeout(1500)  # extensions finish registering their node types
            yield page
        finally:
            browser.close()


def build(page, description: dict) -> tuple[dict, dict]:
    result = page.evaluate(BUILD_JS, description)
    return result["ui"], result["api"]


def load(page, ui: dict) -> dict:
    """Loads a UI-format workflow as the editor does; returns missing node types, widgets and API prompt."""
    result = page.evaluate(LOAD_JS, ui)
    result["dialogs"] = page.locator(".p-dialog, .p-toast-message").all_inner_texts()
    return result
