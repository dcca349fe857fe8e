"""Remote nodes that take images, in a real ComfyUI 0.3.75 server against the loopback Segmind server: each
set of pixels uploaded once, identical inputs paid once, bad images refused before any upload, the
fine-tune node's slug and trigger word, and the estimates that follow size and reference count."""
from __future__ import annotations

import pytest

from pack_loader import load_pack_module
from remote_graphs import NON_DEFAULTS, graph, info_of

specs = load_pack_module("specs")
prompt_cost = load_pack_module("money.prompt_cost")
image_params = load_pack_module("specs.image_params")
Example = image_params.ImageExample


# Pixels no other test sends: the server and its upload records live for the whole test session.
OWN_COLOR = 0x2D5F8A


def two_kontext_nodes_on_one_image(prompts=("add snow", "add rain"), color=OWN_COLOR) -> dict:
    prompt = graph("SegmindFluxKontextPro", {**NON_DEFAULTS["SegmindFluxKontextPro"], "prompt": prompts[0],
                                             "input_image": Example(96, 64, color)})
    prompt["4"] = {"class_type": "SegmindFluxKontextPro",
                   "inputs": {**prompt["1"]["inputs"], "prompt": prompts[1]}}
    prompt["5"] = {"class_type": "SaveImage", "inputs": {"images": ["4", 0], "filename_prefix": "t/second"}}
    return prompt


def test_the_same_image_twice_is_uploaded_once_and_identical_inputs_are_paid_once(comfy, segmind):
    result = comfy.run(two_kontext_nodes_on_one_image())
    assert result.ok, result.error()
    posts = segmind.posts("/v2/")
    assert len(posts) == 2 and len(segmind.uploads) == 1
    assert posts[0].body["input_image"] == posts[1].body["input_image"]
    # Queued again with the same pixels (a new node that makes them): served from the cache, nothing sent.
    again = comfy.run(two_kontext_nodes_on_one_image())
    assert again.ok and len(segmind.posts("/v2/")) == 2 and len(segmind.uploads) == 1
    # One pixel colour changed: new pixels, so a new upload and a new job (the cache key covers pixels).
    changed = comfy.run(two_kontext_nodes_on_one_image(color=OWN_COLOR + 1))
    assert changed.ok and len(segmind.posts("/v2/")) == 4 and len(segmind.uploads) == 2


@pytest.mark.parametrize("node_id,changes,expected", [
    ("SegmindFluxFillPro", {"mask": Example(100, 96, 0xFF)},
     "SegmindFluxFillPro: input 'mask' must have the size of 'image' (128x96); got 100x96."),
    ("SegmindFluxKontextPro", {"input_image": Example(96, 64, 0x123456, frames=2)},
     "SegmindFluxKontextPro: input 'input_image' takes one image; got a batch of 2."),
    ("SegmindFluxKontextPro", {"safety_tolerance": 5},
     "SegmindFluxKontextPro: input 'safety_tolerance' must be at most 2 when 'input_image' is connected"),
    ("SegmindFluxKontextDev", {"input_image": Example(4, 64, 0x123456)},
     "SegmindFluxKontextDev: input 'input_image' must be an image of at least 8 pixels a side"),
])
def test_a_bad_image_or_mask_is_refused_before_any_upload(comfy, segmind, node_id, changes, expected):
    result = comfy.run(graph(node_id, {**NON_DEFAULTS[node_id], **changes, "force_refresh": True}))
    assert not result.ok and expected in result.error()["exception_message"]
    assert segmind.uploads == [] and segmind.posts() == []


def test_a_required_image_left_unconnected_is_refused_when_queued(comfy, segmind):
    inputs = {name: value for name, value in NON_DEFAULTS["SegmindFluxKontextDev"].items() if name != "input_image"}
    result = comfy.run(graph("SegmindFluxKontextDev", inputs))
    assert not result.ok and "input_image" in str(result.rejected) and segmind.uploads == []


def test_kontext_without_an_image_sends_no_image_field(comfy, segmind):
    inputs = {name: value for name, value in NON_DEFAULTS["SegmindFluxKontextPro"].items() if name != "input_image"}
    result = comfy.run(graph("SegmindFluxKontextPro", {**inputs, "safety_tolerance": 6, "force_refresh": True}))
    assert result.ok, result.error()
    assert "input_image" not in segmind.posts("/v2/")[0].body and segmind.uploads == []


def test_flux2_without_references_leaves_image_urls_out(comfy, segmind):
    inputs = {name: value for name, value in NON_DEFAULTS["SegmindFlux2Pro"].items() if name != "image_urls"}
    result = comfy.run(graph("SegmindFlux2Pro", {**inputs, "force_refresh": True}))
    assert result.ok, result.error()
    assert "image_urls" not in segmind.posts("/v2/")[0].body


def test_the_finetune_node_posts_to_its_slug_with_the_trigger_word_in_front(comfy, segmind):
    slug = "0a1b2c3d-0000-4000-8000-00000000abcd-my_dog"
    inputs = {**NON_DEFAULTS["SegmindFluxFinetune"], "finetune_slug": slug, "trigger_word": "SKS",
              "prompt": "a dog on a sofa", "force_refresh": True}
    result = comfy.run(graph("SegmindFluxFinetune", inputs))
    assert result.ok, result.error()
    post = segmind.posts("/v2/")[0]
    assert post.path == f"/v2/{slug}" and post.body["prompt"] == "SKS a dog on a sofa"
    assert "finetune_slug" not in post.body and "trigger_word" not in post.body
    assert info_of(result)["model"] == slug


def test_a_bad_finetune_slug_is_refused_when_queued(comfy, segmind):
    status, answer = comfy.queue_prompt(graph("SegmindFluxFinetune", {**NON_DEFAULTS["SegmindFluxFinetune"],
                                                                      "finetune_slug": "flux-pro"}))
    assert status == 400 and "input 'finetune_slug' must be a fine-tune slug" in str(answer)
    assert segmind.posts() == []


def test_estimates_follow_output_size_and_the_number_of_reference_images():
    flux2 = specs.MODELS_BY_NODE_ID["SegmindFlux2Pro"]

    def estimate(width, height, references):
        inputs = {**{p.name: getattr(p, "default", None) for p in flux2.params if p.name != "image_urls"},
                  "width": width, "height": height}
        inputs.update({f"reference_image_{index + 1}": ["9", 0] for index in range(references)})
        prompt = {"1": {"class_type": "SegmindFlux2Pro", "inputs": inputs}}
        return prompt_cost.prompt_costs(prompt, root=None)[0].usd

    assert estimate(1000, 1000, 0) == pytest.approx(0.073)
    assert estimate(2000, 1000, 0) == pytest.approx(0.146)
    assert estimate(1000, 1000, 2) == pytest.approx(0.073 * 3)  # an unknown reference counts as a megapixel
    kontext = {"1": {"class_type": "SegmindFluxKontextMax", "inputs": {"prompt": "x", "input_image": ["9", 0]}}}
    assert prompt_cost.prompt_costs(kontext, root=None)[0].usd == pytest.approx(0.1)  # per generation
