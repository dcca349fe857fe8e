"""Remote-node benchmark against the loopback Segmind server with a fixed job time, in one run.

(1) Concurrency: one graph with 8 independent remote nodes vs one single-node graph, through the real
    ComfyUI server (goal: the 8-node graph under 1.5 x the single node).
(2) Latency after completion: how long after a job turns COMPLETED the result is in hand, for this
    pack's client (poll, fetch, download, decode to an IMAGE tensor: the node's whole path outside
    ComfyUI's bookkeeping) and for the official SDK (segmind==1.3.0, `client.run`, which returns the
    result JSON and downloads nothing), on the same jobs (goal: lower than the SDK's).

    bash scripts/setup.sh && source ~/.cache/comfyui-segmind-flux/env.sh
    $COMFYUI_PYTHON -m pip install -r bench/requirements.txt
    $COMFYUI_PYTHON bench/remote_bench.py [--job-seconds 2] [--latency-jobs 12]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "tests"), str(REPO / "scripts")]
from comfy_driver import ComfyServer  # noqa: E402
from pack_loader import load_pack_module  # noqa: E402
from segmind_loopback import SegmindLoopback  # noqa: E402

KEY = "bench-key"
SCHNELL = {"prompt": "bench", "denoise": 1.0, "height": 1024, "sampler_name": "euler", "samples": 1,
           "scheduler": "normal", "steps": 4, "width": 1024, "transport": "v2", "force_refresh": True}


def graph(count: int, seed_base: int) -> dict:
    prompt = {}
    for index in range(count):
        prompt[f"n{index}"] = {"class_type": "SegmindFluxSchnell", "inputs": {**SCHNELL, "seed": seed_base + index}}
        prompt[f"p{index}"] = {"class_type": "PreviewImage", "inputs": {"images": [f"n{index}", 0]}}
    return prompt


def timed_run(server: ComfyServer, prompt: dict) -> float:
    started = time.perf_counter()
    result = server.run(prompt, timeout=600)
    assert result.ok, result.error()
    return time.perf_counter() - started


def concurrency(stand_in: SegmindLoopback, job_seconds: float, repeats: int) -> dict:
    base = Path(tempfile.mkdtemp(prefix="bench-comfy-"))
    (base / "custom_nodes").mkdir()
    (base / "custom_nodes" / "comfyui-segmind-flux").symlink_to(REPO, target_is_directory=True)
    env = {"SEGMIND_BASE_URL": stand_in.base_url, "SEGMIND_API_KEY": KEY, "SEGMIND_CACHE": "0"}
    server = ComfyServer.start(Path(os.environ["COMFYUI_PATH"]), os.environ["COMFYUI_PYTHON"], base, env=env)
    try:
        stand_in.job_seconds = job_seconds
        timed_run(server, graph(1, 1))  # warm-up: first execution imports and allocates
        single = [timed_run(server, graph(1, 100 + r)) for r in range(repeats)]
        eight = [timed_run(server, graph(8, 1000 + 10 * r)) for r in range(repeats)]
    finally:
        server.stop()
    one, many = statistics.median(single), statistics.median(eight)
    return {"job_seconds": job_seconds, "single_node_s": round(one, 3), "eight_nodes_s": round(many, 3),
            "eight_over_single": round(many / one, 3), "eight_x_single_s": round(8 * one, 3)}


def completion_delays(stand_in: SegmindLoopback, jobs: int, runner) -> list[float]:
    delays = []
    for index in range(jobs):
        stand_in.job_seconds = random.Random(index).uniform(0.5, 4.0)  # the same jobs for both clients
        before = len(stand_in.posts())
        runner({**{k: v for k, v in SCHNELL.items() if k not in ("transport", "force_refresh")}, "seed": index})
        returned = time.monotonic()
        submitted = stand_in.posts()[before].at
        delays.append(returned - (submitted + stand_in.job_seconds))
    return delays


def latency(stand_in: SegmindLoopback, jobs: int) -> dict:
    config = load_pack_module("client.config")
    jobs_module = load_pack_module("client.jobs")
    images = load_pack_module("nodes.images")
    settings = config.Settings(api_key=KEY, base_url=stand_in.base_url, cache_enabled=False,
                               cache_dir=None, requests_per_minute=0)

    def ours(body):
        result = jobs_module.JobRunner(settings, "bench", "flux-schnell", lambda: False).run(body, "v2")
        images.decode_batch(result.images)

    import segmind  # the official SDK, bench/requirements.txt

    sdk_client = segmind.SegmindClient(api_key=KEY, base_url=stand_in.base_url + "/v1")

    def sdk(body):
        sdk_client.run("flux-schnell", **body)

    ours_delays = completion_delays(stand_in, jobs, ours)
    sdk_delays = completion_delays(stand_in, jobs, sdk)
    summary = lambda d: {"mean_s": round(statistics.mean(d), 3), "median_s": round(statistics.median(d), 3),
                         "max_s": round(max(d), 3)}
    return {"jobs": jobs, "pack": summary(ours_delays), "sdk_1_3_0": summary(sdk_delays),
            "pack_over_sdk_mean": round(statistics.mean(ours_delays) / statistics.mean(sdk_delays), 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--job-seconds", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--latency-jobs", type=int, default=12)
    args = parser.parse_args()
    stand_in = SegmindLoopback(api_key=KEY).start()
    try:
        report = {"concurrency": concurrency(stand_in, args.job_seconds, args.repeats),
                  "completion_latency": latency(stand_in, args.latency_jobs)}
    finally:
        stand_in.stop()
    print(json.dumps(report, indent=2))
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "remote_bench.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
