"""Batch benchmark against the offline Segmind stand-in, at the pages' job lengths (issue 18).

(1) 24 Schnell rows (10.2 s jobs, as its page says) as one batch (`run-workflow --batch`, 8 rows to a
    prompt) against the same rows one prompt at a time (`run-workflow --set`, what a loop of single runs
    does): the wall-time ratio (goal <= 0.2) and the requests the stand-in received per row.
(1b) The same rows as a batch inside ComfyUI (POST /segmind-flux/batches, what the panel and
    batches/cli.py do), 8 rows to a prompt: wall time from the POST until the batch is done, against (1).
(2) A free-tier key: the stand-in refuses more than 5 submissions a minute (429 with
    x-rate-limit-reset-at-utc); 10 rows, nothing set on the pack's side (--spaced: with
    SEGMIND_REQUESTS_PER_MINUTE=5): every row must end ok. --skip-free-tier leaves it out (two minutes).

Both against one ComfyUI server started here; results in bench/results/batch_bench.json. Not a test.

    source ~/.cache/comfyui-segmind-flux/env.sh && "$COMFYUI_PYTHON" bench/batch_bench.py [--job-seconds 10.2]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "tests"), str(REPO / "scripts")]
from comfy_driver import ComfyServer  # noqa: E402
from segmind_loopback import SegmindLoopback  # noqa: E402

KEY = "bench-key"
WORKFLOW = REPO / "workflows" / "api" / "segmind_flux_schnell.json"
RUNNER = REPO / "scripts" / "run_workflow.py"


def write_rows(path: Path, seeds: range, tag: str) -> Path:
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["SegmindFluxSchnell.prompt", "SegmindFluxSchnell.seed"])
        writer.writerows([f"{tag} fox {seed}", seed] for seed in seeds)
    return path


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(RUNNER), str(WORKFLOW), *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=3600)


def statuses(results: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    with results.open(newline="") as file:
        for row in csv.DictReader(file):
            counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=24)
    parser.add_argument("--job-seconds", type=float, default=10.2, help="the page's typical Schnell time")
    parser.add_argument("--skip-free-tier", action="store_true")
    parser.add_argument("--free-tier-only", action="store_true")
    parser.add_argument("--spaced", action="store_true", help="the free-tier run with SEGMIND_REQUESTS_PER_MINUTE=5")
    options = parser.parse_args()
    stand_in = SegmindLoopback(api_key=KEY, job_seconds=options.job_seconds).start()
    work = Path(tempfile.mkdtemp(prefix="segmind-batch-bench-"))
    env = {"SEGMIND_BASE_URL": stand_in.base_url, "SEGMIND_API_KEY": KEY, "SEGMIND_CACHE_DIR": str(work / "cache"),
           "SEGMIND_CONFIG_FILE": str(work / "none.json")}
    base = work / "base"
    (base / "custom_nodes").mkdir(parents=True)
    (base / "custom_nodes" / "comfyui-segmind-flux").symlink_to(REPO, target_is_directory=True)
    server = ComfyServer.start(Path(os.environ["COMFYUI_PATH"]), os.environ["COMFYUI_PYTHON"], base, env=env)
    report = {"rows": options.rows, "job_seconds": options.job_seconds}
    try:
        if not options.free_tier_only:
            # (1) one prompt at a time, as a loop of single runs does
            stand_in.reset()
            stand_in.job_seconds = options.job_seconds
            started = time.monotonic()
            for seed in range(options.rows):
                out = run(["--url", server.url, "--set", f"SegmindFluxSchnell.seed={seed}",
                           "--set", f"SegmindFluxSchnell.prompt=single fox {seed}"], env)
                assert out.returncode == 0, out.stderr
            single_s = time.monotonic() - started
            single_requests = len(stand_in.received)
            # (1) the same rows as one batch
            stand_in.reset()
            stand_in.job_seconds = options.job_seconds
            rows = write_rows(work / "batch.csv", range(options.rows), "batch")
            started = time.monotonic()
            out = run(["--url", server.url, "--batch", str(rows)], env)
            batch_s = time.monotonic() - started
            assert out.returncode == 0, out.stdout + out.stderr
            report.update(single_s=round(single_s, 1), batch_s=round(batch_s, 1), ratio=round(batch_s / single_s, 3),
                          single_requests_per_row=round(single_requests / options.rows, 2),
                          batch_requests_per_row=round(len(stand_in.received) / options.rows, 2),
                          batch_posts=len(stand_in.posts()), batch_statuses=statuses(work / "batch.results.csv"))
            print(json.dumps(report), flush=True)
            # (1b) the same rows as a batch run inside ComfyUI, through the routes
            stand_in.reset()
            stand_in.job_seconds = options.job_seconds
            rows_text = write_rows(work / "routes.csv", range(options.rows), "routes").read_text()
            started = time.monotonic()
            status, answer = server.request("POST", "/segmind-flux/batches", {"prompt": json.loads(WORKFLOW.read_text()),
                                                                               "rows": rows_text, "parallel": 8})
            assert status == 200, answer
            batch_id = json.loads(answer)["id"]
            while (view := server.get_json(f"/segmind-flux/batches/{batch_id}"))["state"] != "done":
                time.sleep(0.05)
            routes_s = time.monotonic() - started
            report["routes"] = {"batch_s": round(routes_s, 1), "ratio_to_cli_batch": round(routes_s / batch_s, 3),
                                "requests_per_row": round(len(stand_in.received) / options.rows, 2),
                                "posts": len(stand_in.posts()), "rows_done": view["rows_done"]}
            print(json.dumps({"routes": report["routes"]}), flush=True)
        if not options.skip_free_tier:
            # (2) a free-tier key: 5 submissions a minute
            stand_in.reset()
            stand_in.job_seconds = options.job_seconds
            stand_in.submissions_per_minute = 5
            rows = write_rows(work / "free.csv", range(1000, 1010), "free")
            server.stop()
            spacing = {"SEGMIND_REQUESTS_PER_MINUTE": "5"} if options.spaced else {}
            server = ComfyServer.start(Path(os.environ["COMFYUI_PATH"]), os.environ["COMFYUI_PYTHON"], base,
                                       env={**env, **spacing})
            started = time.monotonic()
            out = run(["--url", server.url, "--batch", str(rows)], env)
            report["free_tier"] = {"rows": 10, "spaced_by_the_pack": options.spaced, "wall_s": round(time.monotonic() - started, 1),
                                   "statuses": statuses(work / "free.results.csv"), "exit": out.returncode,
                                   "posts_refused_429": sum(1 for r in stand_in.received if r.method == "POST")
                                   - len(stand_in.accepted)}
    finally:
        server.stop()
        stand_in.stop()
    print(json.dumps(report, indent=1))
    out_dir = REPO / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "batch_bench.json").write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
