"""Drive the real ComfyUI frontend in headless Chromium: the pinned one ComfyUI 0.3.75 serves, or the
newest on PyPI (served by the same backend with --front-end-root).

Builds graphs through LiteGraph as a user would, serialises them (the UI-format file the editor saves),
loads UI files back, asks the frontend for its API prompt (`app.graphToPrompt()`) and for where every
node is drawn, clicks Run and reads the error a user is shown.
"""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# The frontend ComfyUI 0.3.75 serves, and the newest on PyPI (scripts/setup.sh installs it on its own).
PINNED_FRONTEND, NEWEST_FRONTEND = FRONTEND_VERSIONS = ("1.32.9", "1.58.1")
NODES_2_SETTING = "Comfy.VueNodes.Enabled"


@dataclass(frozen=True)
class Editor:
    """One editor as users meet it: a frontend version, with Nodes 2.0 (Vue nodes: the default of new
    Desktop and Cloud installs since 1.41) or the classic canvas."""
    version: str
    nodes_2: bool = False

    @property
    def name(self) -> str:
        return f"{self.version}-nodes2" if self.nodes_2 else self.version


EDITORS = (Editor(PINNED_FRONTEND), Editor(NEWEST_FRONTEND), Editor(NEWEST_FRONTEND, nodes_2=True))
NEWEST_FRONTEND_ROOT_VARIABLE = "COMFYUI_NEWEST_FRONTEND_ROOT"

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# What a frontend shows when a workflow does not load cleanly: 1.32.9 a dialog or a toast, 1.58 an overlay.
COMPLAINTS = ".p-dialog, .p-toast-message, [data-testid=error-overlay]"
SETTLE_MS = 1500  # 1.58 checks a loaded workflow's models after it is drawn

HELPERS_JS = """
const settle = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
const redraw = async (app) => { app.canvas.setDirty(true, true); app.canvas.draw(true, true); await settle(); };
// The frontend's own "fit view"; it animates, so wait until the view stands still.
const fitView = async (app) => {
  await redraw(app);  // the bounds it fits are those of the last drawing
  await app.extensionManager.command.execute("Comfy.Canvas.FitView");
  const view = () => JSON.stringify([app.canvas.ds.scale, ...app.canvas.ds.offset]);
  for (let last = null, tries = 0; tries < 50 && view() !== last; tries++) {
    last = view();
    await new Promise(r => setTimeout(r, 100));
  }
  await redraw(app);
};
const nodesOf = (app) => app.graph.nodes || app.graph._nodes;
// The text boxes a user types into; one fed by a link is not drawn as one.
const textBoxes = (node) => (node.widgets || []).filter(w => w.element && w.element.tagName === "TEXTAREA"
  && !(node.inputs || []).some(i => i.widget && i.widget.name === w.name && i.link != null));
const textOverflow = (node) => Math.max(0, ...textBoxes(node).filter(w => w.element.isConnected)
  .map(w => w.element.scrollHeight - w.element.clientHeight));
// Empty room in a node's text boxes: each one's height less what its text needs (read off a copy).
const textSpare = (node) => Math.max(0, ...textBoxes(node).filter(w => w.element.isConnected).map(w => {
  const copy = w.element.cloneNode();
  copy.value = w.element.value;
  Object.assign(copy.style, {position: "absolute", visibility: "hidden", height: "0px", minHeight: "0px",
                             width: getComputedStyle(w.element).width});
  w.element.parentElement.appendChild(copy);
  const needed = copy.scrollHeight;
  copy.remove();
  return w.element.clientHeight - needed;
}));
// The text boxes follow their nodes' sizes a frame or more later: wait until they stand still.
const settleTextBoxes = async (app, nodes) => {
  const state = () => JSON.stringify(nodes.flatMap(textBoxes).map(w => [w.element.isConnected,
    w.element.clientWidth, w.element.clientHeight, w.element.scrollHeight]));
  for (let last = null, tries = 0; tries < 20; tries++) {
    await redraw(app);
    await new Promise(r => setTimeout(r, 50));
    const now = state();
    if (now === last) return;
    last = now;
  }
};
"""

CREATE_JS = """async (desc) => {
  """ + HELPERS_JS + """
  const app = window.app;
  // As loading a workflow does: the last graph's outputs go too, or a new node of a reused id shows the
  // image preview of the old one's (a loader after a Load Image grows a preview and its size with it).
  app.clean();
  const made = {};
  for (const spec of desc.nodes) {
    const node = LiteGraph.createNode(spec.type);
    if (!node) throw new Error("unknown node type " + spec.type);
    if (spec.title) node.title = spec.title;
    Object.assign(node.properties, spec.properties || {});
    app.graph.add(node);
    for (const [name, value] of Object.entries(spec.widgets || {})) {
      const widget = (node.widgets || []).find(w => w.name === name);
      if (!widget) throw new Error(spec.type + " has no widget " + name);
      widget.value = value;
    }
    made[spec.key] = node;
  }
  for (const [from, slot, to, input] of desc.links) {
    const target = made[to];
    const index = target.findInputSlot(input);
    if (index < 0) throw new Error(target.type + " has no input " + input);
    made[from].connect(slot, target, index);
  }
  // Each node measured alone on screen (its text boxes exist only while drawn): what its widgets
  // need, then taller until its text shows whole, plus one line for the other frontend's font.
  app.canvas.ds.scale = 1;
  app.canvas.ds.offset = [200, 200];
  const sizes = {};
  for (const spec of desc.nodes) {
    const node = made[spec.key];
    for (const other of Object.values(made)) other.pos = other === node ? [0, 0] : [-10000, -10000];
    const content = node.computeSize();
    node.size = [Math.max(spec.width || 0, content[0]), content[1]];
    for (let tries = 0, overflow; tries < 4; tries++) {
      await settleTextBoxes(app, [node]);
      if ((overflow = textOverflow(node)) <= 0) break;
      node.size = [node.size[0], node.size[1] + overflow + 14];
    }
    sizes[spec.key] = [node.size[0], node.size[1] + (spec.room || 0)];
  }
  window.__segmindBuilt = made;
  return sizes;
}"""

PLACE_JS = """async (placement) => {
  """ + HELPERS_JS + """
  const app = window.app;
  const made = window.__segmindBuilt;
  for (const [key, pos] of Object.entries(placement.pos)) {
    made[key].pos = pos;
    made[key].size = placement.size[key];
  }
  for (const spec of placement.groups) {
    const group = new LiteGraph.LGraphGroup(spec.title);
    app.graph.add(group);
    group.pos = spec.bounding.slice(0, 2);
    group.size = spec.bounding.slice(2);
  }
  await fitView(app);
  app.graph.extra = {...(app.graph.extra || {}), ds: {scale: app.canvas.ds.scale, offset: [...app.canvas.ds.offset]}};
  // What the editor writes to a file: JSON, so undefined fields are left out rather than null.
  return {ui: JSON.parse(JSON.stringify(app.graph.serialize())), api: (await app.graphToPrompt()).output};
}"""

LOAD_JS = """async (ui) => {
  """ + HELPERS_JS + """
  const app = window.app;
  await app.loadGraphData(ui, true, true, null);
  await new Promise(r => setTimeout(r, 300));
  const nodes = nodesOf(app);
  const missing = nodes.filter(n => !(n.type in LiteGraph.registered_node_types)).map(n => n.type);
  const widgets = {};
  for (const n of nodes) widgets[n.id] = Object.fromEntries((n.widgets || []).map(w => [w.name, w.value]));
  const serialized = JSON.parse(JSON.stringify(app.graph.serialize()));
  return {missing, widgets, serialized, api: (await app.graphToPrompt()).output};
}"""

# Where each node is drawn after the frontend's own "fit view": its box (title bar included, and at
# least what its widgets need), whether its text shows whole, and what covers its corners on screen.
LAYOUT_JS = """async () => {
  """ + HELPERS_JS + """
  const app = window.app;
  await fitView(app);
  await settleTextBoxes(app, nodesOf(app));
  const ds = app.canvas.ds, rect = app.canvas.canvas.getBoundingClientRect();
  const screen = (x, y) => [rect.left + (x + ds.offset[0]) * ds.scale, rect.top + (y + ds.offset[1]) * ds.scale];
  const seen = (x, y) => {
    const hit = document.elementFromPoint(x, y);
    return !!hit && (hit === app.canvas.canvas || !!hit.closest(".dom-widget"));
  };
  const toCanvas = (x, y) => [(x - rect.left) / ds.scale - ds.offset[0], (y - rect.top) / ds.scale - ds.offset[1]];
  // Nodes 2.0: a node is its DOM box, footers ("Issues" for a missing model) included, handles not.
  const domBox = (n) => {
    const root = document.querySelector(`[data-node-id="${n.id}"]`);
    const parts = [root, ...root.children].filter(e => !e.hasAttribute("data-corner")).map(e => e.getBoundingClientRect());
    const edges = [Math.min(...parts.map(r => r.left)), Math.min(...parts.map(r => r.top)),
                   Math.max(...parts.map(r => r.right)), Math.max(...parts.map(r => r.bottom))];
    return {root, screen: edges, box: [...toCanvas(edges[0], edges[1]), ...toCanvas(edges[2], edges[3])]};
  };
  const domTextOverflow = (root) => Math.max(0, ...[...root.querySelectorAll("textarea")]
    .map(t => t.scrollHeight - t.clientHeight));
  const nodes = nodesOf(app).map(n => {
    if (LiteGraph.vueNodesMode) {
      const {root, screen: [left, top, right, bottom], box} = domBox(n);
      const inset = 3;
      const corners = [[left + inset, top + inset], [right - inset, top + inset], [left + inset, bottom - inset],
                       [right - inset, bottom - inset]];
      const inWindow = left >= 0 && top >= 0 && right <= innerWidth && bottom <= innerHeight;
      const mine = ([x, y]) => { const hit = document.elementFromPoint(x, y); return !!hit && root.contains(hit); };
      // A Vue node sizes itself to its content: no room to compare with what its widgets need.
      return {id: String(n.id), type: n.type, title: n.title, box, size: [...n.size], content: [...n.size],
              on_screen: inWindow && corners.every(mine), text_overflow: domTextOverflow(root), text_spare: 0,
              text_boxes: root.querySelectorAll("textarea").length};
    }
    const content = n.computeSize();
    const size = [Math.max(n.size[0], content[0]), Math.max(n.size[1], content[1])];
    const box = [n.pos[0], n.pos[1] - LiteGraph.NODE_TITLE_HEIGHT, n.pos[0] + size[0], n.pos[1] + size[1]];
    const [left, top] = screen(box[0], box[1]), [right, bottom] = screen(box[2], box[3]);
    const inset = 3;
    const corners = [[left + inset, top + inset], [right - inset, top + inset], [left + inset, bottom - inset],
                     [right - inset, bottom - inset]];
    const inWindow = left >= 0 && top >= 0 && right <= innerWidth && bottom <= innerHeight;
    return {id: String(n.id), type: n.type, title: n.title, box, size: [...n.size], content,
            on_screen: inWindow && corners.every(([x, y]) => seen(x, y)), text_overflow: textOverflow(n),
            text_spare: textSpare(n), text_boxes: textBoxes(n).length};
  });
  const groups = (app.graph.groups || app.graph._groups).map(g => ({title: g.title, bounding: [...g._bounding]}));
  const edges = [...nodes.map(n => n.box), ...groups.map(({bounding: [x, y, w, h]}) => [x, y - 24, x + w, y + h])];
  const [left, top] = screen(Math.min(...edges.map(e => e[0])), Math.min(...edges.map(e => e[1])));
  const [right, bottom] = screen(Math.max(...edges.map(e => e[2])), Math.max(...edges.map(e => e[3])));
  // Below a zoom threshold the editor draws nodes without their text.
  return {nodes, groups, scale: ds.scale, without_text: !!app.canvas.low_quality, nodes_2: !!LiteGraph.vueNodesMode,
          graph_on_screen: [left, top, right, bottom]};
}"""


def front_end_root(version: str) -> str | None:
    """The --front-end-root that makes the embedded ComfyUI serve this frontend (None: its own)."""
    if version == PINNED_FRONTEND:
        return None
    root = os.environ.get(NEWEST_FRONTEND_ROOT_VARIABLE, "")
    if version != NEWEST_FRONTEND or not (Path(root) / "index.html").is_file():
        raise RuntimeError(f"frontend {version} is not installed ({NEWEST_FRONTEND_ROOT_VARIABLE}={root!r}); "
                           "`bash scripts/setup.sh --with-browser` installs it.")
    return root


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
def chromium():
    """Headless Chromium; open one or more editors in it with open_editor."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def open_editor(browser, server_url: str, width: int = 1600, height: int = 1000, nodes_2: bool = False):
    """A page with the ComfyUI editor loaded and ready, in Nodes 2.0 or classic mode; console errors are
    collected on page.errors, the version the server served is page.frontend_version."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    # A first visit would open the template browser and a banner over the canvas; the minimap
    # covers the canvas's lower right corner whatever the layout.
    page.request.post(server_url + "/settings", data={"Comfy.TutorialCompleted": True,
                                                      "Comfy.Minimap.Visible": False, NODES_2_SETTING: nodes_2})
    page.add_init_script("localStorage.setItem('vueNodesBannerDismissed', 'true')")
    page.server_url = server_url
    reopen(page)
    return page


@contextmanager
def frontend(server_url: str, width: int = 1600, height: int = 1000, nodes_2: bool = False):
    """One editor in its own browser (see open_editor)."""
    with chromium() as browser:
        yield open_editor(browser, server_url, width, height, nodes_2)


def reopen(page) -> None:
    """Opens the editor afresh in this page: no dialog, panel or toast left from before."""
    page.goto(page.server_url)
    page.wait_for_function("() => window.app && window.app.graph && window.LiteGraph", timeout=90_000)
    page.wait_for_timeout(1500)  # extensions finish registering their node types
    page.frontend_version = page.evaluate("() => window.__COMFYUI_FRONTEND_VERSION__")


def build(page, description: dict, place) -> tuple[dict, dict]:
    """Creates the described graph, has `place(sizes)` lay it out (a workflow_layout.Placement), and
    returns the UI file and the API prompt the editor makes of it."""
    sizes = page.evaluate(CREATE_JS, description)
    placement = place(sizes)
    result = page.evaluate(PLACE_JS, {"pos": placement.pos, "size": placement.size, "groups": placement.groups})
    return result["ui"], result["api"]


def load(page, ui: dict) -> dict:
    """Loads a UI-format workflow as the editor does; returns missing node types, widgets, the API
    prompt, and what the frontend complained about (dialogs, toasts, overlays)."""
    result = page.evaluate(LOAD_JS, ui)
    page.wait_for_timeout(SETTLE_MS)
    result["dialogs"] = page.locator(COMPLAINTS).all_inner_texts()
    return result


def layout(page) -> dict:
    """After the frontend's "fit view": each node's box, whether it is wholly visible, whether its
    text fits; the groups; the scale; where the whole graph is on screen. Messages floating over the
    canvas (1.58's missing-model notice) are hidden first: they are not part of the layout."""
    page.evaluate(f"() => document.querySelectorAll({COMPLAINTS!r}).forEach(e => e.style.display = 'none')")
    return page.evaluate(LAYOUT_JS)


def node_extents(page) -> dict[str, tuple[float, float, float]]:
    """Nodes 2.0: per node id, how far its DOM box reaches beyond its classic box (title bar above
    node.pos, node.size below and right): (above, below, right) in canvas units, none negative."""
    facts = layout(page)
    sizes = page.evaluate("""() => Object.fromEntries((app.graph.nodes || app.graph._nodes)
      .map(n => [String(n.id), [n.pos[0], n.pos[1], n.size[0], n.size[1]]]))""")
    title = page.evaluate("() => LiteGraph.NODE_TITLE_HEIGHT")
    extents = {}
    for node in facts["nodes"]:
        x, y, width, height = sizes[node["id"]]
        left, top, right, bottom = node["box"]
        extents[node["id"]] = (max(0.0, (y - title) - top), max(0.0, bottom - (y + height)),
                               max(0.0, right - (x + width)))
    return extents


def thumbnail(page, aspect: float = 1.6, margin: float = 24) -> bytes:
    """A PNG of the graph alone after "fit view": the editor's bars hidden (focus mode), cut to the graph."""
    page.evaluate("() => { window.app.extensionManager.focusMode = true; }")
    try:
        left, top, right, bottom = layout(page)["graph_on_screen"]
        view = page.viewport_size
        width = min(view["width"], view["height"] * aspect,
                    max(right - left + 2 * margin, (bottom - top + 2 * margin) * aspect))
        height = width / aspect
        x = min(max(0, (left + right - width) / 2), view["width"] - width)
        y = min(max(0, (top + bottom - height) / 2), view["height"] - height)
        return page.screenshot(type="png", clip={"x": x, "y": y, "width": width, "height": height})
    finally:
        page.evaluate("() => { window.app.extensionManager.focusMode = false; }")


def api_prompt(page) -> dict:
    return page.evaluate("async () => (await app.graphToPrompt()).output")


def set_widget(page, node_type: str, name: str, value) -> None:
    page.evaluate("""([type, name, value]) => {
      const node = (app.graph.nodes || app.graph._nodes).find(n => n.type === type);
      node.widgets.find(w => w.name === name).value = value;
    }""", [node_type, name, value])


def widget_names(page, node_type: str) -> list[str]:
    return page.evaluate("""(type) => (app.graph.nodes || app.graph._nodes).find(n => n.type === type)
      .widgets.map(w => w.name)""", node_type)


def widget_value(page, node_type: str, name: str):
    return page.evaluate("""([type, name]) => (app.graph.nodes || app.graph._nodes).find(n => n.type === type)
      .widgets.find(w => w.name === name).value""", [node_type, name])


def click_run(page) -> None:
    """Queues the workflow as a user does: the Run button (both frontends label it so)."""
    page.get_by_role("button", name="Run", exact=True).click()


def error_report(page, timeout_ms: float = 60_000) -> str:
    """The text a user reads about a failed run. 1.32.9 opens a dialog with the message; 1.58 shows a
    toast ("... failed", "View details") whose button opens the error panel with the report."""
    page.locator(".p-dialog").or_(page.get_by_role("button", name="View details")).first.wait_for(timeout=timeout_ms)
    details = page.get_by_role("button", name="View details")
    if details.count():
        details.first.click()
        panel = page.get_by_test_id("runtime-error-panel")
        panel.wait_for(timeout=timeout_ms)
        return panel.inner_text()
    return page.locator(".p-dialog").first.inner_text()


def offered_downloads(page, names) -> dict[str, str | None]:
    """The newest editor's missing-models panel (its "View details"): per file name, the URL it offers to
    download from (what "Copy URL" copies), or None where it offers none. Starts no download."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=page.server_url)
    page.get_by_text("View details").first.click()
    page.wait_for_timeout(SETTLE_MS)
    offered = {}
    for name in names:
        copy = page.get_by_role("button", name="Copy URL")
        row = page.locator("div", has=page.get_by_text(name, exact=True)).filter(has=copy).last
        if row.count() == 0 or row.get_by_role("button", name="Download").count() != 1:
            offered[name] = None
            continue
        row.get_by_role("button", name="Copy URL").click()
        page.wait_for_timeout(300)
        offered[name] = page.evaluate("() => navigator.clipboard.readText()")
    return offered

