"""The declarative specs: every page parameter with its range, values and default; validation wording."""
import math

import pytest

from pack_loader import load_pack_module
from segmind_sheets import read_sheet

specs = load_pack_module("specs")
choices = load_pack_module("specs.choices")
image_params = load_pack_module("specs.image_params")
video_params = load_pack_module("specs.video_params")



# The first five models' pages (their stored copies were plain text, with the defects their specs settle):
# checked here for names, flags, slug, time and price; the newer ones against their defaults and values too
# (test_specs_family.py), the fine-tune node against its page shape there.
FIRST_PAGE_MODELS = ["SegmindFluxBMWLoRA", "SegmindFluxDev", "SegmindFluxPro", "SegmindFluxSchnell",
                     "SegmindSimpleVectorFlux"]


@pytest.fixture(scope="module", params=FIRST_PAGE_MODELS)
def spec_and_page(request):
    spec = specs.MODELS_BY_NODE_ID[request.param]
    return spec, read_sheet(spec.slug)


def test_every_page_parameter_is_an_input_with_the_page_name_in_page_order(spec_and_page):
    spec, page = spec_and_page
    page_order = [field.name for field in page.params]
    # The prompt comes first, as the pages' examples send it; the rest keep the page's order.
    assert list(spec.param_names) == ["prompt"] + [name for name in page_order if name != "prompt"]


def test_required_flags_slug_time_and_price_match_the_page(spec_and_page):
    spec, page = spec_and_page
    assert {p.name: p.required for p in spec.params} == {field.name: field.required for field in page.params}
    assert spec.slug == page.slug
    if page.typical_seconds is not None:  # where the page shows them; the rest are in the pages' README
        assert abs(spec.typical_seconds - page.typical_seconds) < 0.5
    if page.price_usd is not None:
        assert spec.price.usd == page.price_usd


def encoded_examples(spec) -> dict:
    """The spec's example with each example image as the node would hand it over (pixels not made)."""
    def encoded(example, index, mask):
        frames = [image_params.EncodedImage(f"{index:02x}{frame:02x}".ljust(64, "0"), example.width, example.height,
                                            b"", is_mask=mask) for frame in range(example.frames)]
        return frames
    values = {}
    for name, value in spec.example.items():
        param = spec.param(name)
        if not image_params.is_image_field(param):
            values[name] = value
            continue
        if param.kind == "VIDEO":
            values[name] = video_params.EncodedVideo("ab".ljust(64, "0"), value.width, value.height, b"", 1.0)
            continue
        mask = isinstance(param, image_params.MaskParam)
        examples = value if isinstance(value, tuple) else (value,)
        images = {socket: encoded(example, index, mask)
                  for index, (socket, example) in enumerate(zip(param.sockets(), examples))}
        values[name] = images if isinstance(param, image_params.ImageListParam) else images[param.name]
    return values


@pytest.mark.parametrize("spec", specs.MODELS, ids=lambda spec: spec.node_id)
def test_every_spec_has_example_values_that_differ_from_every_default_and_are_valid(spec):
    assert sorted(spec.example) == sorted(spec.param_names), f"{spec.node_id}: example must set every parameter"
    assert [name for name, value in spec.example.items() if value == getattr(spec.param(name), "default", None)] == []
    body = spec.build_body(encoded_examples(spec))
    plain = [name for name in spec.param_names if not image_params.is_image_field(spec.param(name))]
    # A FLUX 3 duration picked as "8" is sent as the number 8 (BFL's type): every other value as picked.
    sent = {name: int(value) if name == "duration" and spec.output == "video" and value.isdigit() else value
            for name, value in spec.example.items()}
    assert {name: body[name] for name in plain} == {name: sent[name] for name in plain}
    for name in set(spec.param_names) - set(plain):
        if spec.param(name).kind == "VIDEO":
            assert video_params.video_token_size(body[name]) == (spec.example[name].width, spec.example[name].height)
            continue
        tokens = body[name] if isinstance(body[name], list) else [body[name]]
        examples = spec.example[name] if isinstance(spec.example[name], tuple) else (spec.example[name],)
        assert [image_params.token_size(token) for token in tokens] == \
            [(example.width, example.height) for example in examples for _ in range(example.frames)]


def test_models_and_twins_are_found_and_named_once():
    items = (*specs.MODELS, *specs.LOCAL_TWINS)
    for field in ("node_id", "workflow"):
        values = [getattr(item, field) for item in items]
        assert len(values) == len(set(values)), field
    assert len({spec.slug for spec in specs.MODELS}) == len(specs.MODELS) >= 5
    for twin in specs.LOCAL_TWINS:
        assert twin.remote in specs.MODELS and twin.base_model in ("dev", "schnell"), twin.node_id
        assert bool(twin.example_lora_file) == twin.takes_lora, twin.node_id


@pytest.mark.parametrize("node_id,name,default,low,high", [
    ("SegmindFluxDev", "steps", 25, 1, 50), ("SegmindFluxDev", "guidance", 3.0, 0.0, 10.0),
    ("SegmindFluxDev", "samples", 1, 1, 4), ("SegmindFluxDev", "prompt_strength", 0.8, 0.0, 1.0),
    ("SegmindFluxDev", "output_quality", 80, 0, 100), ("SegmindFluxPro", "guidance", 3.0, 2.0, 5.0),
    ("SegmindFluxPro", "interval", 2, 1, 4), ("SegmindFluxPro", "safety_tolerance", 2, 1, 5),
    ("SegmindFluxSchnell", "steps", 4, 1, 8), ("SegmindFluxSchnell", "width", 1024, 512, 2048),
    ("SegmindFluxSchnell", "denoise", 1.0, 0.0, 1.0), ("SegmindFluxBMWLoRA", "lora_strength", 1.2, -10.0, 10.0),
    ("SegmindSimpleVectorFlux", "lora_strength", 1.0, -10.0, 10.0), ("SegmindSimpleVectorFlux", "steps", 20, 1, 100),
    ("SegmindFluxSchnell", "seed", 123456789, -1, 2**64 - 1), ("SegmindFluxDev", "seed", 46588, -1, 2**64 - 1),
    ("SegmindFluxBMWLoRA", "seed", 6652105, -1, 2**64 - 1),
])
def test_ranges_and_defaults_match_the_pages(node_id, name, default, low, high):
    param = specs.MODELS_BY_NODE_ID[node_id].param(name)
    assert (param.default, param.minimum, param.maximum) == (default, low, high)


def test_required_flags_match_the_pages():
    bmw = specs.MODELS_BY_NODE_ID["SegmindFluxBMWLoRA"]
    assert all(p.required for p in bmw.params)
    for node_id in ("SegmindFluxDev", "SegmindFluxPro", "SegmindFluxSchnell", "SegmindSimpleVectorFlux"):
        assert [p.name for p in specs.MODELS_BY_NODE_ID[node_id].params if p.required] == ["prompt"]


def test_page_defects_are_settled():
    dev = specs.MODELS_BY_NODE_ID["SegmindFluxDev"]
    assert dev.param("guidance").comfy_input()[0] == "FLOAT"
    assert dev.param("aspect_ratio").default == "1:1" and "" not in dev.param("aspect_ratio").allowed
    assert tuple(dev.param("output_format").allowed) == ("webp", "jpg", "png")
    schnell = specs.MODELS_BY_NODE_ID["SegmindFluxSchnell"]
    assert len(schnell.param("sampler_name").allowed) == 27
    assert len(schnell.param("scheduler").allowed) == 6
    lora = specs.MODELS_BY_NODE_ID["SegmindSimpleVectorFlux"]
    assert len(lora.param("sampler_name").allowed) == 26 and len(lora.param("aspect_ratio").allowed) == 13
    assert len(lora.param("scheduler").allowed) == 7 and "beta" in lora.param("scheduler").allowed
    # The visible first ten names of each page, in the page's order.
    assert list(schnell.param("sampler_name").allowed[:10]) == [
        "euler", "euler_pp", "euler_ancestral", "euler_ancestral_pp", "heun", "heunpp2", "dpm_2",
        "dpm_2_ancestral", "lms", "dpm_fast"]
    assert list(lora.param("aspect_ratio").allowed[:10]) == [
        "1:1", "2:3", "3:4", "5:8", "9:16", "9:19", "9:21", "3:2", "4:3", "8:5"]


def test_body_carries_every_parameter_in_page_order_with_page_types():
    spec = specs.MODELS_BY_NODE_ID["SegmindFluxDev"]
    values = {p.name: p.default for p in spec.params}
    body = spec.build_body({**values, "guidance": 3.5, "seed": 0, "prompt_strength": 1.0})
    assert list(body) == list(spec.param_names)
    assert body["guidance"] == 3.5 and body["seed"] == 0  # seed 0 is a value, not "unset"
    assert body["prompt_strength"] == 1 and isinstance(body["prompt_strength"], int)


@pytest.mark.parametrize("name,value,expected", [
    ("steps", 51, "SegmindFluxDev: input 'steps' must be an integer from 1 to 50; got 51."),
    ("steps", 2.5, "SegmindFluxDev: input 'steps' must be an integer from 1 to 50; got 2.5."),
    ("steps", True, "SegmindFluxDev: input 'steps' must be an integer from 1 to 50; got True."),
    ("guidance", math.inf, "SegmindFluxDev: input 'guidance' must be a number from 0 to 10; got inf."),
    ("guidance", "3", "SegmindFluxDev: input 'guidance' must be a number from 0 to 10; got '3'."),
    ("output_format", "gif", "SegmindFluxDev: input 'output_format' must be one of webp, jpg, png; got 'gif'."),
    ("prompt", "   ", "SegmindFluxDev: input 'prompt' must be a non-empty text of at most 10000 characters; got '   '."),
    ("prompt", "x" * 10001, "SegmindFluxDev: input 'prompt' must be a non-empty text of at most 10000 characters; got '10001 characters'."),
    ("seed", -2, "SegmindFluxDev: input 'seed' must be an integer from -1 to 18446744073709551615; got -2."),
])
def test_bad_values_name_node_input_rule_and_value(name, value, expected):
    spec = specs.MODELS_BY_NODE_ID["SegmindFluxDev"]
    values = {p.name: p.default for p in spec.params}
    with pytest.raises(specs.SpecValidationError) as caught:
        spec.build_body({**values, name: value})
    assert str(caught.value) == expected


def test_schnell_sizes_must_be_multiples_of_eight():
    spec = specs.MODELS_BY_NODE_ID["SegmindFluxSchnell"]
    values = {p.name: p.default for p in spec.params}
    assert spec.build_body({**values, "width": 520})["width"] == 520
    with pytest.raises(specs.SpecValidationError, match="in multiples of 8; got 1001"):
        spec.build_body({**values, "width": 1001})


def test_aspect_ratio_sizes_are_near_one_megapixel_in_multiples_of_16():
    for ratio in choices.ASPECT_RATIOS_LORA_PAGES + choices.ASPECT_RATIOS_DEV_PRO:
        width, height = choices.aspect_ratio_size(ratio)
        across, down = map(int, ratio.split(":"))
        assert width % 16 == 0 and height % 16 == 0
        assert 0.95 < width * height / 2**20 < 1.07
        assert abs(width / height - across / down) / (across / down) < 0.03
