"""FLUX 3 video through the whole pack, in a real ComfyUI 0.3.75 server against the stand-in (which serves a real
MP4 with an AAC track, tests/stand_in_video.py): the saved file decoded back (frames and sound), a VIDEO input
uploaded once, the cache, a cap, money at video prices, a failure's placeholder and a cancel mid-job."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from comfy_driver import follow_progress
from conftest import TEST_API_KEY, pack_state
from remote_graphs import NON_DEFAULTS, cancel_after_submission, graph, info_of, saved_videos
from segmind_loopback import Fault, cost_of
from stand_in_video import FPS, clip_color, clip_seconds, clip_size, read_clip, read_clip_audio, render_clip

T2V, I2V, EXTEND = "SegmindFlux3TextToVideo", "SegmindFlux3ImageToVideo", "SegmindFlux3ExtendVideo"
REPO = Path(__file__).resolve().parent.parent
RUNNER, T2V_WORKFLOW = REPO / "scripts" / "run_workflow.py", "segmind_flux_3_text_to_video"
HD_SECOND = 1.0625 / 5  # Segmind's average job (index of 2026-08-19) as a 5 s HD clip
FHD_FACTOR = round(0.4147 / 0.2431, 4)  # ComfyUI's FLUX 3 prices: Full HD / HD per second


@pytest.fixture
def money(comfy, comfy_home, segmind):
    """A clean ledger and no learnt costs; caps written to the server's config file per test."""
    cache, config = pack_state(comfy_home, segmind), comfy_home / "no-config.json"

    def clean():
        for name in ("spend-ledger.json", "observed-costs.json"):
            (cache / name).unlink(missing_ok=True)
        config.unlink(missing_ok=True)

    clean()
    segmind.credits = 100.0  # video jobs cost dollars: the stand-in's usual balance runs out in a few
    yield lambda **caps: config.write_text(json.dumps(caps))
    clean()


def runner_env(comfy_home, segmind) -> dict:
    """scripts/run_workflow.py against the session's server and the stand-in, no caps."""
    return {**os.environ, "SEGMIND_BASE_URL": segmind.base_url, "SEGMIND_API_KEY": TEST_API_KEY,
            "SEGMIND_CACHE_DIR": str(comfy_home / "segmind-cache"),
            "SEGMIND_CONFIG_FILE": str(comfy_home / "none.json")}


def info_of_spend(comfy) -> float:
    """What the pack counted as spent today (the Segmind panel's figure)."""
    return comfy.get_json("/segmind-flux/spend")["spent_today"] or 0.0


def t2v(**changes) -> dict:
    """A text-to-video job of its own (a new prompt: past the result cache), with its sound."""
    return {**NON_DEFAULTS[T2V], "prompt": f"a fox says hello {uuid.uuid4().hex[:6]}", "generate_audio": True,
            **changes}


def test_text_to_video_saves_a_clip_with_its_sound_and_a_repeat_is_free(comfy, comfy_home, segmind, money):
    inputs = t2v(duration="6", resolution="hd")
    first = comfy.run(graph(T2V, inputs))
    assert first.ok, first.error() or first.rejected
    (path,) = saved_videos(comfy_home, first)
    clip, body = read_clip(path), segmind.posts("/v2/")[0].body
    assert body["duration"] == 6 and body["generate_audio"] is True and "mode" not in body
    assert clip["frames"] == 6 * FPS and (clip["width"], clip["height"]) == clip_size(body)
    assert np.abs(np.array(clip["color"]) - clip_color(body)).max() <= 6
    assert clip["audio_samples"] > 5.5 * 16000  # the whole tone of six seconds, decoded back
    info = info_of(first)
    assert info["video"] == {"width": clip["width"], "height": clip["height"], "seconds": pytest.approx(6, abs=0.2),
                             "has_audio": True}
    assert info["estimated_cost"] == pytest.approx(HD_SECOND * 6)
    assert info["cost"] == cost_of("flux-3-text-to-video", body)
    # The same inputs again (over v1, so that ComfyUI runs the node again): from the result cache, nothing
    # sent, the sound still there.
    segmind.reset()
    again = comfy.run(graph(T2V, {**inputs, "transport": "v1"}))
    assert again.ok and info_of(again)["cached"] is True and segmind.posts() == []
    assert read_clip(saved_videos(comfy_home, again)[0])["audio_samples"] == clip["audio_samples"]
    assert again.node_output("1")["segmind_cost"][0]["text"] == "cached · $0"


def test_an_extend_uploads_its_video_once_for_two_jobs(comfy, segmind, money):
    for number in range(2):
        result = comfy.run(graph(EXTEND, {**NON_DEFAULTS[EXTEND], "prompt": f"the rain stops {number} {uuid.uuid4()}"}))
        assert result.ok, (result.error() or {}).get("exception_message") or result.rejected
    posts = segmind.posts("/v2/")
    assert len(posts) == 2 and posts[0].body["start_video"] == posts[1].body["start_video"]
    uploads = [r for r in segmind.received if r.path == "/upload-asset"]
    assert len(uploads) <= 1 and len(segmind.uploads) <= 1  # the session's earlier runs may have uploaded it
    uploaded = read_clip(segmind.file_of(posts[0].body["start_video"]))
    assert uploaded["frames"] == NON_DEFAULTS[EXTEND]["start_video"].frames


def test_a_cap_refuses_a_video_job_before_any_request(comfy, segmind, money):
    money(max_spend_per_prompt=2.0)  # a 10 s Full-HD clip: 0.2125 x 10 x 1.7059 = ~$3.63
    result = comfy.run(graph(T2V, t2v(duration="10", resolution="fhd")))
    message = result.error()["exception_message"]
    assert not result.ok and "per-prompt cap of $2.00" in message and "~$3.63" in message, message
    assert segmind.received == []


def test_auto_duration_is_estimated_as_the_longest_clip_and_the_reported_cost_is_counted(comfy, segmind, money):
    result = comfy.run(graph(T2V, t2v(duration="auto", resolution="fhd")))
    assert result.ok, result.error()
    body = segmind.posts("/v2/")[0].body
    info = info_of(result)
    assert body["duration"] == "auto" and info["estimated_cost"] == pytest.approx(HD_SECOND * 20 * FHD_FACTOR)
    assert info["cost"] == pytest.approx(HD_SECOND * clip_seconds(body) * FHD_FACTOR)  # what the server billed
    assert info["video"]["seconds"] == pytest.approx(clip_seconds(body), abs=0.2)


def test_a_keyframe_under_bfls_minimum_is_refused_before_any_upload(comfy, segmind):
    small = {**NON_DEFAULTS[I2V], "keyframes": type(NON_DEFAULTS[I2V]["keyframes"])(200, 150, 0x223344)}
    result = comfy.run(graph(I2V, small))
    assert not result.ok
    assert ("SegmindFlux3ImageToVideo: input 'keyframes' must be an image of at least 256x256 (BFL's rule for "
            "FLUX 3); got 200x150.") in result.error()["exception_message"]
    assert segmind.received == []


def test_a_failed_job_with_on_failure_placeholder_gives_a_silent_grey_clip_of_the_asked_length(
        comfy, comfy_home, segmind, money):
    result = comfy.run(graph(T2V, t2v(prompt="FAIL", duration="7", aspect_ratio="1:1", on_failure="placeholder",
                                      force_refresh=True)))
    assert result.ok, result.error()
    clip = read_clip(saved_videos(comfy_home, result)[0])
    assert (clip["frames"], clip["width"], clip["height"], clip["audio_samples"]) == (7, 1080, 1080, 0)
    assert np.abs(np.array(clip["color"]) - 128).max() <= 3
    assert info_of(result)["failed"] is True and info_of(result)["videos"] == 1


def test_a_cancel_mid_job_stops_its_polls(comfy, segmind):
    segmind.job_seconds = 30.0
    cancel = cancel_after_submission(comfy, segmind, graph(T2V, t2v()), 0.5)
    assert "execution_interrupted" in [name for name, _ in cancel.entry["status"]["messages"]]
    assert cancel.took_s < 1.0
    time.sleep(1.5)
    late = [r for r in segmind.received if cancel.request_id in r.path and r.at > cancel.cancelled_at + 1.0]
    assert late == []


def test_a_batch_of_three_video_rows_writes_its_results_file(comfy, comfy_home, segmind, money, tmp_path):
    rows = tmp_path / "clips.jsonl"
    rows.write_text("".join(json.dumps({f"{T2V}.prompt": f"a fox says {word}", f"{T2V}.duration": "5"}) + "\n"
                            for word in ("one", "two", "three")))
    run = subprocess.run([sys.executable, str(RUNNER), str(REPO / "workflows" / "api" / f"{T2V_WORKFLOW}.json"),
                          "--url", comfy.url, "--batch", str(rows), "--parallel", "3"],
                         env=runner_env(comfy_home, segmind), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    with rows.with_name("clips.results.csv").open(newline="", encoding="utf-8") as file:
        results = list(csv.DictReader(file))
    assert [(r["row"], r["status"]) for r in results] == [("1", "ok"), ("2", "ok"), ("3", "ok")]
    prompts = {p.body["prompt"]: p for p in segmind.posts("/v2/")}
    assert sorted(prompts) == ["a fox says one", "a fox says three", "a fox says two"]
    for result in results:
        assert float(result["cost_usd"]) == pytest.approx(HD_SECOND * 5) and result["request_id"] in segmind.jobs
        query = dict(part.split("=", 1) for part in result["images"].split("?", 1)[1].split("&"))
        clip = read_clip(comfy_home / query["type"] / query["subfolder"] / query["filename"])
        assert clip["frames"] == 5 * FPS and clip["audio_samples"] > 0 and query["filename"].endswith(".mp4")


def test_a_saved_videos_receipt_collects_the_job_again_with_gets_only(comfy, comfy_home, segmind, money):
    result = comfy.run(graph(T2V, t2v(duration="5")))
    assert result.ok, result.error()
    request_id = info_of(result)["request_id"]
    metadata = read_clip(saved_videos(comfy_home, result)[0])["metadata"]
    receipt = json.loads(metadata["segmind"])  # Save Video wrote it next to ComfyUI's own prompt and workflow
    assert receipt["jobs"]["1"]["request_id"] == request_id and TEST_API_KEY not in json.dumps(metadata)
    credits, posts_before = segmind.credits, len(segmind.posts())
    status, body = comfy.request("POST", "/segmind-flux/collect-receipt", {"receipt": metadata["segmind"]})
    answer = json.loads(body)
    assert status == 200, answer
    assert len(segmind.posts()) == posts_before and segmind.credits == credits  # nothing submitted or billed
    [job] = answer["jobs"]
    [file] = job["images"]
    assert file["filename"] == f"flux-3-text-to-video_{request_id}_1.mp4"
    served = segmind.jobs[request_id]["images"][0][0]
    assert (comfy_home / "output" / "segmind-collected" / file["filename"]).read_bytes() == served  # as sent


def test_the_panels_jobs_list_shows_a_frame_of_the_video(comfy, segmind, money):
    from PIL import Image

    result = comfy.run(graph(T2V, t2v(duration="5")))
    assert result.ok, result.error()
    request_id = info_of(result)["request_id"]
    job = next(job for job in comfy.get_json("/segmind-flux/spend")["jobs"] if job["request_id"] == request_id)
    assert job["thumbnail"] and job["model"] == "flux-3-text-to-video"
    status, png = comfy.request("GET", f"/segmind-flux/thumbnail?job={job['id']}")
    assert status == 200
    frame = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert max(frame.shape[:2]) == 96  # the panel's thumbnail side
    body = segmind.jobs[request_id]["body"]
    assert np.abs(frame[frame.shape[0] // 2, frame.shape[1] // 2].astype(int) - clip_color(body)).max() <= 8


def test_get_video_components_splits_the_result_into_frames_sound_and_frame_rate(comfy, comfy_home, segmind, money):
    prompt = graph(T2V, t2v(duration="5"))
    prompt["4"] = {"class_type": "GetVideoComponents", "inputs": {"video": ["1", 0]}}
    prompt["5"] = {"class_type": "SaveImage", "inputs": {"images": ["4", 0], "filename_prefix": "t/frames"}}
    prompt["6"] = {"class_type": "PreviewAny", "inputs": {"source": ["4", 2]}}
    prompt["7"] = {"class_type": "SaveAudio", "inputs": {"audio": ["4", 1], "filename_prefix": "t/sound"}}
    result = comfy.run(prompt)
    assert result.ok, result.error()
    assert len(result.node_output("5")["images"]) == 5 * FPS
    assert float(result.node_output("6")["text"][0]) == FPS
    [sound] = result.node_output("7")["audio"]
    assert read_clip_audio(comfy_home / "output" / sound["subfolder"] / sound["filename"]) > 4.5 * 16000


def test_a_trimmed_clip_is_sent_as_the_clip_not_as_its_whole_file(tmp_path):
    """Newer ComfyUI trims a file's VIDEO by a start and a length (get_active_trim_window) without re-encoding:
    uploading its file as it is would send the untrimmed clip. A whole file is sent as it is."""
    import tiny_flux

    tiny_flux.comfy_in_process()
    from comfy_api.latest import InputImpl
    from pack_loader import load_pack_module

    videos = load_pack_module("nodes.videos")
    whole = render_clip({"prompt": "x", "duration": 6})
    path = tmp_path / "clip.mp4"
    path.write_bytes(whole)
    assert videos.video_file_bytes(InputImpl.VideoFromFile(str(path))) == whole

    class Trimmed(InputImpl.VideoFromFile):  # what a trim gives in newer ComfyUI: its own save_to trims
        def get_active_trim_window(self):
            return 2.0, 3.0

        def save_to(self, target, **options):
            Path(target).write_bytes(render_clip({"prompt": "x", "duration": 5}))

    sent = videos.video_file_bytes(Trimmed(str(path)))
    assert sent != whole and read_clip(sent)["frames"] == 5 * FPS


def test_a_field_segmind_refuses_is_not_billed_and_the_error_points_to_the_node_for_any_model(comfy, segmind, money):
    segmind.inject(Fault("POST", "/v2/flux-3-text-to-video", status=400,
                         body={"error": "Unknown field 'generate_audio'"}))
    result = comfy.run(graph(T2V, t2v()))
    message = result.error()["exception_message"]
    assert not result.ok and message.startswith("Segmind FLUX 3 Text to Video (flux-3-text-to-video): HTTP 400")
    assert "Segmind says: Unknown field 'generate_audio'." in message
    assert "SegmindFluxAnyModel, model 'flux-3-text-to-video'" in message and segmind.billable_submissions == 0
    assert info_of_spend(comfy) == 0.0  # nothing counted as spent


def test_the_node_for_any_model_sends_fields_the_flux3_node_does_not_know_as_given(comfy, segmind, money):
    """The way round a field Segmind names otherwise: the request goes as written, at Segmind's average."""
    values = {"prompt": f"a fox {uuid.uuid4().hex[:6]}", "seconds": 6, "audio": True}
    prompt = {"n": {"class_type": "SegmindFluxAnyModel", "inputs": {"model": "flux-3-text-to-video",
                                                                    "parameters": json.dumps(values)}},
              "v": {"class_type": "SaveVideo", "inputs": {"video": ["n", 2], "filename_prefix": "t/any",
                                                          "format": "auto", "codec": "auto"}},
              "i": {"class_type": "PreviewAny", "inputs": {"source": ["n", 1]}}}
    result = comfy.run(prompt)
    assert result.ok, result.error()
    [post] = segmind.posts("/v2/")
    assert post.body == values
    assert json.loads(result.node_output("i")["text"][0])["estimated_cost"] == pytest.approx(1.0625)


def test_the_balance_check_and_a_batch_budget_hold_at_video_prices(comfy, comfy_home, segmind, money, tmp_path):
    segmind.credits = 1.0  # below a 5 s HD clip's ~$1.06
    result = comfy.run(graph(T2V, t2v(duration="5", resolution="hd")))
    message = result.error()["exception_message"]
    assert not result.ok and "Segmind balance check: the account holds $1.00" in message and "~$1.06" in message
    assert segmind.posts() == []
    segmind.credits = 100.0
    rows = tmp_path / "budget.jsonl"
    rows.write_text("".join(json.dumps({f"{T2V}.prompt": f"fox {n}"}) + "\n" for n in range(3)))
    run = subprocess.run([sys.executable, str(RUNNER), str(REPO / "workflows" / "api" / f"{T2V_WORKFLOW}.json"),
                          "--url", comfy.url, "--batch", str(rows), "--max-spend", "3"],
                         env=runner_env(comfy_home, segmind), capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "the batch's estimate ~$3.19 is over --max-spend $3.00" in run.stderr and segmind.posts() == []


def test_a_video_result_is_downloaded_once_though_output_and_video_name_it(comfy, segmind, money):
    result = comfy.run(graph(T2V, t2v()))
    assert result.ok, result.error()
    request_id = info_of(result)["request_id"]
    url = segmind.jobs[request_id]["urls"][0]
    assert [r.path for r in segmind.received if r.method == "GET" and r.path.startswith("/files/")] == \
        [url[len(segmind.base_url):]]


def test_the_progress_shows_the_elapsed_and_the_expected_time(comfy, segmind, money):
    segmind.job_seconds = 2.5
    texts, stop = [], threading.Event()
    client_id = uuid.uuid4().hex
    follow_progress(comfy.url, client_id, lambda kind, data: texts.append(data.get("text"))
                    if kind == "progress_text" else None, stop)
    time.sleep(0.5)
    status, answer = comfy.queue_prompt(graph(T2V, t2v()), client_id=client_id)
    assert status == 200, answer
    entry = comfy.wait_history(answer["prompt_id"], timeout=60)
    stop.set()
    assert entry["status"]["status_str"] == "success"
    running = [text for text in texts if text and text.startswith(("QUEUED", "PROCESSING"))]
    assert running and all(re.match(r"^(QUEUED|PROCESSING) \d+s of ~\d+s", text) for text in running), texts
    assert any(text.startswith("PROCESSING 2s of ~") for text in running), running


def test_a_cancelled_video_job_is_collected_from_the_panel_and_then_served_free(comfy, comfy_home, segmind, money):
    segmind.job_seconds = 2.0
    inputs = t2v()
    cancel = cancel_after_submission(comfy, segmind, graph(T2V, inputs), 0.2)
    job = next(job for job in comfy.get_json("/segmind-flux/spend")["jobs"] if job["request_id"] == cancel.request_id)
    assert job["collectable"], job
    time.sleep(2.0)  # the job ends on the server
    status, body = comfy.request("POST", "/segmind-flux/collect", {"job": job["id"]})
    assert status == 200, body
    posts = len(segmind.posts())
    result = comfy.run(graph(T2V, inputs))
    assert result.ok and info_of(result)["cached"] is True and len(segmind.posts()) == posts
    assert read_clip(saved_videos(comfy_home, result)[0])["audio_samples"] > 0


def test_a_sound_sent_apart_is_downloaded_once_and_joined_to_the_video(comfy, comfy_home, segmind, money):
    """A result whose sound is a file of its own (`audio.url` beside `video`): each file fetched once, the sound
    put into the saved MP4, the cache keeping both, a receipt's collect saving both as Segmind sent them."""
    segmind.separate_sound = True
    inputs = t2v(duration="5")
    result = comfy.run(graph(T2V, inputs))
    assert result.ok, result.error()
    request_id = info_of(result)["request_id"]
    video_url, sound_url = segmind.jobs[request_id]["urls"]
    assert read_clip(segmind.file_of(video_url))["audio_samples"] == 0  # the picture came without its sound
    gets = [r.path for r in segmind.received if r.method == "GET" and r.path.startswith("/files/")]
    assert gets == [video_url[len(segmind.base_url):], sound_url[len(segmind.base_url):]]
    clip = read_clip(saved_videos(comfy_home, result)[0])
    assert clip["frames"] == 5 * FPS and clip["audio_samples"] > 4.5 * 16000 and info_of(result)["video"]["has_audio"]
    again = comfy.run(graph(T2V, {**inputs, "transport": "v1"}))
    assert again.ok and info_of(again)["cached"] is True
    assert read_clip(saved_videos(comfy_home, again)[0])["audio_samples"] == clip["audio_samples"]
    metadata = read_clip(saved_videos(comfy_home, result)[0])["metadata"]
    status, body = comfy.request("POST", "/segmind-flux/collect-receipt", {"receipt": metadata["segmind"]})
    assert status == 200, body
    [job] = json.loads(body)["jobs"]
    assert [file["filename"] for file in job["images"]] == [f"flux-3-text-to-video_{request_id}_1.mp4",
                                                           f"flux-3-text-to-video_{request_id}_2.wav"]
