"""The local nodes in a real ComfyUI 0.3.75 server, fed by test-only nodes that build tiny Flux models and
Redux's pair (tests/comfy_test_nodes, linked into this server's custom_nodes/ next to the pack).

The dev and LoRA twins size images by aspect ratio (about one megapixel): with the tiny models that is
a few seconds on a CPU, so these runs use 1-2 steps.
"""
from __future__ import annotations

import pytest
from PIL import Image

from conftest import LORA_FILE
from local_graphs import INPUT_SIZE, RUNS, TWINS, local_graph
from pack_loader import load_pack_module

choices = load_pack_module("specs.choices")
output_count = load_pack_module("specs.output_count").output_count

LOCAL_NODE_IDS = tuple(TWINS)


def image_sizes(home, result) -> list[tuple[int, int]]:
    sizes = []
    for f in result.node_output("o")["images"]:
        folder = home / ("output" if f["type"] == "output" else "temp") / f["subfolder"]
        with Image.open(folder / f["filename"]) as image:
            sizes.append(image.size)
    return sizes


def rejection_text(answer: dict) -> str:
    parts = [answer.get("error", {}).get("message", "")]
    for node in (answer.get("node_errors") or {}).values():
        parts += [f"{e.get('message')}: {e.get('details')}" for e in node.get("errors", [])]
    return " | ".join(parts)


def test_server_loads_pack_and_test_node(local_server, local_home):
    log = (local_home / "comfyui.log").read_text(errors="replace")
    assert "IMPORT FAILED" not in log, log[-3000:]
    info = local_server.get_json("/object_info")
    assert info["SegmindTestTinyFluxModels"]["output"] == ["MODEL", "CLIP", "VAE"]
    assert info["SegmindTestTinyReduxModels"]["output"] == ["CLIP_VISION", "STYLE_MODEL"]
    for node_id in LOCAL_NODE_IDS:
        node = info[node_id]
        required = node["input"]["required"]
        assert [required[k][0] for k in ("model", "clip", "vae")] == ["MODEL", "CLIP", "VAE"]
        assert node["output"] == ["IMAGE", "LATENT"]
        links = TWINS[node_id].link_inputs  # an image twin's images (and Redux's models) are required links
        assert [required[link.name][0] for link in links] == [link.kind for link in links]
        if not links:
            assert node["input"]["optional"]["image"][0] == "IMAGE"
        if "LoRA" in node_id or "Vector" in node_id:
            lora_input = required["lora_name"]
            assert LORA_FILE in (lora_input[0] if isinstance(lora_input[0], list) else lora_input[1]["options"])


@pytest.mark.parametrize("node_id", sorted(RUNS))
def test_local_node_runs_in_the_server(local_server, local_home, node_id):
    variant, inputs, output = RUNS[node_id]
    result = local_server.run(local_graph(node_id, variant, inputs, output), timeout=240)
    assert result.ok, result.error() or result.rejected
    scale = float(inputs.get("megapixels", "1")) ** 0.5
    if "width" in inputs:
        expected = (inputs["width"], inputs["height"])
    elif "aspect_ratio" not in inputs:  # Fill, Depth: the input image at the page's `megapixels` (of 1024 x 1024)
        one = (1024 * 1024 / (INPUT_SIZE[0] * INPUT_SIZE[1])) ** 0.5
        expected = tuple(round(side * one * scale / 16) * 16 for side in INPUT_SIZE)
    else:  # about one megapixel of the ratio, or the page's `megapixels` of it (Krea [dev]: "0.25" halves each side)
        expected = tuple(round(side * scale / 16) * 16 for side in choices.aspect_ratio_size(inputs["aspect_ratio"]))
    assert image_sizes(local_home, result) == [expected] * output_count(inputs)


def test_image_to_image_through_a_link(local_server, local_home):
    graph = local_graph("SegmindFluxSchnellLocal", "schnell",
                        {"prompt": "a red square", "denoise": 0.6, "width": 1024, "height": 1024, "seed": 3, "steps": 2,
                         "sampler_name": "euler", "scheduler": "normal", "samples": 1, "image": ["img", 0]},
                        "PreviewImage")
    graph["img"] = {"class_type": "EmptyImage", "inputs": {"width": 96, "height": 64, "batch_size": 1, "color": 0xCC2200}}
    result = local_server.run(graph, timeout=120)
    assert result.ok, result.error() or result.rejected
    assert image_sizes(local_home, result) == [(96, 64)]


@pytest.mark.parametrize("node_id,field,value,expected", [
    ("SegmindFluxDevLocal", "steps", 51, "SegmindFluxDevLocal: input 'steps' must be an integer from 1 to 50; got 51."),
    ("SegmindFluxDevLocal", "sampler_name", "euler_fast", "SegmindFluxDevLocal: input 'sampler_name' must be one of"),
    ("SegmindFluxSchnellLocal", "width", 516, "SegmindFluxSchnellLocal: input 'width' must be an integer from 512 "
                                              "to 2048 in multiples of 8; got 516."),
    ("SegmindFluxBMWLoRALocal", "lora_name", "missing.safetensors",
     "SegmindFluxBMWLoRALocal: input 'lora_name' must be a file in models/loras (found: "
     f"{LORA_FILE}); got 'missing.safetensors'."),
    ("SegmindSimpleVectorFluxLocal", "lora_strength", -10.5, "input 'lora_strength' must be a number from -10 to 10"),
])
def test_bad_values_are_rejected_before_running(local_server, node_id, field, value, expected):
    variant, inputs, output = RUNS[node_id]
    status, answer = local_server.queue_prompt(local_graph(node_id, variant, {**inputs, field: value}, output))
    assert status == 400, answer
    assert "n" in answer["node_errors"], answer
    assert expected in rejection_text(answer), rejection_text(answer)


def test_bad_value_over_a_link_fails_at_run_time_with_a_clear_error(local_server):
    """ComfyUI does not check linked values; the node does, before any sampling."""
    variant, inputs, output = RUNS["SegmindFluxDevLocal"]
    graph = local_graph("SegmindFluxDevLocal", variant, {**inputs, "steps": ["steps", 0]}, output)
    graph["steps"] = {"class_type": "PrimitiveInt", "inputs": {"value": 60}}
    result = local_server.run(graph, timeout=120)
    assert not result.ok
    error = result.error()
    assert error is not None and error["node_id"] == "n", result.history
    assert "SegmindFluxDevLocal: input 'steps' must be an integer from 1 to 50; got 60." in error["exception_message"]


@pytest.mark.parametrize("node_id,change,expected", [
    ("SegmindFluxFillDevLocal", {"link_SolidMask": {"height": 40}},
     "SegmindFluxFillDevLocal: input 'mask' must have the size of 'image' (64x48); got 64x40. Resize the mask"),
    ("SegmindFluxDepthDevLocal", {"n": {"megapixels": "huge"}},
     "SegmindFluxDepthDevLocal: input 'megapixels' must be a number of megapixels from 0.01 to 4 (such as 1 or "
     "0.25) or match_input (the input image's size) to size the image locally; got 'huge'."),
    ("SegmindFluxReduxSchnellLocal", {"link_EmptyImage": {"batch_size": 2}},
     "SegmindFluxReduxSchnellLocal: input 'redux_image' takes one image; got a batch of 2."),
])
def test_an_image_twin_refuses_what_its_graph_cannot_take_when_it_runs(local_server, node_id, change, expected):
    """What only the running node sees (images over links, the word in `megapixels`): refused before sampling."""
    variant, inputs, output = RUNS[node_id]
    graph = local_graph(node_id, variant, inputs, output)
    for key, values in change.items():
        graph[key]["inputs"].update(values)
    result = local_server.run(graph, timeout=120)
    error = result.error()
    assert not result.ok and error is not None and error["node_id"] == "n", result.history
    assert expected in error["exception_message"], error["exception_message"]
