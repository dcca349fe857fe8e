"""SegmindFluxAnyModel, the node for any model of the catalogue: its request as a JSON object with images
named where they go, checked before anything is uploaded or paid (by the typed spec where one exists), each
set of pixels uploaded once, estimated at Segmind's average (or the typed estimate) and counted after. In a
real ComfyUI 0.3.75 against the stand-in, which accepts every catalogue slug."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from comfy_driver import describe_rejection
from conftest import TEST_API_KEY
from index_texts import IndexedModel, bundled_models, index_text
from pack_loader import load_pack_module
from remote_graphs import image_source, video_source
from segmind_loopback import cost_of, output_count, price_of
from stand_in_video import FPS, clip_color, clip_seconds, read_clip

specs = load_pack_module("specs")
any_model = load_pack_module("specs.any_model")
image_params = load_pack_module("specs.image_params")
segmind_index = load_pack_module("specs.segmind_index")
any_model_examples = load_pack_module("specs.any_model_examples")
NODE = any_model.NODE_ID
REPO = Path(__file__).resolve().parent.parent
Example = image_params.ImageExample
video_params = load_pack_module("specs.video_params")
VideoExample = video_params.VideoExample
CATALOGUE = bundled_models()
TYPED_SLUGS = {spec.slug for spec in specs.MODELS if not spec.model_inputs}


def typed_parameters(spec) -> tuple[dict, dict]:
    """A typed model's example as the node's JSON object, its images as references; socket -> example."""
    values, images, free = {}, {}, list(any_model.IMAGE_SOCKETS)
    for name, value in spec.example.items():
        param = spec.param(name)
        if isinstance(param, image_params.MaskParam):
            values[name], images["mask"] = "{mask}", value
        elif isinstance(param, image_params.ImageListParam):
            examples = value if isinstance(value, tuple) else (value,)
            sockets = [free.pop(0) for _ in examples]
            values[name] = [f"{{{socket}}}" for socket in sockets]
            images.update(zip(sockets, examples))
        elif image_params.is_image_field(param):
            socket = free.pop(0)
            values[name], images[socket] = f"{{{socket}}}", value
        else:
            values[name] = value
    return values, images


def test_the_example_offered_for_each_model_is_a_request_the_node_accepts():
    """Picking a model in the editor offers its example (web/any_model_examples.js): every typed model's page
    defaults and the page examples kept for five others, each accepted as the node would send it."""
    texts = any_model_examples.example_texts()
    untyped = {"clarityai-flux-upscaler", "flux-1.1-pro-ultra", "flux-2-klein-9b", "flux-ipadapter",
               "juggernaut-pro-flux"}
    assert set(texts) == TYPED_SLUGS | untyped
    index = segmind_index.bundled_index()
    for slug, text in texts.items():
        values = any_model.parse_parameters(text)
        named = {socket for sockets in any_model.references(values).values()
                 for socket in (sockets if isinstance(sockets, list) else [sockets])}
        refs = any_model.check_references(values, named)
        spec = any_model.job_spec(slug, index, values, refs)
        images = {socket: video_params.EncodedVideo(f"{n:064x}", 64, 64, b"", 1.0) if socket == "video" else
                  image_params.EncodedImage(f"{n:064x}", 256, 256, b"", socket == "mask")  # FLUX 3: >= 256
                  for n, socket in enumerate(sorted(named), 1)}
        body = spec.build_body(any_model.job_values(spec, values, refs, images))
        assert "http" not in json.dumps(body), slug  # the pages' image URLs are references here
        if slug in untyped:
            assert set(body) == set(values), slug  # sent as the page wrote it
    assert json.loads(texts["flux-img2img"])["image"] == "{image_1}"
    assert json.loads(texts["flux-fill-pro"])["mask"] == "{mask}"
    assert json.loads(texts["flux-2-klein-9b"])["image_urls"] == ["{image_1}", "{image_2}"]
    assert json.loads(texts["flux-3-extend-video"])["start_video"] == "{video}"


def test_an_untyped_model_s_polls_follow_its_catalogue_latency_and_its_request_s_work():
    """No page, no history: the poll schedule expects the job at Segmind's average latency for the model,
    moved by the work the request asks (more samples: later)."""
    request_work = load_pack_module("specs.request_work").request_work
    durations = load_pack_module("client.durations")
    ultra = next(model for model in CATALOGUE if model.slug == "flux-1.1-pro-ultra")
    spec = any_model.job_spec(ultra.slug, segmind_index.bundled_index(), {"prompt": "x", "samples": 2}, {})
    assert spec.typical_seconds == ultra.avg_latency_s
    assert request_work(spec, {"prompt": "x"}) == 1.0 and request_work(spec, {"prompt": "x", "samples": 2}) == 2.0
    expected = durations.expected_end([], spec.typical_seconds, request_work(spec, {"prompt": "x", "samples": 2}))
    assert expected.earliest < ultra.avg_latency_s < 2 * ultra.avg_latency_s < expected.latest


def job_of(model: IndexedModel, seed: int) -> tuple[dict, dict]:
    """The JSON object and images of one job of a catalogue model: a typed model's own example, any other
    a prompt and a seed (every fifth one with an image, the same pixels each time)."""
    spec = any_model.TYPED.get(model.slug)
    if spec is not None:
        values, images = typed_parameters(spec)
        return values, images
    values = {"prompt": f"a {model.slug} test", "seed": seed}
    if seed % 5 == 0:
        return {**values, "image": "{image_1}"}, {"image_1": Example(64, 48, 0x3A6B1C)}
    return values, {}


def add_node(prompt: dict, key: str, model: str, values: dict, images: dict, **options) -> None:
    inputs = {"model": model, "parameters": json.dumps(values), **options}
    for socket, example in images.items():
        prompt[f"{key}_{socket}"] = image_source(example, socket == "mask")
        inputs[socket] = [f"{key}_{socket}", 0]
    prompt[key] = {"class_type": NODE, "inputs": inputs}
    prompt[f"{key}_info"] = {"class_type": "PreviewAny", "inputs": {"source": [key, 1]}}
    prompt[f"{key}_save"] = {"class_type": "PreviewImage", "inputs": {"images": [key, 0]}}


def info(result, key: str) -> dict:
    return json.loads(result.node_output(f"{key}_info")["text"][0])


def test_the_editor_estimate_is_segmind_s_average_or_the_typed_estimate(comfy):
    # First in this file: no job of these models has run yet, so no observed cost replaces the average.
    def estimate(model, parameters):
        status, body = comfy.request("POST", "/segmind-flux/estimate", {
            "node_type": NODE, "inputs": {"model": model, "parameters": parameters}})
        assert status == 200
        return json.loads(body)
    ultra = next(model for model in CATALOGUE if model.slug == "flux-1.1-pro-ultra")  # no typed node
    average = estimate(ultra.slug, "{\"prompt\": \"x\"}")
    assert (average["usd"], average["basis"]) == (pytest.approx(ultra.avg_cost_usd), "Segmind's average")
    typed = estimate("flux-schnell", "{\"prompt\": \"x\", \"samples\": 2}")
    assert typed["basis"] != "Segmind's average" and typed["usd"] > 0
    one = estimate("flux-schnell", "{\"prompt\": \"x\", \"samples\": 1}")
    assert typed["usd"] == pytest.approx(2 * one["usd"])
    assert estimate(ultra.slug, "{not json")["text"] == "check parameters"


VIDEO_MODELS = [model for model in CATALOGUE if "video" in model.modality.lower()]
IMAGE_MODELS = [model for model in CATALOGUE if model not in VIDEO_MODELS]


def test_one_job_of_every_image_model_of_the_catalogue_runs_from_the_node(comfy, segmind):
    assert (len(IMAGE_MODELS), len(VIDEO_MODELS)) == (36, 4)
    segmind.credits = 50.0
    prompt, jobs = {}, {}
    for number, model in enumerate(IMAGE_MODELS):
        values, images = job_of(model, 91000 + number)
        key = f"n{number}"
        add_node(prompt, key, model.slug, values, images, force_refresh=True)
        jobs[key] = (model, values, images)
    result = comfy.run(prompt, timeout=600)
    assert result.ok, (result.error() or {}).get("exception_message")
    posts = {post.path.split("/", 2)[2]: post.body for post in segmind.posts("/v2/")}
    assert sorted(posts) == sorted(model.slug for model in IMAGE_MODELS)  # every model, once each
    # The same pixels feed several nodes: no set of pixels is uploaded twice (an earlier test's are not
    # uploaded again at all: the state folder knows their URLs).
    assert sum(1 for _, _, images in jobs.values() if images) > 8
    assert segmind.uploads and len(segmind.uploads) == len(set(segmind.uploads))
    for key, (model, values, images) in jobs.items():
        body, got = posts[model.slug], info(result, key)
        if model.slug in TYPED_SLUGS:  # the typed spec's body: the example's values, images by URL
            assert {name: body[name] for name in values if "{" not in json.dumps(values[name])} == \
                {name: value for name, value in values.items() if "{" not in json.dumps(value)}
            assert got["estimated_cost"] > 0, model.slug
        else:  # as given, the image replaced by its uploaded file's URL; estimated at Segmind's average
            assert {name: value for name, value in body.items() if name != "image"} == \
                {name: value for name, value in values.items() if name != "image"}
            if images:
                assert body["image"].startswith(f"{segmind.base_url}/files/")
            assert got["estimated_cost"] == pytest.approx(model.avg_cost_usd, abs=1e-6), model.slug
        assert got["cost"] == pytest.approx(price_of(model.slug) * output_count(body), abs=1e-6), model.slug


@pytest.mark.parametrize("model", VIDEO_MODELS, ids=lambda model: model.slug)
def test_a_video_model_runs_from_the_node_its_video_out_with_its_sound_and_its_first_frame_as_images(
        comfy, comfy_home, segmind, model):
    """FLUX 3 from the node for any model: the offered example (a typed model's defaults; "{video}" and
    "{image_1}" where it takes them), the clip uploaded once, the MP4 out of 'video', its first frame out of
    'images', the typed estimate or Segmind's average."""
    segmind.credits = 100.0
    examples = any_model_examples.example_texts()
    values = json.loads(examples[model.slug]) if model.slug in examples else {"prompt": "a fox", "video": "{video}"}
    values["prompt"] = f"a fox runs through snow {model.slug}"
    prompt = {}
    images = {"image_1": Example(320, 256, 0x446688)} if "{image_1}" in json.dumps(values) else {}
    add_node(prompt, "n", model.slug, values, images, force_refresh=True)
    if "{video}" in json.dumps(values):
        prompt.update(video_source(VideoExample(64, 48, 0x336699, frames=6), "n"))
        prompt["n"]["inputs"]["video"] = ["vid_n", 0]
    prompt["n_video"] = {"class_type": "SaveVideo", "inputs": {"video": ["n", 2], "filename_prefix": "t/any-video",
                                                              "format": "auto", "codec": "auto"}}
    result = comfy.run(prompt)
    assert result.ok, (result.error() or {}).get("exception_message") or result.rejected
    [post] = segmind.posts("/v2/")
    assert post.path == f"/v2/{model.slug}"
    if "video" in post.body:
        assert read_clip(segmind.file_of(post.body["video"]))["frames"] == 6
    [saved] = result.node_output("n_video")["images"]
    clip = read_clip(comfy_home / "output" / saved["subfolder"] / saved["filename"])
    assert clip["frames"] == clip_seconds(post.body) * FPS and clip["audio_samples"] > 0
    [frame] = result.node_output("n_save")["images"]
    first = np.asarray(Image.open(comfy_home / "temp" / frame["subfolder"] / frame["filename"]).convert("RGB"))
    assert first.shape[:2] == (clip["height"], clip["width"])
    assert np.abs(first[clip["height"] // 2, clip["width"] // 2].astype(int) - clip_color(post.body)).max() <= 6
    got = info(result, "n")
    typed = {spec.slug: spec for spec in specs.MODELS}.get(model.slug)
    assert got["videos"] == 1 and got["cost"] == pytest.approx(cost_of(model.slug, post.body))
    if typed is None:
        assert got["estimated_cost"] == pytest.approx(model.avg_cost_usd)


def test_an_image_models_video_output_connected_is_refused_before_anything_is_sent(comfy, segmind):
    prompt = {}
    add_node(prompt, "n", "flux-ipadapter", {"prompt": "x"}, {}, force_refresh=True)
    prompt["n_video"] = {"class_type": "SaveVideo", "inputs": {"video": ["n", 2], "filename_prefix": "t/no",
                                                              "format": "auto", "codec": "auto"}}
    result = comfy.run(prompt)
    assert not result.ok and ("SegmindFluxAnyModel: 'flux-ipadapter' answers with images, so the 'video' output has "
                              "nothing to give: connect 'images' instead.") in result.error()["exception_message"]
    assert segmind.received == []


@pytest.mark.parametrize("parameters,connect,expected", [
    ("{\"prompt\": \"x\"", (), "SegmindFluxAnyModel: input 'parameters' is not valid JSON"),
    ("[1, 2]", (), "SegmindFluxAnyModel: input 'parameters' must be a JSON object ({...}); got [1, 2]."),
    ("{\"prompt\": \"x\", \"image\": \"{image_2}\"}", ("image_1",),
     "SegmindFluxAnyModel: 'parameters' puts {image_2} into 'image', but nothing is connected to input 'image_2'"),
    ("{\"prompt\": \"x\"}", ("image_1",),
     "SegmindFluxAnyModel: input 'image_1' is connected but no field of 'parameters' names it"),
])
def test_parameters_and_images_that_do_not_match_are_refused_before_anything_is_sent(comfy, segmind, parameters,
                                                                                       connect, expected):
    prompt = {}
    add_node(prompt, "n", "flux-ipadapter", {}, {socket: Example(64, 64, 0x102030) for socket in connect})
    prompt["n"]["inputs"]["parameters"] = parameters
    result = comfy.run(prompt)
    # Bad JSON is refused when queued (VALIDATE_INPUTS); images that do not match, when the node runs.
    message = describe_rejection(result.rejected) if result.rejected else result.error()["exception_message"]
    assert not result.ok and expected in message
    assert segmind.posts() == [] and segmind.uploads == []


def test_a_typed_model_is_checked_by_its_spec_and_unknown_fields_go_as_given_to_others(comfy, segmind):
    prompt = {}
    add_node(prompt, "n", "flux-schnell", {"prompt": "a fox", "steps": 9}, {})
    result = comfy.run(prompt)
    assert not result.ok and "SegmindFluxAnyModel: input 'steps' must be an integer from 1 to 8; got 9." in \
        result.error()["exception_message"]
    assert segmind.posts() == []
    prompt = {}
    add_node(prompt, "n", "flux-1.1-pro-ultra", {"prompt": "a fox", "made_up_field": [1, {"a": None}]}, {},
             force_refresh=True)
    result = comfy.run(prompt)
    assert result.ok, result.error()
    assert segmind.posts("/v2/")[0].body == {"prompt": "a fox", "made_up_field": [1, {"a": None}]}


def test_a_model_the_stand_in_refuses_shows_segmind_s_reason_and_is_not_counted(comfy, segmind):
    prompt = {}
    add_node(prompt, "n", "flux-canny-dev", {"seed": 1}, {}, force_refresh=True)  # no prompt: refused
    result = comfy.run(prompt)
    message = result.error()["exception_message"]
    assert not result.ok and segmind.billable_submissions == 0
    assert "Flux Canny Dev (flux-canny-dev): HTTP 400 Bad Request. Segmind says: prompt is required." in message


def test_the_model_list_follows_a_refresh_and_keeps_a_retired_model(comfy, segmind):
    gone = next(model for model in CATALOGUE if model.slug not in TYPED_SLUGS)  # a typed model runs by its spec
    models = [model for model in CATALOGUE if model is not gone] + [IndexedModel("flux-3-pro", "FLUX 3 Pro", "Text-to-Image Generation", 0.08, 18.5,
                                           "Newest.")]
    segmind.index_text = index_text(models)
    try:
        assert comfy.request("POST", "/segmind-flux/catalogue/refresh", {})[0] == 200
        offered = comfy.get_json(f"/object_info/{NODE}")[NODE]["input"]["required"]["model"][0]
        assert "flux-3-pro" in offered and gone.slug in offered  # new, and retired still loads
        prompt = {}
        add_node(prompt, "n", gone.slug, {"prompt": "x"}, {}, force_refresh=True)
        result = comfy.run(prompt)
        assert not result.ok and f"model '{gone.slug}' is retired by Segmind" in \
            result.error()["exception_message"]
        prompt = {}
        add_node(prompt, "n", "flux-3-pro", {"prompt": "x"}, {}, force_refresh=True)
        result = comfy.run(prompt)
        assert result.ok, result.error()
        assert info(result, "n")["estimated_cost"] == pytest.approx(0.08)
    finally:
        segmind.index_text = index_text(bundled_models())
        comfy.request("POST", "/segmind-flux/catalogue/refresh", {})


def test_a_batch_of_the_node_sets_fields_of_its_request_from_a_rows_file(comfy, comfy_home, segmind, tmp_path):
    """run-workflow --batch on the example workflow: `NODE.parameters.FIELD` sets one field of the request
    (the rest as the workflow has it), `NODE.parameters` the whole object; bad rows refused before any POST."""
    workflow = REPO / "workflows" / "api" / "segmind_flux_any_model.json"
    env = {**os.environ, "SEGMIND_BASE_URL": segmind.base_url, "SEGMIND_API_KEY": TEST_API_KEY,
           "SEGMIND_CACHE_DIR": str(comfy_home / "segmind-cache"), "SEGMIND_CONFIG_FILE": str(tmp_path / "none.json")}

    def run_batch(rows):
        return subprocess.run([sys.executable, str(REPO / "scripts" / "run_workflow.py"), str(workflow), "--url",
                               comfy.url, "--batch", str(rows)], env=env, capture_output=True, text=True, timeout=300)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(json.dumps(row) for row in [
        {f"{NODE}.parameters": "{not json"}, {f"{NODE}.parameters.colour": "red"}]) + "\n")
    out = run_batch(bad)
    assert out.returncode == 2 and segmind.received == []
    assert "line 1 (row 1): SegmindFluxAnyModel: input 'parameters' is not valid JSON" in out.stderr, out.stderr
    assert "line 2 (row 2)" not in out.stderr  # flux-ipadapter has no typed spec: any field goes as written
    rows = tmp_path / "faces.csv"
    with rows.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow([f"{NODE}.parameters.prompt", f"{NODE}.parameters.seed"])
        writer.writerows([[f"a face {n}", 93000 + n] for n in range(3)])
    out = run_batch(rows)
    assert out.returncode == 0, out.stdout + out.stderr
    posts = sorted((post.body for post in segmind.posts("/v2/flux-ipadapter")), key=lambda body: body["seed"])
    assert [(body["prompt"], body["seed"]) for body in posts] == [(f"a face {n}", 93000 + n) for n in range(3)]
    assert len({body["image"] for body in posts}) == 1 and len(segmind.uploads) <= 1
    with rows.with_name("faces.results.csv").open(newline="", encoding="utf-8") as file:
        results = list(csv.DictReader(file))
    assert [(r["status"], r["seed"]) for r in results] == [("ok", str(93000 + n)) for n in range(3)]
    assert all(float(r["cost_usd"]) == price_of("flux-ipadapter") for r in results)
