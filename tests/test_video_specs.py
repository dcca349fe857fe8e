"""The FLUX 3 video nodes against the facts they are built from. No Segmind page of FLUX 3 is stored: Segmind's
index (www.segmind.com/llms.txt, copy of 2026-08-19) gives the slugs and average costs, and the fields are Black
Forest Labs' own FLUX 3 API (docs.bfl.ai, as its skills and ComfyUI's partner nodes use it), transcribed here.
Every field's tooltip must say it is upstream's and not confirmed on Segmind's page."""
import pytest

from pack_loader import load_pack_module

specs = load_pack_module("specs")
pricing = load_pack_module("money.pricing")
flux3 = load_pack_module("specs.flux3")

# Segmind's index, 2026-08-19: slug -> average cost per job (USD); "Avg Latency" shows "-" for all four.
INDEX_AVERAGE = {"flux-3-text-to-video": 1.0625, "flux-3-image-to-video": 1.0625, "flux-3-extend-video": 2.6875,
                 "flux-3-draft-enhance": 1.8125}
# BFL's FLUX 3 request fields (POST /v1/flux-3-video), common to t2v, i2v and v2v.
BFL_ASPECT_RATIOS = ("auto", "21:9", "2:1", "16:9", "4:3", "1:1", "3:4", "9:16")
BFL_DURATIONS = ("auto",) + tuple(str(s) for s in range(5, 21))  # whole seconds 5-20, or "auto"
BFL_RESOLUTIONS = ("hd", "fhd")
BFL_SAFETY = (0, 4, 2)  # min, max, default; "requests that send images or video are capped at 2"
BFL_MEDIA_FIELD = {"flux-3-text-to-video": None, "flux-3-image-to-video": "keyframes",
                   "flux-3-extend-video": "start_video"}
# ComfyUI's partner-node prices for FLUX 3, USD per second (HD, FHD): the one per-second rule published.
COMFY_RATES = {"flux-3-text-to-video": (0.2431, 0.4147), "flux-3-image-to-video": (0.2431, 0.4147),
               "flux-3-extend-video": (0.5863, 0.7579)}
NODES = {spec.slug: spec for spec in specs.MODELS if spec.output == "video"}


def test_the_typed_video_nodes_are_the_three_modes_with_a_node():
    assert sorted(NODES) == ["flux-3-extend-video", "flux-3-image-to-video", "flux-3-text-to-video"]
    assert all(slug in INDEX_AVERAGE for slug in NODES)


@pytest.mark.parametrize("slug", sorted(BFL_MEDIA_FIELD))
def test_fields_are_bfl_s_with_bfl_s_values_and_say_so(slug):
    spec = NODES[slug]
    media = BFL_MEDIA_FIELD[slug]
    assert list(spec.param_names) == ["prompt", *([media] if media else []), "aspect_ratio", "duration",
                                      "generate_audio", "resolution", "safety_tolerance"]
    assert "mode" not in spec.param_names  # Segmind has a slug per mode
    assert tuple(spec.param("aspect_ratio").allowed) == BFL_ASPECT_RATIOS
    assert tuple(spec.param("duration").allowed) == BFL_DURATIONS
    assert tuple(spec.param("resolution").allowed) == BFL_RESOLUTIONS
    safety = spec.param("safety_tolerance")
    assert (safety.minimum, safety.maximum, safety.default) == (0, 2 if media else BFL_SAFETY[1], BFL_SAFETY[2])
    assert spec.param("generate_audio").default is True and spec.param("aspect_ratio").default == "auto"
    assert spec.param("duration").default == "5"  # the pack's choice: the shortest clip (BFL's default: auto)
    for param in spec.params:
        assert "not confirmed" in param.description and "Black Forest Labs" in param.description, param.name
    assert spec.fields_confirmed is False


@pytest.mark.parametrize("slug", sorted(COMFY_RATES))
def test_the_estimate_is_segmind_s_average_as_a_5_s_hd_clip_scaled_by_seconds_and_comfyui_s_fhd_ratio(slug):
    spec = NODES[slug]
    hd, fhd = COMFY_RATES[slug]
    defaults = {param.name: getattr(param, "default", None) for param in spec.params}
    assert pricing.estimate(spec, defaults).usd == pytest.approx(INDEX_AVERAGE[slug])
    assert pricing.estimate(spec, defaults).basis == "Segmind's average"
    ten_fhd = pricing.estimate(spec, {**defaults, "duration": "10", "resolution": "fhd"}).usd
    assert ten_fhd == pytest.approx(INDEX_AVERAGE[slug] * 2 * fhd / hd, rel=1e-3)
    assert pricing.estimate(spec, {**defaults, "duration": "auto"}).usd == pytest.approx(INDEX_AVERAGE[slug] * 4)
    # Values over links are not known before the run: the longest clip at the dearer resolution.
    linked = pricing.estimate(spec, {**defaults, "duration": None, "resolution": None}).usd
    assert linked == pytest.approx(INDEX_AVERAGE[slug] * 4 * fhd / hd, rel=1e-3)


def test_duration_goes_out_as_bfl_takes_it_a_number_or_auto():
    duration = NODES["flux-3-text-to-video"].param("duration")
    assert duration.validate("7", "n") == 7 and duration.validate(7, "n") == 7
    assert duration.validate("auto", "n") == "auto"
    for bad in ("4", 21, "21", True, 7.5, "seven"):
        with pytest.raises(Exception, match=r"input 'duration' must be one of auto, 5, 6, .*, 20; got"):
            duration.validate(bad, "n")


def test_a_placeholder_clip_has_the_asked_size():
    assert flux3.video_size({"resolution": "hd"}) == (1280, 720)
    assert flux3.video_size({"resolution": "fhd", "aspect_ratio": "9:16"}) == (1080, 1920)
    assert flux3.video_size({"resolution": "hd", "aspect_ratio": "21:9"}) == (1680, 720)
