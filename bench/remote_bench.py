"""Remote-node benchmark against the loopback Segmind server, in one run.

(1) Concurrency: one graph with 8 independent remote nodes vs one single-node graph, through the real
    ComfyUI server (goal: the 8-node graph under 1.5 x the single node).
(2) Completion lag (job COMPLETED on the server -> IMAGE tensor in hand) and requests per job, at the
    pages' job lengths (10, 20 and 36 s, each + a seeded random 0-1 s, on the model with that typical
    time) and on short jobs (0.5-4 s). The same jobs for:
    - the pack: JobRunner with a duration history (what the node does) + decode to an IMAGE tensor;
    - the pack without a history (the poll schedule before the history existed; short jobs only,
      all lengths with --legacy);
    - the official SDK segmind==1.3.0: `submit_async` + `wait(interval=1.0)`, then downloading and
      decoding its output URL the same way, so that both end with pixels.
    Each series of the pack starts with an empty history: its first --warmup jobs teach it (their lag
    is reported apart as `pack_warmup`); then every measured job runs with each client in turn.
    Goal: mean lag <= 0.15 s, max <= 0.4 s, requests per job <= the SDK's.
(3) First jobs (`first_jobs`): every model's first job on a fresh install, the history empty for each
    job, at its page's time + a random 0-1 s, the pack against the SDK on the same job; --first-jobs of
    them per model, all side by side (each with its own length on the stand-in). Same goal.
(4) Jobs of two sizes (`alternating_sizes`): Schnell alternating 512x512 and 1024x1024 (--alternating jobs),
    and 512x512 alone (`small_jobs`, --small-jobs), the pack (its history kept per work, as the node does),
    the pack with every job taken as the page's work, and the SDK, in turn on the same jobs. Same goal.

    bash scripts/setup.sh && source ~/.cache/comfyui-segmind-flux/env.sh
    $COMFYUI_PYTHON -m pip install --target ~/.cache/comfyui-segmind-flux/bench-deps -r bench/requirements.txt
    SEGMIND_BENCH_DEPS=~/.cache/comfyui-segmind-flux/bench-deps $COMFYUI_PYTHON bench/remote_bench.py

(--target keeps the SDK and httpx out of the runtime; they are appended to sys.path, so the runtime's
own packages win.) Results: bench/results/remote_bench.json. Not a test: figures vary with CPU load.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "tests"), str(REPO / "scripts")]
if os.environ.get("SEGMIND_BENCH_DEPS"):
    sys.path.append(os.environ["SEGMIND_BENCH_DEPS"])
from comfy_driver import ComfyServer  # noqa: E402
from pack_loader import load_pack_module  # noqa: E402
from segmind_loopback import SegmindLoopback  # noqa: E402

KEY = "bench-key"
SCHNELL = {"prompt": "bench", "denoise": 1.0, "height": 1024, "sampler_name": "euler", "samples": 1,
           "scheduler": "normal", "steps": 4, "width": 1024, "transport": "v2", "force_refresh": True}
JOB_BODY = {k: v for k, v in SCHNELL.items() if k not in ("transport", "force_refresh")}
# The pages' typical times, each on its model: the history and the page prior are per model.
LENGTH_MODELS = {10.0: "flux-schnell", 20.0: "flux-dev", 36.0: "Simple_Vector_Flux"}
SHORT_MODEL = "flux-schnell"

# One client run: (slug, body) -> request id, once the IMAGE tensor is in hand.
Client = Callable[[str, dict], str]


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


def measure(stand_in: SegmindLoopback, clients: dict[str, Client], slug: str, lengths: list[float],
            seed_base: int, images: dict | None = None, sizes: list[dict] | None = None) -> dict[str, dict]:
    """Runs each job with every client in turn (so that a change in CPU load hits them alike); per job
    and client the lag after completion and the requests it made."""
    runs = {name: {"lags": [], "poll_lags": [], "requests": []} for name in clients}
    for index, seconds in enumerate(lengths):
        stand_in.job_seconds = seconds
        for name, client in clients.items():
            before = len(stand_in.received)
            size = sizes[index] if sizes else {}
            request_id = client(slug, {**JOB_BODY, **(images or {}), **size, "seed": seed_base + index})
            in_hand = time.monotonic()
            completed = stand_in.jobs[request_id]["submitted"] + seconds
            # The part of the lag spent waiting for the poll that found the job done; the rest is
            # that poll, the result, the download and the decode.
            done_poll = min(r.at for r in stand_in.received[before:]
                            if r.path.endswith(f"{request_id}/status") and r.at >= completed)
            runs[name]["lags"].append(in_hand - completed)
            runs[name]["poll_lags"].append(done_poll - completed)
            runs[name]["requests"].append(len(stand_in.received) - before)
    return runs


def summary(runs: dict) -> dict:
    lags = runs["lags"]
    return {"jobs": len(lags), "lag_mean_s": round(statistics.mean(lags), 3),
            "lag_median_s": round(statistics.median(lags), 3), "lag_max_s": round(max(lags), 3),
            "poll_lag_mean_s": round(statistics.mean(runs["poll_lags"]), 3),
            "requests_per_job": round(statistics.mean(runs["requests"]), 2), "requests_max": max(runs["requests"]),
            "lags_s": [round(lag, 3) for lag in lags]}


def input_images(stand_in: SegmindLoopback) -> dict[str, object]:
    """What an edit job's image fields carry, by spec: one image (and a mask of its size) stored on the
    stand-in as an upload would be, so that both clients send the same body; the uploads themselves are
    not timed (the SDK's files.upload makes the same one request)."""
    import io

    from PIL import Image

    def stored(mode: str, colour) -> str:
        out = io.BytesIO()
        Image.new(mode, (1024, 1024), colour).save(out, "PNG")
        return stand_in.publish([(out.getvalue(), "image/png")])[0]

    image_params = load_pack_module("specs.image_params")
    image, mask = stored("RGB", (90, 120, 200)), stored("L", 255)
    bodies = {}
    for spec in load_pack_module("specs").MODELS:
        fields = {}
        for param in image_params.image_fields(spec.params):
            url = mask if isinstance(param, image_params.MaskParam) else image
            fields[param.name] = [url] if isinstance(param, image_params.ImageListParam) else url
        bodies[spec.slug] = fields
    return bodies


class Clients:
    def __init__(self, stand_in: SegmindLoopback):
        config = load_pack_module("client.config")
        self.jobs = load_pack_module("client.jobs")
        self.durations = load_pack_module("client.durations")
        self.decode_batch = load_pack_module("nodes.images").decode_batch
        # Every model a slug of its own names (the fine-tune node runs slugs of mybmwlora's shape).
        self.specs = {spec.slug: spec for spec in load_pack_module("specs").MODELS if not spec.model_inputs}
        self.typical = {slug: spec.typical_seconds for slug, spec in self.specs.items()}
        self.request_work = load_pack_module("specs.request_work").request_work
        self.images = input_images(stand_in)
        self.settings = config.Settings(api_key=KEY, base_url=stand_in.base_url, cache_enabled=False,
                                        cache_dir=None, requests_per_minute=0)
        import requests
        import segmind  # the official SDK, bench/requirements.txt

        self.sdk = segmind.SegmindClient(api_key=KEY, base_url=stand_in.base_url + "/v1")
        self.downloads = requests.Session()

    def pack(self, work_aware: bool = True) -> Client:
        """The node's path with a history of its own (empty at first), as after a fresh install; each job's
        work told to it as the node tells it (work_aware=False: every job as the page's, as before)."""
        history = self.durations.DurationHistory(None)

        def run(slug: str, body: dict) -> str:
            work = self.request_work(self.specs[slug], body) if work_aware else 1.0
            runner = self.jobs.JobRunner(self.settings, "bench", slug, lambda: False, durations=history,
                                         typical_seconds=self.typical[slug], work=work)
            result = runner.run(body, "v2")
            self.decode_batch(result.images)
            return result.info["request_id"]
        return run

    def pack_without_history(self, slug: str, body: dict) -> str:
        result = self.jobs.JobRunner(self.settings, "bench", slug, lambda: False).run(body, "v2")
        self.decode_batch(result.images)
        return result.info["request_id"]

    def sdk_job(self, slug: str, body: dict) -> str:
        job = self.sdk.submit_async(slug, **body)
        result = job.wait(interval=1.0)
        output = result["output"]
        urls = [output] if isinstance(output, str) else output
        self.decode_batch([self.downloads.get(url, timeout=60).content for url in urls])
        return job.request_id


def series(stand_in: SegmindLoopback, clients: Clients, slug: str, lengths: list[float], warmup: list[float],
           with_legacy: bool, seed_base: int, images: dict | None = None) -> dict:
    pack = clients.pack()
    taught = measure(stand_in, {"pack": pack}, slug, warmup, seed_base, images)["pack"]
    contenders = {"pack": pack, "sdk_1_3_0": clients.sdk_job}
    if with_legacy:
        contenders["pack_without_history"] = clients.pack_without_history
    runs = measure(stand_in, contenders, slug, lengths, seed_base + 100, images)
    report = {"model": slug, **{name: summary(run) for name, run in runs.items()}}
    if warmup:
        report["pack_warmup"] = {"lags_s": [round(lag, 3) for lag in taught["lags"]], "requests": taught["requests"]}
    return report


# Schnell jobs by size: (body, seconds before the random 0-1 s). Segmind publishes one time per model
# (1024x1024: ~7.7 s); the 512x512 time assumes 2 s of overhead and 5.7 s per megapixel.
SMALL, LARGE = ({"width": 512, "height": 512}, 3.4), ({"width": 1024, "height": 1024}, 7.7)


def by_size(stand_in: SegmindLoopback, clients: Clients, cycle: tuple, jobs: int, warmup: int,
            rng: random.Random, seed_base: int) -> dict:
    """Schnell jobs cycling through `cycle`'s sizes: the pack (a history per work), the pack with work
    ignored, and the SDK on the same jobs, in turn."""
    sizes = [cycle[index % len(cycle)] for index in range(warmup + jobs)]
    lengths = [seconds + rng.random() for _, seconds in sizes]
    bodies = [body for body, _ in sizes]
    pack, ignored = clients.pack(), clients.pack(work_aware=False)
    measure(stand_in, {"pack": pack, "pack_work_ignored": ignored}, SHORT_MODEL, lengths[:warmup], seed_base,
            sizes=bodies[:warmup])  # both histories taught the same jobs first
    runs = measure(stand_in, {"pack": pack, "pack_work_ignored": ignored, "sdk_1_3_0": clients.sdk_job},
                   SHORT_MODEL, lengths[warmup:], seed_base + 1000, sizes=bodies[warmup:])
    report = {"model": SHORT_MODEL, "sizes": " and ".join(f"{body['width']}x{body['height']}" for body, _ in cycle),
              **{name: summary(run) for name, run in runs.items()}}
    report["goal_met"] = goal_met(report)
    return report


def page_defaults(spec) -> dict:
    """A job as a user first sends it: the page's defaults (its images: Clients.images)."""
    image_params = load_pack_module("specs.image_params")
    return {param.name: param.default for param in spec.params
            if not image_params.is_image_field(param) and hasattr(param, "default")}


FIRST_JOB_ENDS_APART_S = 3.0  # side by side, yet no two jobs end (and download and decode) together
FIRST_JOB_CLIENTS = ("pack", "sdk_1_3_0")


def _side_by_side(stand_in: SegmindLoopback, clients: Clients, runs: list[tuple[str, int, str]],
                  lengths: dict[int, float]) -> list[tuple[str, str, float, float, int]]:
    """(model, client, lag, poll lag, requests) of each (model, seed, client) run, started so that the
    runs end FIRST_JOB_ENDS_APART_S apart."""
    starts, end = [], 0.0
    for slug, seed, name in sorted(runs, key=lambda run: lengths[run[1]]):
        end = max(lengths[seed], end + FIRST_JOB_ENDS_APART_S)
        starts.append((end - lengths[seed], slug, seed, name))
    began = time.monotonic()

    def one(start: float, slug: str, seed: int, name: str) -> tuple[str, str, float, float, int]:
        time.sleep(max(0.0, began + start - time.monotonic()))
        client = clients.pack() if name == "pack" else clients.sdk_job  # pack(): a fresh, empty history
        request_id = client(slug, {**page_defaults(clients.specs[slug]), **clients.images[slug], "seed": seed})
        in_hand = time.monotonic()
        job = stand_in.jobs[request_id]
        completed = job["submitted"] + job["seconds"]
        mine = [r for r in list(stand_in.received) if request_id in r.path]
        done_poll = min(r.at for r in mine if r.path.endswith("/status") and r.at >= completed)
        # The POST, the polls and the result of this job, and its one image's download.
        return slug, name, in_hand - completed, done_poll - completed, 1 + len(mine) + 1

    with ThreadPoolExecutor(len(starts)) as pool:
        return list(pool.map(lambda start: one(*start), starts))


def first_jobs(stand_in: SegmindLoopback, clients: Clients, count: int, rng: random.Random,
               models: list[str] | None = None) -> dict:
    """Each model's first job with an empty history, against the SDK on the same job (the same seed, so
    the same length). A model's runs go side by side, ending FIRST_JOB_ENDS_APART_S apart (a quiet
    machine at each end, as in a sequential run, in a fraction of its time); one model at a time."""
    lengths = {}
    stand_in.job_seconds = 0.2
    for client in (clients.pack(), clients.sdk_job):  # warm-up: the first run imports and allocates
        client(SHORT_MODEL, {**JOB_BODY, "seed": 49_999})
    stand_in.job_seconds_of = lambda body: lengths[body["seed"]]
    results = []
    typical = {slug: page for slug, page in clients.typical.items() if not models or slug in models}
    try:
        for number, (slug, page) in enumerate(typical.items()):
            seeds = [50_000 + 100 * number + index for index in range(count)]
            lengths.update({seed: page + rng.random() for seed in seeds})
            runs = [(slug, seed, name) for seed in seeds for name in FIRST_JOB_CLIENTS]
            results += _side_by_side(stand_in, clients, runs, lengths)
    finally:
        stand_in.job_seconds_of = None
    report = {}
    for slug, page in typical.items():
        entry = {"model": slug, "page_seconds": page}
        for name in FIRST_JOB_CLIENTS:
            mine = [result[2:] for result in results if result[:2] == (slug, name)]
            lags = [lag for lag, _, _ in mine]
            entry[name] = {"jobs": len(mine), "lag_mean_s": round(statistics.mean(lags), 3),
                           "lag_max_s": round(max(lags), 3),
                           "poll_lag_mean_s": round(statistics.mean(poll_lag for _, poll_lag, _ in mine), 3),
                           "requests_per_job": round(statistics.mean(requests for _, _, requests in mine), 2),
                           "lags_s": [round(lag, 3) for lag in lags]}
        entry["goal_met"] = goal_met(entry)
        report[slug] = entry
    return report


def goal_met(report: dict) -> bool:
    pack, sdk = report["pack"], report["sdk_1_3_0"]
    fewer_requests = pack["requests_per_job"] <= sdk["requests_per_job"]
    return pack["lag_mean_s"] <= 0.15 and pack["lag_max_s"] <= 0.4 and fewer_requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", default="10,20,36", help="job lengths in seconds (each + random 0-1 s)")
    parser.add_argument("--jobs", type=int, default=8, help="measured jobs per length")
    parser.add_argument("--warmup", type=int, default=2, help="jobs that teach the pack's history first")
    parser.add_argument("--short-jobs", type=int, default=12)
    parser.add_argument("--legacy", action="store_true", help="also the pack without a history at every length")
    parser.add_argument("--job-seconds", type=float, default=2.0, help="job length of the concurrency figure")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-concurrency", action="store_true")
    parser.add_argument("--first-jobs", type=int, default=4, help="first jobs per model (0: none)")
    parser.add_argument("--only-first-jobs", action="store_true", help="only the first-job series")
    parser.add_argument("--models", default="", help="first jobs of these slugs only (comma-separated)")
    parser.add_argument("--results", default="remote_bench.json", help="file name under bench/results/")
    parser.add_argument("--alternating", type=int, default=12,
                        help="measured Schnell jobs alternating 512x512 and 1024x1024 (0: none)")
    parser.add_argument("--small-jobs", type=int, default=12, help="measured Schnell jobs of 512x512 only (0: none)")
    parser.add_argument("--loopback-nagle", action="store_true",
                        help="leave Nagle on in the loopback (each answer then waits ~40 ms for a delayed ACK)")
    args = parser.parse_args()
    stand_in = SegmindLoopback(api_key=KEY)
    # http.server sends headers and body in two writes: with Nagle on, the body waits for the client's
    # delayed ACK (~40 ms a request, both clients alike). Real servers answer with TCP_NODELAY.
    stand_in.httpd.RequestHandlerClass.disable_nagle_algorithm = not args.loopback_nagle
    stand_in.start()
    report = {"load_average_before": os.getloadavg(), "loopback_nagle": args.loopback_nagle}
    try:
        if not args.skip_concurrency and not args.only_first_jobs:
            report["concurrency"] = concurrency(stand_in, args.job_seconds, args.repeats)
        clients = Clients(stand_in)
        if args.first_jobs:
            report["first_jobs"] = first_jobs(stand_in, clients, args.first_jobs, random.Random(7),
                                              [slug for slug in args.models.split(",") if slug])
            print(json.dumps({"first_jobs": report["first_jobs"]}), flush=True)
        size_series = {"alternating_sizes": ((SMALL, LARGE), args.alternating, 70_000),
                       "small_jobs": ((SMALL,), args.small_jobs, 80_000)}
        for name, (cycle, jobs, seed_base) in size_series.items():
            if jobs and not args.only_first_jobs:
                report[name] = by_size(stand_in, clients, cycle, jobs, 4, random.Random(11), seed_base)
                print(json.dumps({name: report[name]}), flush=True)
        if args.only_first_jobs:
            args.short_jobs, args.lengths = 0, ""
        rng = random.Random(2024)  # the same jobs for every client, and from run to run
        short = [rng.uniform(0.5, 4.0) for _ in range(args.warmup + args.short_jobs)]
        if args.short_jobs:
            report["short_jobs"] = series(stand_in, clients, SHORT_MODEL, short[args.warmup:], short[:args.warmup],
                                          True, 1)
            print(json.dumps({"short_jobs": report["short_jobs"]}), flush=True)
        for number, length in enumerate(float(text) for text in args.lengths.split(",") if text):
            jobs = [length + rng.random() for _ in range(args.warmup + args.jobs)]
            slug = LENGTH_MODELS.get(length) or next((slug for slug, page in clients.typical.items()
                                                      if page == length), "flux-dev")
            entry = series(stand_in, clients, slug, jobs[args.warmup:], jobs[:args.warmup], args.legacy,
                           1000 * (number + 2), clients.images[slug])
            entry["goal_met"] = goal_met(entry)
            report[f"jobs_{length:g}s"] = entry
            print(json.dumps({f"jobs_{length:g}s": entry}), flush=True)
    finally:
        stand_in.stop()
    report["load_average_after"] = os.getloadavg()
    print(json.dumps(report, indent=2))
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / args.results).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
