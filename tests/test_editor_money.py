"""Money in the three editors users meet (headless Chromium): the pinned 1.32.9, the newest 1.58.1 with
its classic canvas, and 1.58.1 with Nodes 2.0 (Vue nodes, the default of new Desktop installs).

Starting from a ComfyUI with no key at all: the Settings dialog's Segmind section (the key saved and used
without a restart, never sent back; a bad cap refused; an environment override shown), the estimate on a
remote node following its widgets and links, "paid" after Run, a refused state after a cap refusal, the
balance on SegmindCredits, and the Segmind panel (totals, jobs, collecting a cancelled job for free, and
the job of a saved image from its receipt, and a batch: estimated, started, stopped, resumed, downloaded).
The tests of this module run in order on one ComfyUI per editor. Screenshots:
tests/screenshots/money/<editor>-<step>.png (not in git).
"""
from __future__ import annotations

import csv
import datetime
import io
import json
import os
import stat
import time
import uuid
from pathlib import Path

import pytest
from PIL import Image

from conftest import TEST_API_KEY, comfy_base, start_pack_server
from index_texts import IndexedModel, bundled_models, index_text
from frontend_driver import EDITORS, click_run, front_end_root, frontend, load, reopen, set_widget, widget_value
from stand_in_video import FPS, read_clip

REPO = Path(__file__).resolve().parent.parent
SCREENSHOTS = Path(os.environ.get("SEGMIND_SCREENSHOT_DIR", REPO / "tests" / "screenshots")) / "money"
NODE = "SegmindFluxDev"
ENV_DAY_CAP = "5"  # set in the server's environment: the dialog must say it wins

# The money text a user sees on a node: the pill in the node's DOM box (Nodes 2.0), or the canvas badge.
MONEY_TEXT_JS = """(type) => {
  const node = (app.graph.nodes || app.graph._nodes).find(n => n.type === type);
  if (!node) return null;
  if (LiteGraph.vueNodesMode) {
    const box = document.querySelector(`[data-node-id="${node.id}"]`);
    const pill = box && box.querySelector("[data-segmind-money]");
    if (!pill || pill.offsetParent === null) return "";
    const [b, p] = [box.getBoundingClientRect(), pill.getBoundingClientRect()];
    const inside = p.width > 0 && p.left >= b.left && p.right <= b.right && p.top >= b.top && p.bottom <= b.bottom;
    return inside ? pill.textContent : "(outside its node)";
  }
  app.canvas.setDirty(true, true);
  return (node.badges || []).map(b => (typeof b === "function" ? b() : b).text).filter(t => t && t.includes("$")
    || /refused|failed|balance/.test(t || "")).join(" | ");
}"""

FOCUS_JS = """(type) => {  // the node at a readable scale near the canvas's top left, for the screenshots
  const node = (app.graph.nodes || app.graph._nodes).find(n => n.type === type);
  app.canvas.ds.scale = 1.0;
  app.canvas.ds.offset = [120 - node.pos[0], 140 - node.pos[1]];
  app.canvas.setDirty(true, true);
}"""


@pytest.fixture(scope="module", params=EDITORS, ids=lambda editor: editor.name)
def editor(request, loopback, tmp_path_factory):
    """(the editor, its page, its ComfyUI, its base directory): a ComfyUI with no key."""
    which = request.param
    home = comfy_base(tmp_path_factory, f"money-{which.name}")
    server = start_pack_server(loopback, home, front_end_root(which.version), api_key="",
                               extra_env={"SEGMIND_MAX_SPEND_PER_DAY": ENV_DAY_CAP})
    try:
        with frontend(server.url, nodes_2=which.nodes_2) as page:
            yield which, page, server, home
    finally:
        server.stop()


def shoot(page, which, step: str, focus: str | None = None) -> Path:
    if focus:
        page.evaluate(FOCUS_JS, focus)
        page.wait_for_timeout(400)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{which.name}-{step}.png"
    page.screenshot(path=str(path))
    return path


def money_becomes(page, text: str, node_type: str = NODE, timeout_ms: float = 15_000) -> str:
    try:
        page.wait_for_function(f"(type) => (({MONEY_TEXT_JS})(type) || '').startsWith({json.dumps(text)})",
                               arg=node_type, timeout=timeout_ms)
    except Exception:
        raise AssertionError(f"{node_type} shows {page.evaluate(MONEY_TEXT_JS, node_type)!r}, not {text!r}") from None
    return page.evaluate(MONEY_TEXT_JS, node_type)


def config(server) -> dict:
    return server.get_json("/segmind-flux/config")


def post_config(server, changes: dict) -> tuple[int, dict]:
    status, body = server.request("POST", "/segmind-flux/config", changes)
    return status, json.loads(body)


def open_segmind_settings(page):
    if setting(page, "api_key").is_visible():  # a test of this module may run alone or after another
        return page.locator("[role=dialog]").last
    page.evaluate("() => app.extensionManager.command.execute('Comfy.ShowSettingsDialog')")
    dialog = page.locator("[role=dialog]").last
    dialog.get_by_text("Segmind", exact=True).first.click()
    page.locator("[data-segmind-setting=api_key] [data-role=state]").filter(has_text="set").wait_for(timeout=10_000)
    return dialog


def setting(page, name: str):
    return page.locator(f"[data-segmind-setting={name}]")


def save_setting(page, name: str, value: str) -> str:
    """Types a value and saves it as a user does; returns the message the dialog shows."""
    field = setting(page, name)
    field.locator("input").fill(value)
    field.locator("[data-role=save], button").first.click()
    message = field.locator("[data-role=message]")
    page.wait_for_function(  # the answer to this save, not the one before it
        "(element) => element.textContent.endsWith('.') && !element.textContent.startsWith('Saving')",
        arg=message.element_handle(), timeout=10_000)
    return message.inner_text()


def load_dev_workflow(page, prompt: str | None = None) -> None:
    ui = json.loads((REPO / "workflows" / "segmind_flux_dev.json").read_text(encoding="utf-8"))
    loaded = load(page, ui)
    assert loaded["missing"] == [], loaded
    set_widget(page, NODE, "prompt", prompt or f"a fox, {uuid.uuid4().hex}")  # never in the result cache


def run_and_wait(page, server) -> dict:
    before = set(server.get_json("/history"))
    click_run(page)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        new = [prompt_id for prompt_id in server.get_json("/history") if prompt_id not in before]
        if new:
            return server.wait_history(new[0])
        time.sleep(0.2)
    raise AssertionError("Run queued nothing")


def test_settings_save_a_key_that_is_never_sent_back(editor):
    which, page, server, home = editor
    assert config(server)["api_key_set"] is False
    open_segmind_settings(page)
    assert setting(page, "api_key").locator("[data-role=state]").inner_text().startswith("No key is set.")
    shoot(page, which, "1-settings-no-key")
    assert save_setting(page, "api_key", TEST_API_KEY) == "Saved; used from the next run."
    state = setting(page, "api_key").locator("[data-role=state]").inner_text()
    assert state.startswith(f"A key is set (…{TEST_API_KEY[-4:]}).") and "ComfyUI's Settings" in state, state
    assert setting(page, "api_key").locator("input").input_value() == ""  # the page keeps no copy
    saved = home / "user" / "comfyui-segmind-flux" / "settings.json"
    assert json.loads(saved.read_text())["api_key"] == TEST_API_KEY
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    answer = config(server)
    assert answer["api_key_set"] is True and answer["api_key_hint"] == TEST_API_KEY[-4:]
    assert TEST_API_KEY not in json.dumps(answer)
    shoot(page, which, "2-settings-key-saved")


@pytest.mark.parametrize("typed", ["abc", "-1", "nan", "0"])
def test_settings_refuse_a_bad_cap_in_the_servers_words_and_save_nothing(editor, typed):
    which, page, server, home = editor
    saved = home / "user" / "comfyui-segmind-flux" / "settings.json"
    open_segmind_settings(page)
    before = saved.read_text() if saved.exists() else None
    status, refusal = post_config(server, {"max_spend_per_prompt": typed})
    assert status == 400 and "max_spend_per_prompt" in refusal["error"]
    shown = save_setting(page, "max_spend_per_prompt", typed)
    assert shown == refusal["error"] and repr(typed) in shown, shown
    assert (saved.read_text() if saved.exists() else None) == before
    if typed == "abc":
        shoot(page, which, "3-settings-bad-cap")


def test_settings_show_an_environment_override(editor):
    which, page, server, home = editor
    open_segmind_settings(page)
    state = setting(page, "max_spend_per_day").locator("[data-role=state]")
    assert "the environment variable SEGMIND_MAX_SPEND_PER_DAY" in state.inner_text()
    save_setting(page, "max_spend_per_day", "1")
    page.wait_for_timeout(300)
    assert "overrides the value saved here" in state.inner_text(), state.inner_text()
    assert config(server)["max_spend_per_day"] == float(ENV_DAY_CAP)
    shoot(page, which, "4-settings-env-override")
    reopen(page)


def test_the_estimate_follows_widgets_and_links_and_a_run_shows_what_it_paid(editor, segmind):
    which, page, server, home = editor
    load_dev_workflow(page)
    assert money_becomes(page, "~$0.02") == "~$0.02"
    shoot(page, which, "5-estimate-samples-1", focus=NODE)
    set_widget(page, NODE, "samples", 4)
    assert money_becomes(page, "~$0.08") == "~$0.08"
    set_widget(page, NODE, "steps", 50)
    assert money_becomes(page, "~$0.16") == "~$0.16"
    set_widget(page, NODE, "steps", 25)
    money_becomes(page, "~$0.08")
    # A value over a link is not known before the run: it counts at its most expensive (steps 50).
    page.evaluate("""(type) => {
      const node = app.graph.nodes.find(n => n.type === type);
      const source = LiteGraph.createNode("PrimitiveInt");
      source.pos = [node.pos[0] - 300, node.pos[1] + 420];
      app.graph.add(source);
      source.connect(0, node, node.findInputSlot("steps"));
      window.__segmindSource = source;
    }""", NODE)
    assert money_becomes(page, "~$0.16") == "~$0.16"
    shoot(page, which, "6-estimate-linked-steps", focus=NODE)
    page.evaluate("() => app.graph.remove(window.__segmindSource)")
    assert money_becomes(page, "~$0.08") == "~$0.08"
    shoot(page, which, "7-estimate-samples-4", focus=NODE)
    # The key saved in the dialog is used without a restart.
    result = run_and_wait(page, server)
    assert result["status"]["status_str"] == "success", result["status"]
    shown = money_becomes(page, "paid $0.08", timeout_ms=30_000)
    assert shown.startswith("paid $0.08 · today $0.08"), shown
    assert [post.body["samples"] for post in segmind.posts()] == [4]
    page.wait_for_timeout(1000)  # the cost stays after the run (progress text and late answers aside)
    assert page.evaluate(MONEY_TEXT_JS, NODE) == shown
    shoot(page, which, "8-after-run", focus=NODE)
    assert page.errors == [], page.errors


def test_the_node_for_any_model_shows_segmind_s_average_and_follows_the_model(editor, segmind):
    which, page, server, _ = editor
    ui = json.loads((REPO / "workflows" / "segmind_flux_any_model.json").read_text(encoding="utf-8"))
    assert load(page, ui)["missing"] == []
    averages = {row["slug"]: row["avg_cost_usd"] for row in server.get_json("/segmind-flux/catalogue")["models"]}
    shown = money_becomes(page, f"~${averages['flux-ipadapter']:.4f}", "SegmindFluxAnyModel")
    assert shown.endswith("Segmind avg"), shown
    # Another model with no typed node, whose offered example also puts the connected image in "image".
    set_widget(page, "SegmindFluxAnyModel", "model", "clarityai-flux-upscaler")
    assert money_becomes(page, f"~${averages['clarityai-flux-upscaler']:.2f}",
                         "SegmindFluxAnyModel").endswith("Segmind avg")
    shoot(page, which, "any-model", focus="SegmindFluxAnyModel")
    assert segmind.received == []  # estimates are free and offline


def parameters_become(page, text: str) -> None:
    page.wait_for_function("""(text) => (app.graph.nodes || app.graph._nodes).find(n => n.type === "SegmindFluxAnyModel")
      .widgets.find(w => w.name === "parameters").value === text""", arg=text, timeout=10_000)


def test_picking_a_model_offers_its_example_unless_the_text_is_the_user_s_own(editor, segmind):
    which, page, server, _ = editor
    ui = json.loads((REPO / "workflows" / "segmind_flux_any_model.json").read_text(encoding="utf-8"))
    assert load(page, ui)["missing"] == []
    examples = server.get_json("/segmind-flux/catalogue")["examples"]
    assert widget_value(page, "SegmindFluxAnyModel", "parameters") == examples["flux-ipadapter"]
    set_widget(page, "SegmindFluxAnyModel", "model", "flux-1.1-pro-ultra")  # a page example kept in the pack
    parameters_become(page, examples["flux-1.1-pro-ultra"])
    assert json.loads(examples["flux-1.1-pro-ultra"])["raw"] is False
    set_widget(page, "SegmindFluxAnyModel", "model", "flux-img2img")  # a typed model: its page defaults
    parameters_become(page, examples["flux-img2img"])
    assert json.loads(examples["flux-img2img"])["image"] == "{image_1}"
    shoot(page, which, "any-model-example", focus="SegmindFluxAnyModel")
    own = '{"prompt": "my own request", "image": "{image_1}"}'
    set_widget(page, "SegmindFluxAnyModel", "parameters", own)
    set_widget(page, "SegmindFluxAnyModel", "model", "flux-ipadapter")
    page.wait_for_timeout(1_500)  # six looks of the watcher
    assert widget_value(page, "SegmindFluxAnyModel", "parameters") == own
    assert segmind.received == []


MODEL_OPTIONS_JS = """(type) => {
  const node = (app.graph.nodes || app.graph._nodes).find(n => n.type === type);
  return node.widgets.find(w => w.name === "model").options.values;
}"""


def test_the_panel_shows_the_catalogue_and_a_refresh_offers_a_new_model_at_once(editor, segmind):
    which, page, server, _ = editor
    ui = json.loads((REPO / "workflows" / "segmind_flux_any_model.json").read_text(encoding="utf-8"))
    assert load(page, ui)["missing"] == []
    open_panel(page)
    summary = page.locator("[data-segmind-panel] [data-role=catalogue-summary]")
    page.wait_for_function("() => document.querySelector('[data-role=catalogue-summary]')?.textContent"
                           ".startsWith('Models:')", timeout=10_000)
    assert summary.inner_text() == "Models: 40, Segmind's index of 2026-08-19"
    newest = IndexedModel("flux-3-pro", "FLUX 3 Pro", "Text-to-Image Generation", 0.08, 18.5, "Newest.")
    segmind.index_text = index_text(bundled_models()[1:] + [newest])
    try:
        page.locator("[data-segmind-panel] [data-role=catalogue-refresh]").click()
        page.wait_for_function("() => document.querySelector('[data-role=catalogue-message]')"
                               "?.getAttribute('data-state') === 'done'", timeout=15_000)
        message = page.locator("[data-segmind-panel] [data-role=catalogue-message]").inner_text()
        assert "new: flux-3-pro" in message and f"retired: {bundled_models()[0].slug}" in message, message
        today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
        assert summary.inner_text() == f"Models: 40, Segmind's index of {today} · 1 retired"
        # The node offers the new model without a reload, and still the retired one (saved workflows load).
        page.wait_for_function(f"(type) => ({MODEL_OPTIONS_JS})(type).includes('flux-3-pro')",
                               arg="SegmindFluxAnyModel", timeout=10_000)
        assert bundled_models()[0].slug in page.evaluate(MODEL_OPTIONS_JS, "SegmindFluxAnyModel")
        shoot(page, which, "catalogue-refreshed")
        # The refresh reads the public index once, without the key; the panel itself reads only the balance.
        index_reads = [r for r in segmind.received if r.path == "/llms.txt"]
        assert len(index_reads) == 1 and "x-api-key" not in index_reads[0].headers
        assert {r.path for r in segmind.received} <= {"/llms.txt", "/v1/get-user-credits"}, segmind.received
    finally:
        segmind.index_text = index_text(bundled_models())
        server.request("POST", "/segmind-flux/catalogue/refresh", {})


def test_a_refused_run_shows_that_nothing_was_sent(editor, segmind):
    which, page, server, home = editor
    assert post_config(server, {"max_spend_per_prompt": "0.01"})[0] == 200
    try:
        load_dev_workflow(page)
        money_becomes(page, "~$0.02")
        result = run_and_wait(page, server)
        assert result["status"]["status_str"] == "error"
        assert money_becomes(page, "refused · nothing sent") == "refused · nothing sent"
        assert segmind.posts() == []
        shoot(page, which, "9-refused", focus=NODE)
    finally:
        assert post_config(server, {"max_spend_per_prompt": ""})[0] == 200
        reopen(page)  # no error panel left


def test_segmind_credits_shows_the_balance(editor, segmind):
    which, page, server, home = editor
    page.evaluate("""() => {
      app.graph.clear();
      const node = LiteGraph.createNode("SegmindCredits");
      node.pos = [200, 200];
      app.graph.add(node);
    }""")
    result = run_and_wait(page, server)
    assert result["status"]["status_str"] == "success", result["status"]
    assert money_becomes(page, "balance $", "SegmindCredits") == f"balance ${segmind.credits:.2f} + $0 free"
    shoot(page, which, "10-credits", focus="SegmindCredits")


def open_panel(page):
    content = page.locator("[data-segmind-panel] [data-role=content]")
    if not content.is_visible():  # the tab toggles: a test of this module may find it open already
        page.evaluate("() => app.extensionManager.command.execute('Workspace.ToggleSidebarTab.segmind-flux')")
    content.locator("[data-role=balance]").wait_for(timeout=10_000)
    return content


def panel_after_refresh(page):
    content = page.locator("[data-segmind-panel] [data-role=content]")
    before = content.get_attribute("data-loaded-at")
    page.locator("[data-segmind-panel] [data-role=refresh]").click()
    page.wait_for_function("""(before) => {
      const c = document.querySelector("[data-segmind-panel] [data-role=content]");
      return c && c.getAttribute("data-loaded-at") !== before;
    }""", arg=before, timeout=15_000)
    return content


def test_the_panel_shows_the_totals_and_the_jobs(editor, segmind):
    which, page, server, home = editor
    load_dev_workflow(page)
    assert run_and_wait(page, server)["status"]["status_str"] == "success"  # the third run: $0.02
    view = server.get_json("/segmind-flux/spend")
    assert TEST_API_KEY not in json.dumps(view)
    jobs = view["jobs"]
    assert [job["state"] for job in jobs[:3]] == ["paid", "refused", "paid"], jobs[:3]
    assert [job["cost"] for job in jobs[:3]] == [0.02, 0.0, 0.08]
    assert [job["estimate"] for job in jobs[:3]] == [0.02, 0.02, 0.08]
    assert all(job["node_title"] == "Segmind Flux.1 Dev" and job["model"] == "flux-dev" for job in jobs[:3])
    assert jobs[0]["request_id"] and jobs[0]["thumbnail"] and jobs[0]["duration_s"] > 0
    assert view["spent_today"] == pytest.approx(0.10) and view["days"][-1]["usd"] == pytest.approx(0.10)
    assert view["models"] == [{"model": "flux-dev", "name": "Segmind Flux.1 Dev", "usd": pytest.approx(0.10),
                              "text": "$0.10"}]
    assert view["caps"]["per_day"] == float(ENV_DAY_CAP)
    assert view["balance"]["credits"] == pytest.approx(segmind.credits)
    content = open_panel(page)
    panel_after_refresh(page)
    text = content.inner_text()
    assert "Today: $0.10" in text and "per day: $0.10 of $5.00" in text, text
    assert f"${segmind.credits:.2f}" in content.locator("[data-role=balance]").inner_text()
    rows = content.locator("[data-job]")
    assert [rows.nth(i).get_attribute("data-state") for i in range(3)] == ["paid", "refused", "paid"]
    assert "Segmind Flux.1 Dev: $0.10" in content.locator("[data-role=models]").inner_text()
    page.wait_for_function("""() => [...document.querySelectorAll("[data-segmind-panel] img.thumb")]
      .some(img => img.complete && img.naturalWidth > 0)""", timeout=10_000)
    shoot(page, which, "11-panel")


def test_a_cancelled_job_is_collected_from_the_panel_without_a_new_submission(editor, segmind):
    which, page, server, home = editor
    segmind.job_seconds = 6.0
    load_dev_workflow(page)
    click_run(page)
    segmind.wait_for_submission()
    server.interrupt()
    assert len(segmind.posts()) == 1
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.get_json("/segmind-flux/spend")["jobs"][0]["state"] != "cancelled":
        time.sleep(0.2)
    content = panel_after_refresh(page)
    row = content.locator("[data-job]").first
    assert row.get_attribute("data-state") == "cancelled"
    shoot(page, which, "12-panel-cancelled")
    row.locator("[data-collect]").click()
    page.wait_for_function("""() => document.querySelector("[data-segmind-panel] [data-job]")
      ?.getAttribute("data-state") === "collected" """, timeout=30_000)
    assert len(segmind.posts()) == 1  # collecting fetched the finished job: no new submission
    job = server.get_json("/segmind-flux/spend")["jobs"][0]
    assert job["state"] == "collected" and job["thumbnail"] and not job["collectable"]
    page.wait_for_function("""() => { const img = document.querySelector("[data-segmind-panel] [data-job] img.thumb");
      return img && img.complete && img.naturalWidth > 0; }""", timeout=10_000)
    shoot(page, which, "13-panel-collected")
    assert page.errors == [], page.errors


def test_after_a_reload_the_key_is_nowhere_but_its_file(editor):
    which, page, server, home = editor
    reopen(page)
    load_dev_workflow(page)
    found = page.evaluate("""async (key) => {
      const places = {
        page: document.documentElement.outerHTML,
        localStorage: JSON.stringify({...localStorage}),
        sessionStorage: JSON.stringify({...sessionStorage}),
        workflow: JSON.stringify(app.graph.serialize()),
        prompt: JSON.stringify(await app.graphToPrompt()),
      };
      return Object.entries(places).filter(([, text]) => text.includes(key)).map(([where]) => where);
    }""", TEST_API_KEY)
    assert found == []
    for route in ("/object_info", "/settings", "/segmind-flux/config", "/segmind-flux/spend"):
        assert TEST_API_KEY not in json.dumps(server.get_json(route)), route
    keeper = home / "user" / "comfyui-segmind-flux" / "settings.json"
    holders = [path for path in home.rglob("*") if path.is_file() and not path.is_symlink()
               and TEST_API_KEY.encode() in path.read_bytes()]
    assert holders == [keeper], holders


def test_a_saved_images_job_is_collected_again_from_its_receipt_in_the_panel(editor, segmind):
    which, page, server, home = editor
    segmind.job_seconds = 0.3
    load_dev_workflow(page)
    result = run_and_wait(page, server)
    assert result["status"]["status_str"] == "success", result["status"]
    [saved] = [image for output in result["outputs"].values() for image in output.get("images", [])
               if image["type"] == "output"]
    png = home / "output" / saved["subfolder"] / saved["filename"]
    [post] = segmind.posts()
    with Image.open(png) as image:  # the editor's workflow and the job's receipt, side by side
        assert json.loads(image.text["workflow"])["nodes"]
        [receipt] = json.loads(image.text["segmind"])["jobs"].values()
    request_id = receipt["request_id"]
    assert segmind.jobs[request_id]["body"] == post.body
    content = open_panel(page)
    assert content.is_visible()
    page.locator("[data-segmind-panel] [data-role=receipt-file]").set_input_files(str(png))
    page.wait_for_function("""() => document.querySelector("[data-segmind-panel] [data-role=receipt-result]")
      ?.getAttribute("data-state") === "done" """, timeout=30_000)
    job = page.locator(f"[data-segmind-panel] [data-receipt-job='{request_id}']")
    assert job.get_attribute("data-collected") == "yes", page.locator("[data-role=receipt-result]").inner_text()
    assert "Segmind Flux.1 Dev" in job.inner_text() and "1 image(s) saved in output/segmind-collected" in job.inner_text()
    page.wait_for_function("""() => { const img = document.querySelector("[data-receipt-job] img.thumb");
      return img && img.complete && img.naturalWidth > 0; }""", timeout=10_000)
    assert len(segmind.posts()) == 1  # collected with GETs: nothing submitted again
    [(served, _)] = segmind.jobs[request_id]["images"]
    assert [path.read_bytes() for path in (home / "output" / "segmind-collected").glob(f"*{request_id}*")] == [served]
    shoot(page, which, "14-panel-receipt")
    page.locator("[data-segmind-panel] [data-role=receipt-file]").set_input_files(
        str(REPO / "workflows" / "segmind_flux_dev.jpg"))  # no receipt in it
    page.wait_for_function("""() => document.querySelector("[data-segmind-panel] [data-role=receipt-error]")
      ?.textContent.includes("carries no Segmind receipt")""", timeout=10_000)
    assert page.errors == [], page.errors


def test_a_batch_from_the_panel_is_estimated_started_stopped_resumed_and_its_results_downloaded(
        editor, segmind, tmp_path):
    which, page, server, home = editor
    segmind.job_seconds = 1.0
    ui = json.loads((REPO / "workflows" / "segmind_flux_schnell.json").read_text(encoding="utf-8"))
    assert load(page, ui)["missing"] == []
    node = next(node["id"] for node in ui["nodes"] if node["type"] == "SegmindFluxSchnell")
    tag = uuid.uuid4().hex[:8]  # never in the result cache
    rows = tmp_path / "foxes.csv"
    rows.write_text(f"{node}.prompt,{node}.seed\n" + "".join(f"fox {tag} {n},{n}\n" for n in range(1, 6)))
    open_panel(page)
    section = page.locator("[data-segmind-panel] [data-segmind-batch]")
    section.locator("[data-role=batch-file]").set_input_files(str(rows))
    section.locator("[data-role=batch-parallel]").fill("1")
    section.locator("[data-role=batch-estimate]").click()
    page.wait_for_function("""() => document.querySelector("[data-segmind-batch] [data-role=batch-verdict]")
      ?.getAttribute("data-state") === "done" """, timeout=15_000)
    assert "5 rows · estimate" in section.locator("[data-role=batch-estimate-text]").inner_text()
    assert segmind.posts() == []  # an estimate sends nothing
    section.locator("[data-role=batch-start]").click()
    batch = section.locator("[data-batch]").first

    def batch_becomes(condition: str, timeout_ms: float = 60_000) -> None:
        page.wait_for_function(f"""() => {{ const b = document.querySelector("[data-segmind-batch] [data-batch]");
          return b && ({condition}); }}""", timeout=timeout_ms)

    batch_becomes("""b.dataset.state === "running" && Number(b.dataset.done) >= 1""")
    batch.locator("[data-batch-stop]").click()
    batch_becomes("""b.dataset.state === "stopped" """)
    assert int(batch.get_attribute("data-done")) < 5
    shoot(page, which, "15-panel-batch-stopped")
    batch.locator("[data-batch-resume]").click()
    batch_becomes("""b.dataset.state === "done" && Number(b.dataset.done) === 5""", 90_000)
    page.wait_for_function("""() => [...document.querySelectorAll("[data-segmind-batch] [data-batch] img.thumb")]
      .some(img => img.complete && img.naturalWidth > 0)""", timeout=10_000)
    with page.expect_download() as download:
        batch.locator("[data-batch-results]").click()
    results = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert sorted(int(r["row"]) for r in results) == [1, 2, 3, 4, 5] and {r["status"] for r in results} == {"ok"}
    seeds = sorted(p.body["seed"] for p in segmind.posts())
    assert seeds == [1, 2, 3, 4, 5]  # each row paid once, across the stop
    first = server.get_json(f"/segmind-flux/batches/{batch.get_attribute('data-batch')}")["rows"][0]
    status, png = server.request("GET", first["images"][0])
    with Image.open(io.BytesIO(png)) as saved:  # the editor's workflow rides along, as in a run from the editor
        assert status == 200 and "SegmindFluxSchnell" in [n["type"] for n in json.loads(saved.text["workflow"])["nodes"]]
    shoot(page, which, "16-panel-batch-done")
    # Prompts pasted one a line, for the graph's remote node, instead of a file: estimated, nothing sent.
    section.locator("[data-role=batch-file]").set_input_files([])
    section.locator("[data-role=batch-prompts]").fill(f"a heron {tag}\n\na crane {tag}\n")
    section.locator("[data-role=batch-estimate]").click()
    page.wait_for_function("""() => document.querySelector("[data-segmind-batch] [data-role=batch-estimate-text]")
      ?.textContent.includes("2 rows")""", timeout=15_000)
    assert len(segmind.posts()) == 5
    assert page.errors == [], page.errors


VIDEO_RUNS = [("segmind_flux_3_text_to_video", "SegmindFlux3TextToVideo"),
              ("segmind_flux_3_image_to_video", "SegmindFlux3ImageToVideo")]


@pytest.mark.parametrize("workflow,node", VIDEO_RUNS)
def test_a_video_node_is_estimated_per_second_runs_and_its_saved_video_collects_again(editor, segmind, workflow,
                                                                                       node):
    """The estimate before Run follows the clip's seconds and resolution (Segmind's average as a 5 s HD clip,
    auto as 20 s); a run saves the MP4 with its sound, the editor previews it, the panel collects it again."""
    which, page, server, home = editor
    if not config(server)["api_key_set"]:  # the settings tests save it when the module runs whole
        assert post_config(server, {"api_key": TEST_API_KEY})[0] == 200
    segmind.credits = 100.0
    loaded = load(page, json.loads((REPO / "workflows" / f"{workflow}.json").read_text(encoding="utf-8")))
    assert loaded["missing"] == [], loaded
    set_widget(page, node, "prompt", f"a fox says hello, {uuid.uuid4().hex}")
    assert money_becomes(page, "~$1.06", node) == "~$1.06 Segmind avg"  # 5 s in HD
    set_widget(page, node, "duration", "10")
    money_becomes(page, "~$2.12", node)
    set_widget(page, node, "resolution", "fhd")
    money_becomes(page, "~$3.63", node)  # ComfyUI's FLUX 3 price ratio, Full HD to HD: 1.71
    set_widget(page, node, "duration", "auto")
    money_becomes(page, "~$7.25", node)  # counted as the longest clip, 20 s
    shoot(page, which, f"20-{workflow}-estimate", focus=node)
    set_widget(page, node, "duration", "5")
    set_widget(page, node, "resolution", "hd")
    result = run_and_wait(page, server)
    assert result["status"]["status_str"] == "success", result["status"]
    [post] = segmind.posts("/v2/")
    assert post.body["duration"] == 5 and post.body["resolution"] == "hd"
    [saved] = [file for output in result["outputs"].values() for file in output.get("images", [])
               if file["filename"].endswith(".mp4")]
    path = home / "output" / saved["subfolder"] / saved["filename"]
    clip = read_clip(path)
    assert clip["frames"] == 5 * FPS and clip["audio_samples"] > 0
    # The editor previews the saved video (Save Video's output), as it does core's.
    page.wait_for_function("(name) => [...document.querySelectorAll('video')].some(v => v.src.includes(name))",
                           arg=saved["filename"], timeout=15_000)
    shown = money_becomes(page, "paid $1.06", node, timeout_ms=30_000)
    shoot(page, which, f"21-{workflow}-after-run", focus=node)
    assert shown.startswith("paid $1.06")
    open_panel(page)
    page.locator("[data-segmind-panel] [data-role=receipt-file]").set_input_files(str(path))
    page.wait_for_function("""() => document.querySelector("[data-segmind-panel] [data-role=receipt-result]")
      ?.getAttribute("data-state") === "done" """, timeout=30_000)
    [job] = json.loads(clip["metadata"]["segmind"])["jobs"].values()
    row = page.locator(f"[data-segmind-panel] [data-receipt-job='{job['request_id']}']")
    assert row.get_attribute("data-collected") == "yes", page.locator("[data-role=receipt-result]").inner_text()
    assert "1 video(s) saved in output/segmind-collected" in row.inner_text()
    assert len(segmind.posts("/v2/")) == 1  # collected with GETs only
    shoot(page, which, f"22-{workflow}-panel-receipt")
    assert page.errors == [], page.errors
