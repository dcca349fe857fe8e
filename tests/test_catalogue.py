"""The catalogue: every Flux-family model of Segmind's index (www.segmind.com/llms.txt), shipped with the pack
as the copy of 2026-08-19 and refreshed only when the user asks, against the stand-in's index: a new model
is offered without a restart, a gone one reads retired, average cost moves are told, and an index that
cannot be had or read leaves the copy in use as it was."""
from __future__ import annotations

import dataclasses
import datetime
import json

import pytest

from conftest import TEST_API_KEY
from example_files import client_settings
from index_texts import IndexedModel, bundled_models, index_text
from pack_loader import load_pack_module

segmind_index = load_pack_module("specs.segmind_index")
model_index = load_pack_module("client.model_index")

# Transcribed from Segmind's index, copy of 2026-08-19 (www.segmind.com/llms.txt): the 40 rows whose slug,
# title or description names Flux.
FLUX_SLUGS_2026_08_19 = sorted([
    "Simple_Vector_Flux", "chroma", "clarityai-flux-upscaler", "fast-flux-schnell", "flux-1.1-pro",
    "flux-1.1-pro-ultra", "flux-2-flex", "flux-2-klein-4b", "flux-2-klein-9b", "flux-2-max", "flux-2-pro",
    "flux-3-draft-enhance", "flux-3-extend-video", "flux-3-image-to-video", "flux-3-text-to-video",
    "flux-canny-dev", "flux-canny-pro", "flux-controlnet", "flux-depth-dev", "flux-depth-pro", "flux-dev",
    "flux-dev-finetuned", "flux-fill-dev", "flux-fill-pro", "flux-img2img", "flux-inpaint", "flux-ipadapter",
    "flux-kontext-dev", "flux-kontext-max", "flux-kontext-pro", "flux-krea-dev", "flux-pro", "flux-pulid",
    "flux-realism-lora", "flux-redux-dev", "flux-redux-schnell", "flux-schnell", "juggernaut-lightning-flux",
    "juggernaut-pro-flux", "multi-image-kontext-max"], key=str.lower)
TODAY = datetime.date(2026, 12, 6)


def test_the_pack_ships_the_forty_flux_models_of_the_index_of_2026_08_19():
    index = segmind_index.bundled_index()
    assert (index.date, index.source) == ("2026-08-19", "https://www.segmind.com/llms.txt")
    assert [model.slug for model in index.models] == FLUX_SLUGS_2026_08_19
    models = index.by_slug()
    schnell, video, chroma = models["flux-schnell"], models["flux-3-text-to-video"], models["chroma"]
    assert (schnell.title, schnell.modality) == ("Flux.1 Schnell", "Text-to-Image Generation")
    assert round(schnell.avg_cost_usd, 5) == 0.00785 and schnell.avg_latency_s == pytest.approx(10.14296)
    assert (video.avg_cost_usd, video.avg_latency_s, video.modality) == (1.0625, None, "Text-to-Video Generation")
    assert chroma.title == "Chroma" and "FLUX.1-schnell" in chroma.description  # Flux named only there


def test_the_index_is_read_from_its_tables_of_any_column_order_and_other_families_are_left_out():
    models = [IndexedModel("flux-new", "Flux New", "Text-to-Image Generation", 0.5, 12.0, "A new one."),
              IndexedModel("plain-name", "Plain Name", "Image-to-Image Transformation", None, None,
                           "Based on FLUX.1 dev.")]
    text = index_text(models)
    assert segmind_index.index_from_text(text, "2026-12-06").models == tuple(sorted(models, key=lambda m: m.slug))
    reordered = ("## Text-to-Image Generation\n\n| Slug | Avg Latency | Model | Modality | Description | Avg Cost |\n"
                 "| --- | --- | --- | --- | --- | --- |\n"
                 "| flux-late | 3.5s | Flux Late | Text-to-Image Generation | Later. | $0.25 |\n")
    assert segmind_index.index_from_text(reordered, "x").models == (
        IndexedModel("flux-late", "Flux Late", "Text-to-Image Generation", 0.25, 3.5, "Later."),)
    with pytest.raises(segmind_index.UnreadableIndex, match="lists no Flux model"):
        segmind_index.index_from_text("<html><title>Down for maintenance</title></html>", "x")


@pytest.fixture
def state(tmp_path):
    return tmp_path / "state"


def settings_for(segmind, **changes):
    settings = client_settings(segmind.base_url, TEST_API_KEY)
    return dataclasses.replace(settings, index_url=f"{segmind.base_url}/llms.txt", **changes)


def test_without_a_refresh_the_catalogue_is_the_pack_s_copy(state, segmind):
    summary = model_index.summary(model_index.saved_index(state), state)
    assert (summary["count"], summary["date"], summary["retired"]) == (40, "2026-08-19", [])
    assert segmind.received == []  # nothing is fetched unless the user asks


def test_a_refresh_offers_new_models_retires_gone_ones_and_tells_cost_moves(state, segmind):
    models = [model for model in bundled_models() if model.slug != "flux-inpaint"]
    models = [dataclasses.replace(model, avg_cost_usd=0.0123) if model.slug == "flux-dev" else model
              for model in models]
    models.append(IndexedModel("flux-3-pro", "FLUX 3 Pro", "Text-to-Image Generation", 0.08, 18.5, "Newest."))
    segmind.index_text = index_text(models)
    report = model_index.refresh(settings_for(segmind), state, TODAY)
    assert report["refreshed"] is True
    assert (report["new"], report["gone"], report["count"], report["date"]) == (["flux-3-pro"], ["flux-inpaint"],
                                                                                 40, "2026-12-06")
    assert report["cost_moves"] == [{"slug": "flux-dev", "was_usd": pytest.approx(0.01961, abs=1e-5),
                                     "now_usd": 0.0123}]
    assert report["message"] == ("40 Flux models in Segmind's index of 2026-12-06; new: flux-3-pro; retired: "
                                 "flux-inpaint; average cost moved: flux-dev $0.0196 -> $0.0123.")
    # The refreshed copy is the catalogue now (no restart: read from the state folder on every call).
    in_use = model_index.summary(model_index.saved_index(state), state)
    assert "flux-3-pro" in [m["slug"] for m in in_use["models"]] and in_use["retired"] == ["flux-inpaint"]
    request = [r for r in segmind.received if r.path == "/llms.txt"]
    assert len(request) == 1 and "x-api-key" not in request[0].headers  # the index is public: no key sent
    # A model that comes back is no longer retired; one refresh later it is all as before.
    segmind.index_text = index_text(bundled_models())
    report = model_index.refresh(settings_for(segmind), state, TODAY)
    assert (report["new"], report["gone"], report["retired"]) == (["flux-inpaint"], ["flux-3-pro"], ["flux-3-pro"])


@pytest.mark.parametrize("how,why", [
    ("broken", "it lists no Flux model (not Segmind's index, or a format the pack cannot read)"),
    ("missing", "Segmind's model index: HTTP 404 from"),
    ("offline", "Segmind's model index: Could not connect to 127.0.0.1:9"),
])
def test_an_index_that_cannot_be_had_or_read_leaves_the_copy_in_use(state, segmind, how, why):
    segmind.index_text = index_text([IndexedModel("flux-only", "Flux Only", "Text-to-Image Generation", 1.0, 1.0,
                                                  "x")])
    assert model_index.refresh(settings_for(segmind), state, datetime.date(2026, 12, 1))["count"] == 1
    settings = settings_for(segmind)
    if how == "broken":
        segmind.index_text = "<html><title>Maintenance</title><body>Back soon</body></html>"
    elif how == "missing":
        segmind.index_text = None
    else:
        settings = dataclasses.replace(settings, index_url="http://127.0.0.1:9/llms.txt")
    report = model_index.refresh(settings, state, TODAY)
    assert report["refreshed"] is False and why in report["message"]
    assert report["message"].endswith("The copy of 2026-12-01 stands.")
    assert (report["count"], report["date"]) == (1, "2026-12-01")
    assert model_index.saved_index(state).by_slug().keys() == {"flux-only"}


def test_a_damaged_saved_copy_falls_back_to_the_pack_s_own(state):
    state.mkdir(parents=True)
    (state / model_index.INDEX_FILE).write_text("{not json")
    assert model_index.saved_index(state).date == "2026-08-19"


def test_the_routes_show_the_catalogue_and_refresh_it_without_a_restart(comfy, segmind):
    assert comfy.get_json("/segmind-flux/catalogue")["count"] == 40
    models = bundled_models()[1:] + [IndexedModel("flux-3-pro", "FLUX 3 Pro", "Text-to-Image Generation", 0.08,
                                                  18.5, "Newest.")]
    segmind.index_text = index_text(models)
    try:
        status, body = comfy.request("POST", "/segmind-flux/catalogue/refresh", {})
        report = json.loads(body)
        assert status == 200 and report["refreshed"] is True and report["new"] == ["flux-3-pro"]
        assert report["gone"] == [bundled_models()[0].slug]
        shown = comfy.get_json("/segmind-flux/catalogue")
        assert "flux-3-pro" in [m["slug"] for m in shown["models"]] and shown["retired"] == [bundled_models()[0].slug]
        status, _ = comfy.request("GET", "/segmind-flux/catalogue/refresh")
        assert status in (404, 405)  # a refresh is a POST: a link or an image tag cannot start one
    finally:  # the session's server goes back to the pack's models for the tests after this one
        segmind.index_text = index_text(bundled_models())
        comfy.request("POST", "/segmind-flux/catalogue/refresh", {})
    assert comfy.get_json("/segmind-flux/catalogue")["retired"] == ["flux-3-pro"]
