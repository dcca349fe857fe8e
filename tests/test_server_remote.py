"""The five remote nodes in a real ComfyUI 0.3.75 server, against the loopback Segmind server."""
from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from comfy_driver import start_up_errors
from conftest import TEST_API_KEY
from pack_loader import load_pack_module
from remote_graphs import (NON_DEFAULTS, LogTail, cancel_after_submission, declared_input_names, example_pixels, graph,
                           info_of, page_fields, saved_images, saved_videos, slug_of, wait_for)
from segmind_loopback import (START_CREDITS, TEST_PRICES, Fault, cost_of, expected_color, image_size, output_count,
                              price_of)
from stand_in_video import FPS, clip_color, clip_seconds, clip_size, read_clip

specs = load_pack_module("specs")
choices = load_pack_module("specs.choices")
is_image_field = load_pack_module("specs.image_params").is_image_field


def stand_in_size(segmind, body: dict) -> tuple[int, int]:
    """The size the stand-in makes a job's images (an input image's where the job matches it)."""
    return image_size(body, 1, segmind.file_size)


def test_server_loads_the_pack_without_import_failure(comfy, comfy_home):
    log = (comfy_home / "comfyui.log").read_text(errors="replace")
    lines = [line for line in log.splitlines() if "custom_nodes/comfyui-segmind-flux" in line]
    assert lines and not any("IMPORT FAILED" in line for line in lines), log[-3000:]
    assert start_up_errors(log) == [] and (comfy_home / "user" / "comfyui.db").is_file()
    info = comfy.get_json("/object_info")
    for spec in specs.MODELS:
        node = info[spec.node_id]
        outputs = ["video", "info"] if spec.output == "video" else ["images", "info"]
        assert node["display_name"] == spec.display_name and node["output_name"] == outputs
        declared = {**node["input"]["required"], **node["input"]["optional"]}
        assert [name for name in declared if name not in ("transport", "force_refresh", "on_failure")] == \
            declared_input_names(spec)


@pytest.mark.parametrize("node_id", sorted(NON_DEFAULTS))
def test_every_parameter_reaches_the_request_body_exactly(comfy, comfy_home, segmind, node_id):
    inputs = NON_DEFAULTS[node_id]
    spec = specs.MODELS_BY_NODE_ID[node_id]
    result = comfy.run(graph(node_id, {**inputs, "transport": "v2", "force_refresh": True}))
    assert result.ok, result.error() or result.rejected
    posts = segmind.posts("/v2/")
    assert len(posts) == 1
    fields = page_fields(node_id, inputs)
    # As the body carries them (a FLUX 3 duration picked as "8" goes out as the number 8).
    plain = {name: spec.param(name).validate(value, node_id) for name, value in fields.items()
             if not is_image_field(spec.param(name))}
    assert list(posts[0].body) == [name for name in spec.param_names if name in posts[0].body]
    assert {name: posts[0].body[name] for name in plain} == plain and set(posts[0].body) == set(fields)
    assert posts[0].path == "/v2/" + slug_of(node_id, inputs)
    # Each image field carries the storage URL of an upload holding exactly the example's pixels.
    for name in set(fields) - set(plain):
        sent = posts[0].body[name] if isinstance(posts[0].body[name], list) else [posts[0].body[name]]
        if spec.param(name).kind == "VIDEO":  # the MP4 Create Video made of the example's frames
            clip = read_clip(segmind.file_of(sent[0]))
            example = fields[name]
            assert (clip["frames"], clip["width"], clip["height"]) == (example.frames, example.width, example.height)
            assert np.abs(np.array(clip["color"]) - example_pixels(example)).max() <= 6
            continue
        examples = fields[name] if isinstance(fields[name], tuple) else (fields[name],)
        frames = [example for example in examples for _ in range(example.frames)]
        assert len(sent) == len(frames)
        for url, example in zip(sent, frames):
            uploaded = np.asarray(Image.open(io.BytesIO(segmind.file_of(url))))
            expected = example_pixels(example)
            if uploaded.ndim == 2:  # a mask: white where the example's value is 1
                expected = (round(255 * (example.color & 0xFF) / 255),)
            assert uploaded.shape[:2] == (example.height, example.width)
            assert (uploaded.reshape(-1, len(expected)) == expected).all(), name
    if spec.output == "video":
        return check_saved_video(comfy_home, result, posts[0].path[4:], posts[0].body, segmind)
    images = saved_images(comfy_home, result)
    assert len(images) == output_count(inputs)
    size = stand_in_size(segmind, posts[0].body)
    for index, image in enumerate(images):
        assert image.shape == (size[1], size[0], 3)
        tolerance = 3 if inputs.get("output_format") in ("jpg", "webp") else 0
        assert np.abs(image[size[1] // 2, size[0] // 2].astype(int) - expected_color(inputs, index)).max() <= tolerance
    info = info_of(result)
    assert info["images"] == len(images) and info["cached"] is False
    if "seed" in inputs:
        assert info["seed"] == inputs["seed"]
    else:  # a page without a seed (two-image Kontext [pro]): none is sent
        assert "seed" not in posts[0].body
    assert info["cost"] == round(price_of(posts[0].path[4:]) * output_count(inputs), 6) and info["request_id"]
    assert info["remaining_credits"] == segmind.credits == round(START_CREDITS - info["cost"], 6)


def check_saved_video(comfy_home, result, slug: str, body: dict, segmind) -> None:
    """The saved file is the clip the stand-in made for this body: its frames, colour and sound, decoded back."""
    (path,) = saved_videos(comfy_home, result)
    clip = read_clip(path)
    assert (clip["frames"], (clip["width"], clip["height"])) == (clip_seconds(body) * FPS, clip_size(body))
    assert np.abs(np.array(clip["color"]) - clip_color(body)).max() <= 6
    assert (clip["audio_samples"] > 0) == body.get("generate_audio", True)
    info = info_of(result)
    assert info["videos"] == 1 and info["video"]["has_audio"] == body.get("generate_audio", True)
    assert info["cost"] == cost_of(slug, body) and info["request_id"]
    assert info["remaining_credits"] == segmind.credits == round(START_CREDITS - info["cost"], 6)


def test_v1_transport_and_random_seed_report_the_seed_used(comfy, comfy_home, segmind):
    inputs = {**NON_DEFAULTS["SegmindFluxSchnell"], "samples": 1, "seed": -1, "transport": "v1"}
    result = comfy.run(graph("SegmindFluxSchnell", inputs))
    assert result.ok, result.error()
    assert [p.path for p in segmind.posts()] == ["/v1/flux-schnell"]
    assert segmind.posts()[0].body["seed"] == -1
    assert info_of(result)["seed"] == 4242  # what the server reported in x-seed-value
    assert saved_images(comfy_home, result)[0][0, 0].tolist() == list(expected_color({"seed": 4242, "steps": 8}))


def test_widget_values_out_of_range_are_rejected_before_any_request(comfy, segmind):
    inputs = {**NON_DEFAULTS["SegmindFluxDev"], "steps": 51, "output_format": "gif"}
    status, answer = comfy.queue_prompt(graph("SegmindFluxDev", inputs))
    assert status == 400
    details = " ".join(e["details"] for e in answer["node_errors"]["1"]["errors"])
    assert "SegmindFluxDev: input 'steps' must be an integer from 1 to 50; got 51." in details
    assert segmind.received == []


def test_linked_values_are_validated_before_any_request(comfy, segmind):
    prompt = graph("SegmindFluxSchnell", {**NON_DEFAULTS["SegmindFluxSchnell"], "steps": ["9", 0]})
    prompt["9"] = {"class_type": "PrimitiveInt", "inputs": {"value": 9}}
    result = comfy.run(prompt)
    assert not result.ok
    assert "SegmindFluxSchnell: input 'steps' must be an integer from 1 to 8; got 9." in result.error()["exception_message"]
    assert segmind.received == []


@pytest.mark.parametrize("status,reason,advice", [
    (401, "Unauthorized: invalid or missing API key", "SEGMIND_API_KEY"),
    (406, "Insufficient credits", "credits"),
    (410, "Model retired", "retired by Segmind; the job was not billed"),
    (500, "boom", "internal error"),
])
def test_server_errors_become_clear_node_errors(comfy, segmind, status, reason, advice):
    segmind.inject(Fault("POST", "/v2/", status=status, body={"error": reason}))
    result = comfy.run(graph("SegmindFluxPro", {**NON_DEFAULTS["SegmindFluxPro"], "force_refresh": True}))
    message = result.error()["exception_message"]
    assert message.startswith("Segmind Flux.1 Pro (flux-pro): HTTP %d" % status)
    assert reason in message and advice in message and "Traceback" not in message
    assert TEST_API_KEY not in json.dumps(result.history)


def test_failed_job_reports_the_servers_reason(comfy, segmind):
    result = comfy.run(graph("SegmindFluxDev", {**NON_DEFAULTS["SegmindFluxDev"], "prompt": "FAIL"}))
    message = result.error()["exception_message"]
    assert "HTTP 422" in message and "Content flagged by the safety checker" in message
    assert "not billed" in message


def test_a_v2_image_cut_off_on_the_way_is_fetched_again_without_paying_again(comfy, comfy_home, segmind):
    """An image cut short without a Content-Length looks whole until it is decoded; a finished v2 job is
    collected again (GETs only), so the run still ends with the right pixels and one submission."""
    inputs = {**NON_DEFAULTS["SegmindFluxSchnell"], "seed": 6161, "samples": 2}
    segmind.inject(Fault("GET", "/files/", mangle="cut"))
    result = comfy.run(graph("SegmindFluxSchnell", inputs))
    assert result.ok, result.error()
    assert [image[0, 0].tolist() for image in saved_images(comfy_home, result)] == \
        [list(expected_color(segmind.posts()[0].body, k)) for k in range(2)]
    assert len(segmind.posts()) == 1
    assert len([r for r in segmind.received if r.path.startswith("/files/")]) == 4  # 2 images, fetched twice
    assert "arrived damaged" in (comfy_home / "comfyui.log").read_text(errors="replace")


def test_a_v1_image_cut_off_on_the_way_is_an_error_that_warns_queueing_again_is_billed(comfy, segmind):
    inputs = {**NON_DEFAULTS["SegmindFluxSchnell"], "seed": 6162, "samples": 1, "transport": "v1"}
    segmind.inject(Fault("POST", "/v1/", mangle="cut"))
    result = comfy.run(graph("SegmindFluxSchnell", inputs))
    message = result.error()["exception_message"]
    assert message.startswith("Segmind Flux.1 Schnell (flux-schnell): The server's image could not be used")
    assert "queueing again is billed again" in message and "v2 transport" in message
    assert len(segmind.posts()) == 1


def test_identical_inputs_are_never_paid_twice(comfy, segmind):
    inputs = {**NON_DEFAULTS["SegmindFluxSchnell"], "seed": 9191, "samples": 1}
    first = comfy.run(graph("SegmindFluxSchnell", inputs))
    other = comfy.run(graph("SegmindFluxSchnell", {**inputs, "seed": 9192}))
    again = comfy.run(graph("SegmindFluxSchnell", inputs))  # ComfyUI re-executes: the disk cache answers
    assert first.ok and other.ok and again.ok
    assert [p.body["seed"] for p in segmind.posts()] == [9191, 9192]
    assert info_of(again)["cached"] is True and info_of(again)["request_id"] == info_of(first)["request_id"]
    refreshed = comfy.run(graph("SegmindFluxSchnell", {**inputs, "force_refresh": True}))
    assert refreshed.ok and len(segmind.posts()) == 3 and info_of(refreshed)["cached"] is False


def test_independent_remote_nodes_run_at_the_same_time(comfy, segmind):
    segmind.job_seconds = 2.0
    prompt = {}
    for index in range(4):
        inputs = {**NON_DEFAULTS["SegmindFluxSchnell"], "samples": 1, "seed": 7000 + index, "force_refresh": True}
        prompt[str(10 + index)] = {"class_type": "SegmindFluxSchnell", "inputs": inputs}
        prompt[str(20 + index)] = {"class_type": "PreviewAny", "inputs": {"source": [str(10 + index), 1]}}
    result = comfy.run(prompt)
    assert result.ok, result.error()
    posts = segmind.posts()
    assert len(posts) == 4
    # All four were submitted before the first could have finished (a job takes 2 s): they overlapped.
    assert max(p.at for p in posts) - min(p.at for p in posts) < segmind.job_seconds / 2


def test_cancel_stops_the_node_within_a_second_and_the_next_prompt_runs(comfy, segmind):
    segmind.job_seconds = 30.0
    cancel = cancel_after_submission(comfy, segmind, graph("SegmindFluxDev", {**NON_DEFAULTS["SegmindFluxDev"],
                                                                               "seed": 4711}))
    assert cancel.took_s < 1.0 + 0.1  # one second, plus the history poll's own cadence
    assert "execution_interrupted" in [name for name, _ in cancel.entry["status"]["messages"]]
    segmind.job_seconds = 0.3
    result = comfy.run(graph("SegmindFluxDev", {**NON_DEFAULTS["SegmindFluxDev"], "seed": 4711}))
    assert result.ok, result.error()
    # The cancelled job was collected instead of paying for a second one.
    assert len(segmind.posts()) == 1


def test_a_cancel_while_the_submission_is_on_its_way_warns_counts_and_collects_the_job(comfy, comfy_home, segmind):
    """The server has made the job but its answer is still on the way when the user cancels: the job may
    be billed, so it is counted, the log names its request once the answer arrives, the jobs list keeps it
    as cancelled and collectable, and the same inputs collect it instead of paying again."""
    segmind.inject(Fault("POST", "/v2/", mangle="stall"))  # the job is made; its answer comes 3 s later
    inputs = {**NON_DEFAULTS["SegmindFluxDev"], "seed": 4713}
    log = LogTail(comfy_home / "comfyui.log")
    cancel = cancel_after_submission(comfy, segmind, graph("SegmindFluxDev", inputs))
    request_id = cancel.request_id
    assert "execution_interrupted" in [name for name, _ in cancel.entry["status"]["messages"]]
    wait_for(lambda: "cancelled while its submission was on the way; it may still be billed" in log.text(), 10)
    wait_for(lambda: f"cancelled after submission; request {request_id} may still be billed" in log.text(), 10)
    job = comfy.get_json("/segmind-flux/spend")["jobs"][0]
    assert (job["state"], job["request_id"], job["collectable"]) == ("cancelled", request_id, True), job
    assert job["cost"] == job["estimate"] > 0  # maybe billed: the estimate is counted until Segmind says
    segmind.job_seconds = 0.3
    result = comfy.run(graph("SegmindFluxDev", inputs))
    assert result.ok, result.error()
    assert info_of(result)["collected_earlier_job"] is True and len(segmind.accepted) == 1


@pytest.mark.parametrize("transport", ["v1", "v2"])
def test_a_submission_the_server_refuses_logs_no_billing_warning(comfy, comfy_home, segmind, transport):
    """A 401 answer made no job: nothing may be billed, so nothing says so (v1 never has a request id)."""
    segmind.inject(Fault("POST", f"/{transport}/", status=401, body={"error": "Unauthorized"}))
    log = LogTail(comfy_home / "comfyui.log")
    inputs = {**NON_DEFAULTS["SegmindFluxDev"], "seed": 4714, "transport": transport}
    result = comfy.run(graph("SegmindFluxDev", inputs))
    assert not result.ok and "HTTP 401" in result.error()["exception_message"]
    assert "HTTP 401" in log.text() and "may still be billed" not in log.text()


def test_the_key_appears_nowhere_the_server_shows(comfy, comfy_home, segmind):
    comfy.run(graph("SegmindFluxSchnell", {**NON_DEFAULTS["SegmindFluxSchnell"], "seed": 31337}))
    segmind.inject(Fault("POST", "/v2/", status=401, body={"error": f"bad key {TEST_API_KEY}"}))
    comfy.run(graph("SegmindFluxSchnell", {**NON_DEFAULTS["SegmindFluxSchnell"], "seed": 31338}))
    shown = json.dumps(comfy.get_json("/history")) + json.dumps(comfy.get_json("/queue"))
    assert TEST_API_KEY not in shown and "<redacted>" in shown
    for path in (comfy_home / "output").rglob("*.png"):
        assert TEST_API_KEY not in json.dumps(Image.open(path).info)
    for path in comfy_home.rglob("*"):
        if path.is_file() and path.name != "no-config.json":
            assert TEST_API_KEY.encode() not in path.read_bytes(), path
