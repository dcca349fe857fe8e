"""Fault soak: remote-node runs through a real ComfyUI server while the loopback Segmind server answers
20% of all requests with a fault picked at random (429 bursts, 500/502/504, resets, cut-off and HTML
bodies, stalls past the client's read time-out, PROCESSING flapping with 502).

Every run must end, within RUN_BOUND_S, with its images (the right pixels) or a clear error (the pack's
SegmindError, naming the model, with advice); no run may be billed twice, not even when it is queued
again after an error; ComfyUI keeps answering throughout; the result cache holds only whole images.

Size: SEGMIND_FULL_RELIABILITY=1 runs 200 soak runs; otherwise 30.
"""
from __future__ import annotations

import collections
import io
import json
import os
import random
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from comfy_driver import ComfyServer
from conftest import comfy_base, comfy_runtime, pack_state
from pack_loader import load_pack_module
from segmind_loopback import Chaos, SegmindLoopback, expected_color
from remote_graphs import NON_DEFAULTS, distinct_inputs, graph
from stand_in_video import FPS, clip_color, clip_seconds, read_clip

specs = load_pack_module("specs")

FULL = os.environ.get("SEGMIND_FULL_RELIABILITY") == "1"
RUNS = 200 if FULL else 30
KEY = "sk-soak-test-key-3e81a0c2"
READ_TIMEOUT_S = 1.0   # the client's read time-out in the soak server (SEGMIND_READ_TIMEOUT_S)
STALL_S = 2.5          # a stalled answer comes this late: past the read time-out
# A run's bound: 5 GET attempts of 1 s each plus 7.5 s of backoff make the worst single GET 12.5 s.
RUN_BOUND_S = 60.0
LIVENESS_MAX_S = 2.0
V1_SHAPES = ("raw", "base64_json", "url_string", "url_list", "images_list")
V2_SHAPES = ("url_string", "url_list", "images_list", "base64_json")


@pytest.fixture(scope="module")
def chaos_segmind():
    stand_in = SegmindLoopback(api_key=KEY, job_seconds=0.2, scale=16).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="module")
def soak_comfy(chaos_segmind, tmp_path_factory):
    """A ComfyUI server of its own: short read time-outs, its own cache folder (in a config file, which
    is read afresh on every run)."""
    comfy_dir, python = comfy_runtime()
    base = comfy_base(tmp_path_factory, "soak-base")
    (base / "segmind.json").write_text(json.dumps({"cache_dir": str(base / "segmind-cache")}))
    env = {"SEGMIND_BASE_URL": chaos_segmind.base_url, "SEGMIND_API_KEY": KEY, "SEGMIND_CACHE_DIR": "",
           "SEGMIND_CONFIG_FILE": str(base / "segmind.json"), "SEGMIND_READ_TIMEOUT_S": str(READ_TIMEOUT_S)}
    server = ComfyServer.start(comfy_dir, python, base, env=env, log_path=base / "comfyui.log")
    server.base = base
    yield server
    server.stop()


class Liveness(threading.Thread):
    """Asks ComfyUI for its queue every 0.25 s and keeps the slowest answer."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.stop, self.slowest, self.failures, self.asked = url, threading.Event(), 0.0, [], 0

    def run(self):
        while not self.stop.wait(0.25):
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.url + "/queue", timeout=10) as answer:
                    answer.read()
            except OSError as exc:
                self.failures.append(repr(exc))
            self.slowest = max(self.slowest, time.monotonic() - started)
            self.asked += 1


def is_solid(image: Image.Image, color: tuple, tolerance: int) -> bool:
    extrema = image.convert("RGB").getextrema()
    return all(high - low <= 2 * tolerance and abs(low - want) <= tolerance + 2
               for (low, high), want in zip(extrema, color))


def video_outcome(path, inputs: dict) -> tuple[str, str]:
    """The saved clip is the whole one the stand-in made (a cut file would have been fetched again)."""
    clip = read_clip(path)
    want = (clip_seconds(inputs) * FPS, clip_color(inputs))
    got = (clip["frames"], clip["color"])
    close = got[0] == want[0] and max(abs(a - b) for a, b in zip(got[1], want[1])) <= 6
    return ("ok", "") if close else ("bad", f"clip of {got[0]} frames in {got[1]}, not {want[0]} in {want[1]}")


def check_outcome(server, spec, inputs: dict, entry: dict) -> tuple[str, str]:
    """("ok", "") with the right images, ("error", message) for a clear error, else ("bad", why)."""
    status = entry.get("status", {})
    if status.get("status_str") == "success":
        files = entry["outputs"]["2"]["images"]
        if not files:
            return "bad", "success without images"
        if spec.output == "video":
            return video_outcome(server.base / "output" / files[0]["subfolder"] / files[0]["filename"], inputs)
        tolerance = 0 if inputs.get("output_format", "png") == "png" else 4
        for index, record in enumerate(files):
            with Image.open(server.base / "output" / record["subfolder"] / record["filename"]) as image:
                want = expected_color(inputs, index)
                if not is_solid(image, want, tolerance):
                    return "bad", f"image {index} is not solid {want}: {image.convert('RGB').getextrema()}"
        return "ok", ""
    errors = [data for name, data in status.get("messages", []) if name == "execution_error"]
    if not errors:
        return "bad", f"neither images nor an error: {json.dumps(status)[:300]}"
    error = errors[0]
    message, kind = error.get("exception_message", ""), error.get("exception_type", "")
    label = f"{spec.display_name} ({spec.slug}): "
    clear = (kind.endswith("SegmindError") and message.startswith(label) and "Traceback" not in message
             and KEY not in message and len(message) < 2000)
    return ("error", message) if clear else ("bad", f"{kind}: {message[:300]}")


def cache_entries(root: Path):
    for info_path in root.glob("??/*/info.json"):
        record = json.loads(info_path.read_text())
        yield info_path.parent, record


@pytest.mark.slow
@pytest.mark.timeout(3600 if FULL else 300)
def test_fault_soak_every_run_ends_with_images_or_a_clear_error_and_is_billed_once(soak_comfy, chaos_segmind):
    rng = random.Random(20240607)
    chaos_segmind.set_chaos(Chaos(rate=0.2, seed=7, stall_s=STALL_S, retry_after_s=0.2))
    chaos_segmind.credits = 1000.0  # the video models' jobs cost dollars
    liveness = Liveness(soak_comfy.url)
    liveness.start()
    outcomes, bad, durations, requeued, messages = collections.Counter(), [], [], [], collections.Counter()
    runs = []  # (node_id, inputs, transport, outcome)
    try:
        for index in range(RUNS):
            node_id = rng.choice(sorted(NON_DEFAULTS))
            transport = "v1" if rng.random() < 0.2 else "v2"
            chaos_segmind.v1_shape, chaos_segmind.v2_shape = rng.choice(V1_SHAPES), rng.choice(V2_SHAPES)
            inputs = distinct_inputs(node_id, 50_000 + index, transport=transport)
            spec = specs.MODELS_BY_NODE_ID[node_id].chosen(inputs)  # the fine-tune node: the slug's model
            attempts = 2 if transport == "v2" else 1
            for attempt in range(attempts):  # a v2 run that failed after submission is queued again once
                started = time.monotonic()
                status, answer = soak_comfy.queue_prompt(graph(node_id, inputs, f"soak/{index}"))
                assert status == 200, answer
                entry = soak_comfy.wait_history(answer["prompt_id"], timeout=RUN_BOUND_S + 60)
                durations.append(time.monotonic() - started)
                kind, detail = check_outcome(soak_comfy, spec, inputs, entry)
                outcomes[kind] += 1
                if kind == "bad":
                    bad.append(f"run {index} {node_id} {transport}: {detail}")
                if durations[-1] > RUN_BOUND_S:
                    bad.append(f"run {index} {node_id} took {durations[-1]:.1f} s")
                runs.append((node_id, inputs, transport, kind))
                if kind == "error":
                    messages[detail.split(": ", 1)[1].split(" Request id")[0][:110]] += 1
                if kind != "error" or "Request id: " not in detail or attempt + 1 == attempts:
                    break
                requeued.append((spec.slug, inputs.get("seed", inputs["prompt"])))
    finally:
        liveness.stop.set()
        liveness.join()
        chaos_segmind.set_chaos(None)

    # A job by its seed, or its prompt where the page has no seed (distinct_inputs varies that instead).
    accepted = collections.Counter((r.path, r.body.get("seed", r.body.get("prompt"))) for r in chaos_segmind.accepted)
    billed_twice = {key: count for key, count in accepted.items() if count > 1}
    chaos_kinds = collections.Counter(kind for _, _, kind in chaos_segmind.chaos_log)
    answers = len(chaos_segmind.received)
    print(f"\nfault soak: {RUNS} runs ({len(durations)} prompts incl. {len(requeued)} re-queued after an error), "
          f"outcomes {dict(outcomes)}, max {max(durations):.1f} s, mean {sum(durations) / len(durations):.2f} s "
          f"per prompt; {answers} requests, {len(chaos_segmind.chaos_log)} faults "
          f"({len(chaos_segmind.chaos_log) / answers:.0%}): "
          f"{dict(chaos_kinds)}; accepted submissions {sum(accepted.values())}; ComfyUI answered {liveness.asked} "
          f"queue requests, slowest {liveness.slowest:.2f} s")
    print("errors:\n  " + "\n  ".join(f"{count} x {text}" for text, count in messages.most_common()))
    assert not bad, "\n".join(bad[:20])
    assert not billed_twice, f"billed more than once: {billed_twice}"
    assert not liveness.failures and liveness.slowest < LIVENESS_MAX_S, (liveness.failures[:3], liveness.slowest)
    assert soak_comfy.get_json("/system_stats") and soak_comfy.process.poll() is None
    assert outcomes["ok"] > 0 and outcomes["error"] > 0  # the soak exercised both ends
    assert 0.1 < len(chaos_segmind.chaos_log) / answers < 0.3

    # The result cache holds only whole images (and clips) with the right pixels, and no half-written file.
    root = pack_state(soak_comfy.base, chaos_segmind)
    saved = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        entries = list(cache_entries(root))
        for entry, record in entries:
            seed = record["info"]["seed"] or 0  # a page without a seed: the stand-in draws as for seed 0
            if record["info"].get("videos"):  # a whole clip: every frame decodes
                [name] = record["files"]
                assert read_clip((entry / name).read_bytes())["frames"] >= 5 * FPS, entry
                continue
            for name in record["files"]:
                with Image.open(io.BytesIO((entry / name).read_bytes())) as image:
                    image.load()
                    corner = image.convert("RGB").getpixel((0, 0))
                    assert abs(corner[0] - seed % 256) <= 4 and is_solid(image, corner, 4), entry
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = saved
    assert len(entries) == sum(1 for run in runs if run[3] == "ok")
    assert not [path for path in root.rglob(".tmp-*")]


def test_a_result_cache_that_cannot_be_written_never_costs_the_paid_result(soak_comfy, chaos_segmind):
    config, blocker = soak_comfy.base / "segmind.json", soak_comfy.base / "a-file-not-a-folder"
    blocker.write_text("")
    saved = config.read_text()
    config.write_text(json.dumps({"cache_dir": str(blocker / "cache")}))
    try:
        for index, transport in enumerate(("v2", "v1")):
            inputs = {**NON_DEFAULTS["SegmindFluxDev"], "seed": 99_000 + index, "transport": transport}
            entry = soak_comfy.wait_history(soak_comfy.queue_prompt(graph("SegmindFluxDev", inputs, f"soak/{index}"))[1]
                                            ["prompt_id"], timeout=60)
            assert check_outcome(soak_comfy, specs.MODELS_BY_NODE_ID["SegmindFluxDev"], inputs, entry)[0] == "ok"
    finally:
        config.write_text(saved)
    assert "the result cache could not be written" in soak_comfy.log_tail(20_000)
