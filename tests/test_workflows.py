"""The example workflows: headless on the real server, and as templates (in the editor: test_editor.py)."""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
from stand_in_video import FPS, clip_seconds, clip_size, read_clip

import pytest
from PIL import Image

from example_files import WORKFLOWS, api_of, ui_of
from pack_loader import load_pack, load_pack_module
from segmind_loopback import START_CREDITS, image_size, output_count
from workflow_catalog import catalog, workflow_names

REPO = Path(__file__).resolve().parent.parent
CATALOG = catalog()
NAMES = sorted(CATALOG)
specs = load_pack_module("specs")
image_params = load_pack_module("specs.image_params")
any_model = load_pack_module("specs.any_model")


def test_every_workflow_exists_in_both_formats_with_a_thumbnail_and_a_note():
    # One per remote model and per local twin, named in its spec, and the two that combine them.
    assert sorted(workflow_names().values()) == sorted(n for n in NAMES if n not in (
        "local_flux_dev_two_loras", "remote_vs_local_flux_dev", "remote_vs_local_flux_kontext_dev", "segmind_credits"))
    assert sorted(path.stem for path in WORKFLOWS.glob("*.json")) == NAMES
    assert sorted(path.stem for path in (WORKFLOWS / "api").glob("*.json")) == NAMES
    for name in NAMES:
        ui, api = ui_of(name), api_of(name)
        types = [node["type"] for node in ui["nodes"]]
        assert "Note" in types and ({"SaveImage", "SaveVideo"} & set(types) or name == "segmind_credits"), name
        assert {node["class_type"] for node in api.values()} == {t for t in types if t != "Note"}, name
        assert (WORKFLOWS / f"{name}.jpg").stat().st_size > 5000, name


def test_every_node_of_the_pack_is_in_an_example_workflow():
    used = {node["class_type"] for name in NAMES for node in api_of(name).values()}
    registered = set(load_pack().NODE_CLASS_MAPPINGS)
    assert len(registered) >= 20 and sorted(registered - used) == []


def test_the_credits_workflow_shows_the_balance_and_pays_nothing(comfy, segmind):
    result = comfy.run(api_of("segmind_credits"))
    assert result.ok, result.error() or result.rejected
    shown = next(output["text"][0] for output in result.history["outputs"].values() if "text" in output)
    assert shown.startswith(f"Segmind balance: ${START_CREDITS:.2f} credits") and "spent today" in shown, shown
    assert segmind.posts() == [] and segmind.uploads == []


@pytest.mark.parametrize("name", [n for n in NAMES if CATALOG[n]["remote"] and n != "segmind_credits"])
def test_remote_workflows_run_end_to_end_with_images_of_the_expected_size(comfy, comfy_home, segmind, name):
    prompt = api_of(name)
    model = next(node for node in prompt.values() if node["class_type"].startswith("Segmind"))
    # Past the result cache: two examples may be one paid job (the fine-tune example is mybmwlora's).
    model["inputs"]["force_refresh"] = True
    result = comfy.run(prompt)
    assert result.ok, result.error() or result.rejected
    body = segmind.posts()[0].body
    if model["class_type"] == any_model.NODE_ID:  # its request as written, the image where it names it
        written = json.loads(model["inputs"]["parameters"])
        images = {name: value[1:-1] for name, value in written.items() if str(value).startswith("{image_")}
        assert {name: body[name] for name in written if name not in images} == \
            {name: value for name, value in written.items() if name not in images}
    else:
        spec = specs.MODELS_BY_NODE_ID[model["class_type"]]
        plain = [p.name for p in spec.params if not image_params.is_image_field(p)]
        # As the body carries them (a FLUX 3 duration picked as "5" goes out as the number 5).
        assert {name: body[name] for name in plain} == spec.chosen(model["inputs"]).with_trigger(
            {name: spec.param(name).validate(model["inputs"][name], spec.node_id) for name in plain})
        images = {param.name: param for param in image_params.image_fields(spec.params)}
    for name, param in images.items():  # the shipped example image, as LoadImage gives it
        sent = body[name] if isinstance(body[name], list) else [body[name]]
        if getattr(param, "kind", None) == "VIDEO":  # the shipped clip, uploaded as it is (no re-encoding)
            source = prompt[model["inputs"][name][0]]["inputs"]["file"]
            assert segmind.file_of(sent[0]) == (REPO / "workflows" / "inputs" / source).read_bytes()
            continue
        socket = param if isinstance(param, str) else param.sockets()[0]
        source = prompt[model["inputs"][socket][0]]["inputs"]["image"]
        with Image.open(REPO / "workflows" / "inputs" / source) as shipped:
            mask = isinstance(param, image_params.MaskParam)
            expected = np.asarray(shipped.getchannel("A").point(lambda a: 255 - a) if mask else shipped.convert("RGB"))
        assert (np.asarray(Image.open(io.BytesIO(segmind.file_of(sent[0])))) == expected).all(), name
    saved = [image for output in result.history["outputs"].values() for image in output.get("images", [])]
    if model["class_type"] in specs.MODELS_BY_NODE_ID and specs.MODELS_BY_NODE_ID[model["class_type"]].output == "video":
        clip = read_clip(comfy_home / "output" / saved[0]["subfolder"] / saved[0]["filename"])
        assert len(saved) == 1 and (clip["width"], clip["height"]) == clip_size(body)
        assert clip["frames"] == clip_seconds(body) * FPS and clip["audio_samples"] > 0  # the sound kept
        return
    size = image_size(body, 1, segmind.file_size)
    assert len(saved) == output_count(body)
    image = Image.open(comfy_home / "output" / saved[0]["subfolder"] / saved[0]["filename"])
    assert image.size == size


@pytest.mark.parametrize("name", [n for n in NAMES if not CATALOG[n]["remote"]])
def test_local_workflows_validate_with_placeholder_model_files(comfy, segmind, name):
    prompt = api_of(name)
    status, answer = comfy.queue_prompt(prompt)
    assert status == 200, answer  # the whole graph passed the server's validation
    entry = comfy.wait_history(answer["prompt_id"], timeout=120)
    # The placeholder files are empty, so a loader fails when the graph runs; never one of our nodes.
    errors = [data for kind, data in entry["status"]["messages"] if kind == "execution_error"]
    assert errors and errors[0]["node_type"] in ("UNETLoader", "DualCLIPLoader", "VAELoader", "CLIPVisionLoader",
                                                 "StyleModelLoader")


def test_the_packs_workflows_are_served_as_templates(comfy):
    templates = comfy.get_json("/api/workflow_templates")
    assert sorted(templates["comfyui-segmind-flux"]) == NAMES
    status, body = comfy.request("GET", "/api/workflow_templates/comfyui-segmind-flux/segmind_flux_schnell.json")
    assert status == 200 and json.loads(body) == ui_of("segmind_flux_schnell")
    status, body = comfy.request("GET", "/api/workflow_templates/comfyui-segmind-flux/segmind_flux_schnell.jpg")
    assert status == 200 and body[:3] == b"\xff\xd8\xff"


def test_the_runner_defaults_to_the_flux_schnell_remote_workflow():
    from run_workflow import DEFAULT_WORKFLOW

    assert DEFAULT_WORKFLOW == WORKFLOWS / "api" / f"{specs.MODELS_BY_NODE_ID['SegmindFluxSchnell'].workflow}.json"
