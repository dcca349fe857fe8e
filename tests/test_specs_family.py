"""The newer models' specs against the fact sheets of their stored Segmind pages (tests/page_sheets/):
page order, required flags, the defaults and allowed values the stored copies show, time and price, and
the page's own example body; each page defect the spec settles is named here and in the spec's docstring."""
import pytest

from pack_loader import load_pack_module
from segmind_sheets import NOT_SHOWN, read_sheet
from test_specs import FIRST_PAGE_MODELS, encoded_examples

specs = load_pack_module("specs")
image_params = load_pack_module("specs.image_params")
model = load_pack_module("specs.model")
INDEX_LATENCY = {row.slug: row.avg_latency_s for row in load_pack_module("specs.segmind_index").bundled_index().models}
# FLUX 3 video has no stored Segmind page: its nodes are checked against BFL's facts (tests/test_video_specs.py).
FAMILY = [spec.node_id for spec in specs.MODELS
          if spec.node_id not in FIRST_PAGE_MODELS and not spec.model_inputs and spec.output != "video"]
# Defects settled in the specs (their docstrings say why): (node, field) -> what the spec does instead.
SETTLED_REQUIRED = {("SegmindFlux2Pro", "image_urls"): False, ("SegmindFlux2Flex", "image_urls"): False}
# A page example that breaks the page's own rule: "2 is currently the maximum allowed when input images are used".
REFUSED_EXAMPLES = {"SegmindFluxKontextPro": "safety_tolerance", "SegmindFluxKontextMax": "safety_tolerance"}
# A page example that leaves out a field its own table marks required.
EXAMPLES_MISSING_REQUIRED = {"SegmindFluxDevFinetuned": "finetune_id"}


@pytest.fixture(scope="module", params=FAMILY)
def spec_and_sheet(request):
    spec = specs.MODELS_BY_NODE_ID[request.param]
    sheet = read_sheet(spec.slug)
    assert sheet.slug == spec.slug
    return spec, sheet


def test_the_new_models_are_all_there():
    assert sorted(FAMILY) == [
        "SegmindChroma", "SegmindFastFluxSchnell", "SegmindFlux11Pro", "SegmindFlux2Flex", "SegmindFlux2Klein4B",
        "SegmindFlux2Pro", "SegmindFluxControlNet", "SegmindFluxDepthDev", "SegmindFluxDepthPro",
        "SegmindFluxDevFinetuned", "SegmindFluxFillDev", "SegmindFluxFillPro", "SegmindFluxImg2Img",
        "SegmindFluxKontextDev", "SegmindFluxKontextMax", "SegmindFluxKontextPro", "SegmindFluxKreaDev",
        "SegmindFluxMultiImageKontextMax", "SegmindFluxMultiImageKontextPro", "SegmindFluxPuLID",
        "SegmindFluxReduxDev", "SegmindFluxReduxSchnell"]


def test_fields_in_page_order_with_the_page_flags(spec_and_sheet):
    spec, sheet = spec_and_sheet
    prompt = ["prompt"] if "prompt" in sheet.example else []  # Redux pages have none: the image replaces it
    assert list(spec.param_names) == prompt + [p.name for p in sheet.params if p.name != "prompt"]
    for field in sheet.params:
        if field.required is not None:
            expected = SETTLED_REQUIRED.get((spec.node_id, field.name), field.required)
            assert spec.param(field.name).required is expected, field.name


def test_shown_defaults_and_values_are_the_spec_s(spec_and_sheet):
    spec, sheet = spec_and_sheet
    for field in sheet.params:
        param = spec.param(field.name)
        if image_params.is_image_field(param) or field.name == "prompt":
            continue  # a page's default image is a URL of its own; the prompt defaults are the pages' examples
        if field.default is not NOT_SHOWN:
            assert param.default == field.default, field.name
        if field.allowed:  # the values shown, in the page's order, before any "+N more"
            assert tuple(param.allowed[:len(field.allowed)]) == field.allowed, field.name


def test_time_and_price_are_the_page_s(spec_and_sheet):
    spec, sheet = spec_and_sheet
    shown_seconds = sheet.typical_seconds or INDEX_LATENCY[spec.slug]  # none shown: Segmind's average
    assert abs(spec.typical_seconds - shown_seconds) < 0.5
    if sheet.price_usd is None:  # the page shows none: Segmind's average, and the estimate says so
        assert spec.price.source.startswith(model.CATALOGUE_AVERAGE), spec.price.source
    else:
        assert spec.price.usd == sheet.price_usd


def test_the_page_example_is_accepted_but_for_its_known_defect(spec_and_sheet):
    spec, sheet = spec_and_sheet
    values = encoded_examples(spec)  # images as the node hands them over; the page example sends URLs
    page_values = {name: value for name, value in sheet.example.items()
                   if not image_params.is_image_field(spec.param(name))}
    assert set(sheet.example) <= set(spec.param_names)
    missing = EXAMPLES_MISSING_REQUIRED.get(spec.node_id)
    assert [p.name for p in spec.params if p.required and p.name not in sheet.example and
            not image_params.is_image_field(p)] == ([missing] if missing else [])
    broken = REFUSED_EXAMPLES.get(spec.node_id)
    if broken and page_values.get(broken, 0) > 2:  # one stored copy of kontext-pro sends 2, another 6
        with pytest.raises(specs.SpecValidationError, match=f"'{broken}' must be at most 2 when"):
            spec.build_body({**values, **page_values})
        page_values[broken] = 2
    body = spec.build_body({**values, **page_values})
    assert {name: body[name] for name in page_values} == page_values


def test_a_finetune_node_runs_the_slug_it_names_with_its_trigger_word():
    spec = specs.MODELS_BY_NODE_ID["SegmindFluxFinetune"]
    bmw = specs.MODELS_BY_NODE_ID["SegmindFluxBMWLoRA"]
    assert [p.name for p in spec.params] == [p.name for p in bmw.params] and all(p.required for p in spec.params)
    chosen = spec.chosen({"finetune_slug": "0a1b2c3d-0000-4000-8000-00000000abcd-my_face.v2", "trigger_word": "TOK"})
    assert (chosen.slug, chosen.display_name) == ("0a1b2c3d-0000-4000-8000-00000000abcd-my_face.v2",
                                                  "Segmind Flux fine-tune (my_face.v2)")
    assert chosen.with_trigger({"prompt": "a portrait"})["prompt"] == "TOK a portrait"
    assert chosen.with_trigger({"prompt": "a tok portrait"})["prompt"] == "a tok portrait"
    assert bmw.with_trigger({"prompt": "a car"})["prompt"] == "a car"  # the mybmwlora node stays as it is


@pytest.mark.parametrize("slug,trigger,problem", [
    ("flux-pro", "TOK", "'finetune_slug' must be a fine-tune slug"),
    ("../v1/flux-pro", "TOK", "'finetune_slug' must be a fine-tune slug"),
    ("0a1b2c3d-0000-4000-8000-00000000abcd-x/../../y", "TOK", "'finetune_slug' must be a fine-tune slug"),
    ("0a1b2c3d-0000-4000-8000-00000000abcd-ok", "two words", "'trigger_word' must be one word"),
])
def test_a_bad_finetune_slug_or_trigger_word_is_refused_naming_the_input(slug, trigger, problem):
    spec = specs.MODELS_BY_NODE_ID["SegmindFluxFinetune"]
    with pytest.raises(specs.SpecValidationError, match=f"SegmindFluxFinetune: input {problem}"):
        spec.chosen({"finetune_slug": slug, "trigger_word": trigger})
