"""The example workflows and the remote nodes in the real editor, in the three editors users meet: the
frontend ComfyUI 0.3.75 pins (1.32.9), and the newest on PyPI (1.58.1, served by the same backend with
--front-end-root) with its classic canvas and with Nodes 2.0. The Nodes 2.0 editor is a fresh install
(no model files yet: the local workflows' loaders grow an "Issues" footer), as new Desktop users meet it.

Screenshots of every workflow in each editor: tests/screenshots/<editor>/<name>.png (not in git).
"""
from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from conftest import TEST_API_KEY, comfy_base, start_pack_server
from frontend_driver import (EDITORS, NEWEST_FRONTEND, PINNED_FRONTEND, api_prompt, click_run, error_report,
                             front_end_root, frontend, layout, load, offered_downloads, reopen, set_widget,
                             widget_names, widget_value)
from example_files import api_of, ui_of
from pack_loader import load_pack_module
from segmind_loopback import Fault
from workflow_catalog import catalog, place_placeholder_models
from workflow_layout import layout_problems

REPO = Path(__file__).resolve().parent.parent
CATALOG = catalog()
NAMES = sorted(CATALOG)
SCREENSHOTS = Path(os.environ.get("SEGMIND_SCREENSHOT_DIR", REPO / "tests" / "screenshots"))
REMOTE_WORKFLOW, REMOTE_NODE = "segmind_flux_schnell", "SegmindFluxSchnell"
specs = load_pack_module("specs")


@pytest.fixture(scope="module", params=EDITORS, ids=lambda which: which.name)
def which(request):
    return request.param


@pytest.fixture(scope="module")
def version(which) -> str:
    return which.version


@pytest.fixture(scope="module")
def editor_server(request, which, loopback, tmp_path_factory):
    """The pack's ComfyUI serving that frontend (for Nodes 2.0: a fresh install, no model files)."""
    if which.version == PINNED_FRONTEND:
        yield request.getfixturevalue("comfy")
        return
    home = comfy_base(tmp_path_factory, f"comfy-{which.name}")
    if not which.nodes_2:
        place_placeholder_models(home)
    server = start_pack_server(loopback, home, front_end_root(which.version))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def editor(editor_server, which):
    with frontend(editor_server.url, nodes_2=which.nodes_2) as page:
        yield page


def complaints_beyond_missing_models(which, name: str, dialogs: list[str]) -> list[str]:
    """What the editor complained about on loading, less the missing-model notice of a fresh install, and
    its notice that the example input image is not in the fresh install's input folder (the runner and
    the other editors here have it; a user loads their own)."""
    fresh = which.nodes_2 and CATALOG[name]["remote"] is not True  # it needs model files
    loads_image = which.nodes_2 and any(n["type"] == "LoadImage" for n in CATALOG[name]["graph"]["nodes"])
    return [text for text in dialogs if not (fresh and "issues found" in text)
            and not (loads_image and "Media input missing" in text)]


@pytest.fixture
def fresh_editor(editor):
    """The editor, opened afresh after the test: no dialog or error panel left for the next one."""
    yield editor
    reopen(editor)


def run_from_editor(page, server, timeout: float = 120.0) -> dict:
    """Clicks Run as a user does and waits for the prompt it queued to end; returns its history."""
    before = set(server.get_json("/history"))
    click_run(page)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        queued = [prompt_id for prompt_id in server.get_json("/history") if prompt_id not in before]
        if queued:
            return server.wait_history(queued[0])
        time.sleep(0.2)
    raise AssertionError(f"clicking Run in {page.frontend_version} ran no prompt within {timeout:.0f} s")


def load_remote_workflow_with_a_new_prompt(page) -> str:
    """A prompt never generated before, so the run is not answered from a cache."""
    loaded = load(page, ui_of(REMOTE_WORKFLOW))
    assert loaded["missing"] == [] and loaded["dialogs"] == [], loaded
    prompt = f"a lighthouse at dusk, {uuid.uuid4().hex}"
    set_widget(page, REMOTE_NODE, "prompt", prompt)
    return prompt


def test_the_server_serves_the_frontend_asked_for(editor, version):
    assert editor.frontend_version == version


@pytest.mark.parametrize("name", NAMES)
def test_each_workflow_loads_with_its_values_and_gives_its_api_file(editor, which, version, name):
    ui = ui_of(name)
    loaded = load(editor, ui)
    assert loaded["missing"] == [] and complaints_beyond_missing_models(which, name, loaded["dialogs"]) == [], loaded
    saved = {str(node["id"]): node for node in ui["nodes"]}
    expected_api = api_of(name)
    for node in loaded["serialized"]["nodes"]:
        values, expected = node.get("widgets_values", []), saved[str(node["id"])].get("widgets_values", [])
        assert values == expected, (name, node["type"])
        if version != NEWEST_FRONTEND and node["type"] == "PreviewAny":
            # 1.32.9 sends PreviewAny's display widget as an input, which ComfyUI ignores and 1.58 no longer
            # sends: the API files leave it out (scripts/build_workflows.py).
            assert loaded["api"][str(node["id"])]["inputs"].pop("preview") == ""
        if node["type"] == "LoadVideo":  # every editor sends its preview widget as an input, ComfyUI ignores it
            assert loaded["api"][str(node["id"])]["inputs"].pop("video-preview") == ""
    assert loaded["api"] == expected_api
    assert editor.errors == [], editor.errors


@pytest.mark.parametrize("name", NAMES)
def test_each_workflow_reads_left_to_right_without_overlaps_all_on_screen(editor, which, name):
    ui = ui_of(name)
    loaded = load(editor, ui)
    assert loaded["missing"] == [] and complaints_beyond_missing_models(which, name, loaded["dialogs"]) == [], loaded
    facts = layout(editor)
    assert facts["nodes_2"] == which.nodes_2
    shot = SCREENSHOTS / which.name / f"{name}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    editor.screenshot(path=str(shot))
    assert layout_problems(facts) == [], f"{name} in {which.name}, see {shot}"
    # Loaders and notes, then the model nodes, then outputs: every column wholly left of the next.
    column = {str(node["id"]): spec["col"]
              for node, spec in zip(ui["nodes"], CATALOG[name]["graph"]["nodes"], strict=True)}
    boxes = {node["id"]: node["box"] for node in facts["nodes"]}
    for a, box_a in boxes.items():
        for b, box_b in boxes.items():
            if column[a] < column[b]:
                assert box_a[2] < box_b[0], (name, a, b)
    assert facts["scale"] >= 0.5, f"{name} is too large to read after fit view in 1600x1000 ({facts['scale']:.2f})"


@pytest.mark.parametrize("name", [n for n in NAMES if CATALOG[n]["remote"] is not True])
def test_a_fresh_install_is_offered_every_missing_model_file_for_download(fresh_editor, which, name):
    if not which.nodes_2:
        pytest.skip("only the fresh install (Nodes 2.0 here) lacks the model files")
    wanted = {model["name"]: model["url"] for node in ui_of(name)["nodes"]
              for model in node.get("properties", {}).get("models", [])}
    assert len(wanted) >= 4, name  # a diffusion model, two text encoders, the VAE
    downloads = []
    started = lambda download: downloads.append(download)  # noqa: E731 (playwright tags its handlers)
    fresh_editor.on("download", started)
    try:
        load(fresh_editor, ui_of(name))
        offered = offered_downloads(fresh_editor, wanted)
    finally:
        fresh_editor.remove_listener("download", started)
    # The editor copies a Hugging Face file's page (blob/) for its download link (resolve/).
    assert {file: url.replace("/resolve/", "/blob/") for file, url in wanted.items()} == offered
    assert downloads == []


def test_a_remote_workflow_runs_from_the_editor(editor, editor_server, segmind):
    prompt = load_remote_workflow_with_a_new_prompt(editor)
    sent = api_prompt(editor)
    result = run_from_editor(editor, editor_server)
    assert result["status"]["status_str"] == "success", result["status"]
    model = next(node for node in sent.values() if node["class_type"] == REMOTE_NODE)
    assert model["inputs"]["prompt"] == prompt
    spec = specs.MODELS_BY_NODE_ID[REMOTE_NODE]
    assert [post.body for post in segmind.posts()] == [{p.name: model["inputs"][p.name] for p in spec.params}]
    saved = [image for output in result["outputs"].values() for image in output.get("images", [])]
    assert len(saved) == 1


def test_queueing_again_never_pays_again_and_no_seed_control_widget(editor, editor_server, segmind):
    inputs = editor_server.get_json(f"/object_info/{REMOTE_NODE}")[REMOTE_NODE]["input"]
    load_remote_workflow_with_a_new_prompt(editor)
    names = widget_names(editor, REMOTE_NODE)
    # 1.32.9 would add a control widget that re-rolls the seed before each Queue ("randomize").
    assert set(names) <= set(inputs["required"]) | set(inputs.get("optional", {})), names
    seed = widget_value(editor, REMOTE_NODE, "seed")
    for _ in range(2):
        assert run_from_editor(editor, editor_server)["status"]["status_str"] == "success"
    assert widget_value(editor, REMOTE_NODE, "seed") == seed
    assert len(segmind.posts()) == 1


@pytest.mark.parametrize("status, says", [
    (401, ["HTTP 401 Unauthorized", "The API key is missing or invalid", "SEGMIND_API_KEY"]),
    (422, ["HTTP 422", "not billed"]),
])
def test_a_refused_run_shows_a_readable_error(fresh_editor, which, editor_server, segmind, status, says):
    load_remote_workflow_with_a_new_prompt(fresh_editor)
    segmind.inject(Fault("POST", "/v", status=status, body={"error": f"refused with {status}"}))
    result = run_from_editor(fresh_editor, editor_server)
    assert result["status"]["status_str"] == "error"
    text = error_report(fresh_editor)
    fresh_editor.screenshot(path=str(SCREENSHOTS / which.name / f"error-{status}.png"))
    for words in [specs.MODELS_BY_NODE_ID[REMOTE_NODE].display_name, f"refused with {status}", *says]:
        assert words in text, (words, text)
    assert TEST_API_KEY not in text
