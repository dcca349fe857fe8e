"""`run-workflow --batch ROWS` against the real ComfyUI server (--url) and the loopback Segmind: bad rows,
the dry run, the budget, refused and failed rows, the results file, reruns and a batch killed mid-way.
Assertions are on the requests the loopback received, the results file and the images written."""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from comfy_driver import ComfyServer
from conftest import TEST_API_KEY, comfy_base, comfy_runtime, pack_state
from remote_graphs import wait_for
from segmind_loopback import TEST_PRICES, Fault

REPO = Path(__file__).resolve().parent.parent
RUNNER = REPO / "scripts" / "run_workflow.py"
SCHNELL = REPO / "workflows" / "api" / "segmind_flux_schnell.json"
FIELDS = ["row", "status", "images", "seed", "cost_usd", "request_id", "error"]


@pytest.fixture
def batch(comfy, comfy_home, segmind, tmp_path):
    """Runs the batch runner against the session's server; the server's config file holds the caps. No
    spend and no learnt costs from earlier tests (the loopback bills a flat price whatever the size)."""
    config = comfy_home / "no-config.json"
    config.unlink(missing_ok=True)
    for name in ("spend-ledger.json", "observed-costs.json"):
        (pack_state(comfy_home, segmind) / name).unlink(missing_ok=True)
    env = {**os.environ, "SEGMIND_BASE_URL": segmind.base_url, "SEGMIND_API_KEY": TEST_API_KEY,
           "SEGMIND_CACHE_DIR": str(comfy_home / "segmind-cache"), "SEGMIND_CONFIG_FILE": str(config)}

    def run(rows: Path, *args: str, wait: bool = True):
        command = [sys.executable, str(RUNNER), str(SCHNELL), "--url", comfy.url, "--batch", str(rows), *args]
        if not wait:
            return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)

    run.caps = lambda **caps: config.write_text(json.dumps(caps))
    yield run
    config.unlink(missing_ok=True)


def write_rows(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, [f"SegmindFluxSchnell.{name}" for name in rows[0]])
        writer.writeheader()
        writer.writerows({f"SegmindFluxSchnell.{k}": v for k, v in row.items()} for row in rows)
    return path


def results_of(rows: Path) -> list[dict]:
    with rows.with_name(rows.stem + ".results.csv").open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def saved_file(comfy_home: Path, url: str) -> Path:
    """The file behind a /view URL that the results file names (the server is another process: --url)."""
    query = dict(part.split("=", 1) for part in url.split("?", 1)[1].split("&"))
    return comfy_home / query["type"] / query["subfolder"] / query["filename"]


def fox_rows(count: int, first_seed: int, **extra) -> list[dict]:
    return [{"prompt": f"fox {first_seed + n}", "seed": first_seed + n, "width": 512, "height": 512, **extra}
            for n in range(count)]


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_sent(batch, segmind, tmp_path):
    rows = tmp_path / "bad.jsonl"
    rows.write_text("\n".join([
        json.dumps({"SegmindFluxSchnell.prompt": "fine", "SegmindFluxSchnell.seed": 1}),
        json.dumps({"SegmindFluxSchnell.steps": 9}),
        "{not json",
        json.dumps({"NoSuchNode.prompt": "x"}),
        json.dumps({"SegmindFluxSchnell.colour": "red"}),
        json.dumps(["a list"]),
        json.dumps({"SegmindFluxSchnell.width": 1001, "SegmindFluxSchnell.transport": "v3"}),
    ]) + "\n")
    out = batch(rows)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "nothing was sent" in out.stderr
    assert "line 3: not JSON" in out.stderr and "line 6: a row is one JSON object" in out.stderr
    # Lines that cannot be read stop the check there: the readable ones are checked once they are fixed.
    rows.write_text("\n".join(line for n, line in enumerate(rows.read_text().splitlines(), 1) if n not in (3, 6)))
    out = batch(rows)
    assert out.returncode == 2
    for expected in ("line 2 (row 2): SegmindFluxSchnell: input 'steps' must be an integer from 1 to 8; got 9.",
                     "line 3 (row 3): 'NoSuchNode.prompt': 0 nodes match 'NoSuchNode'",
                     "line 4 (row 4): 'SegmindFluxSchnell.colour': SegmindFluxSchnell has no input 'colour'",
                     "line 5 (row 5): SegmindFluxSchnell: input 'width' must be an integer from 512 to 2048 in "
                     "multiples of 8; got 1001.",
                     "line 5 (row 5): SegmindFluxSchnell: input 'transport' must be one of v2, v1; got 'v3'."):
        assert expected in out.stderr, out.stderr
    assert segmind.received == []


def test_a_dry_run_states_each_row_and_the_total_and_sends_nothing(batch, segmind, tmp_path):
    rows = write_rows(tmp_path / "dry.csv", fox_rows(3, 500) + [{"prompt": "big", "seed": 9, "width": 1024,
                                                                   "height": 1024}])
    out = batch(rows, "--dry-run")
    assert out.returncode == 0, out.stderr
    # 512x512 is a quarter of the page's work: $0.002 a row; 1024x1024 the page's $0.008.
    assert "[batch] 4 row(s) to run (0 already in" in out.stdout and "estimate ~$0.014" in out.stdout
    assert "[batch] row 1 (line 2): ~$0.002" in out.stdout and "[batch] row 4 (line 5): ~$0.008" in out.stdout
    assert "[batch] a run would go ahead; nothing was sent" in out.stdout
    assert segmind.received == [] and not rows.with_name("dry.results.csv").exists()


def test_a_budget_below_the_estimate_refuses_before_any_post(batch, segmind, tmp_path):
    rows = write_rows(tmp_path / "budget.csv", fox_rows(4, 600))
    out = batch(rows, "--max-spend", "0.005")
    assert out.returncode == 2
    assert "refused, nothing was sent: the batch's estimate ~$0.008 is over --max-spend $0.005" in out.stderr
    batch.caps(max_spend_per_day=0.006)
    out = batch(rows)
    assert out.returncode == 2 and "is over the day cap of $0.006" in out.stderr, out.stderr
    assert segmind.received == []


def test_rows_run_side_by_side_and_the_results_file_has_every_field(batch, segmind, comfy_home, tmp_path):
    segmind.job_seconds = 1.0
    rows = write_rows(tmp_path / "foxes.csv", fox_rows(6, 700))
    started = time.monotonic()
    out = batch(rows, "--parallel", "3")
    took = time.monotonic() - started
    assert out.returncode == 0, out.stdout + out.stderr
    results = results_of(rows)
    assert list(results[0]) == FIELDS and [r["row"] for r in results] == [str(n) for n in range(1, 7)]
    posts = segmind.posts()
    assert len(posts) == 6 and sorted(p.body["seed"] for p in posts) == list(range(700, 706))
    by_seed = {p.body["seed"]: p for p in posts}
    for n, result in enumerate(results):
        assert result["status"] == "ok" and result["error"] == "" and result["seed"] == str(700 + n)
        assert float(result["cost_usd"]) == TEST_PRICES["flux-schnell"]
        assert result["request_id"] in segmind.jobs and by_seed[700 + n].body["prompt"] == f"fox {700 + n}"
        image = saved_file(comfy_home, result["images"])
        assert image.is_file() and f"_row{n + 1}_" in image.name and Image.open(image).size == (512, 512)
    # Three rows to a prompt: the jobs of one prompt were all submitted before the first could end.
    first_three = sorted(p.at for p in posts)[:3]
    assert first_three[-1] - first_three[0] < segmind.job_seconds
    assert "done: 6 ok, 0 failed or refused" in out.stdout and took < 60
    # Run again: every row is in the results file, nothing is sent.
    again = batch(rows)
    assert again.returncode == 0 and "[batch] 0 row(s) to run (6 already in" in again.stdout
    assert len(segmind.posts()) == 6


def test_a_refused_and_a_failed_row_are_recorded_while_the_others_finish(batch, segmind, tmp_path):
    batch.caps(max_spend_per_prompt=0.01)
    rows = write_rows(tmp_path / "mixed.csv", [
        {"prompt": "fox 1", "seed": 801, "samples": 1},
        {"prompt": "fox 2", "seed": 802, "samples": 4},  # ~$0.032: over the per-prompt cap alone
        {"prompt": "FAIL", "seed": 803, "samples": 1},  # the loopback's safety filter: 422
        {"prompt": "fox 4", "seed": 804, "samples": 1},
    ])
    out = batch(rows, "--parallel", "4")
    assert out.returncode == 1, out.stdout + out.stderr
    results = {r["row"]: r for r in results_of(rows)}
    assert results["1"]["status"] == "ok" and results["4"]["status"] == "ok"
    assert results["2"]["status"] == "refused" and "over the per-prompt cap of $0.01" in results["2"]["error"]
    assert results["3"]["status"] == "failed" and "Content flagged by the safety checker" in results["3"]["error"]
    assert results["3"]["request_id"] in segmind.jobs and results["2"]["request_id"] == ""  # refused: no job
    assert results["2"]["cost_usd"] == "0" and results["3"]["cost_usd"] == "0"  # a 422 is not billed
    assert sorted(p.body["seed"] for p in segmind.posts()) == [801, 803, 804]  # the refused row sent nothing
    # --retry-failed runs the failed and refused rows again, and only those.
    batch.caps()
    again = batch(rows, "--retry-failed")
    assert "[batch] 2 row(s) to run (2 already in" in again.stdout
    assert sorted(p.body["seed"] for p in segmind.posts()) == [801, 802, 803, 803, 804]


def test_rows_that_shared_a_prompt_with_a_failing_row_are_recorded_whole_and_paid_once(batch, segmind, tmp_path):
    rows = write_rows(tmp_path / "shared.csv", [{"prompt": "fox 1", "seed": 1401}, {"prompt": "fox 2", "seed": 1402},
                                                {"prompt": "FAIL", "seed": 1403}])
    out = batch(rows, "--parallel", "3")
    assert out.returncode == 1, out.stdout + out.stderr
    results = {r["row"]: r for r in results_of(rows)}
    for row, seed in (("1", 1401), ("2", 1402)):
        assert results[row]["status"] == "ok" and results[row]["seed"] == str(seed)
        assert results[row]["request_id"] in segmind.jobs and float(results[row]["cost_usd"]) > 0
    assert results["3"]["status"] == "failed"
    assert sorted(p.body["seed"] for p in segmind.posts()) == [1401, 1402, 1403]  # run again alone: no new POST


def test_a_row_whose_job_may_be_billed_records_the_estimate_the_ledger_counted(batch, segmind, tmp_path):
    """Its status polls fail until the pack gives up: the job was submitted, so it may be billed."""
    segmind.inject(Fault("GET", "/status", status=500, times=1000))
    rows = write_rows(tmp_path / "lost.csv", [{"prompt": "fox 1", "seed": 1501}])
    out = batch(rows)
    assert out.returncode == 1, out.stdout + out.stderr
    [result] = results_of(rows)
    assert result["status"] == "failed" and result["request_id"] in segmind.jobs and "HTTP 500" in result["error"]
    assert float(result["cost_usd"]) == pytest.approx(TEST_PRICES["flux-schnell"])  # the estimate: maybe billed
    assert "spent $0.008" in out.stdout


def test_a_batch_on_a_rate_limited_key_waits_for_the_limit_and_no_row_fails(batch, segmind, tmp_path):
    # The tier's limit, shortened: 2 submissions per 2 s; nothing set on the pack's side.
    segmind.submissions_per_minute, segmind.rate_window_s = 2, 2.0
    rows = write_rows(tmp_path / "limited.csv", fox_rows(6, 1300))
    out = batch(rows, "--parallel", "6")
    assert out.returncode == 0, out.stdout + out.stderr
    assert [r["status"] for r in results_of(rows)] == ["ok"] * 6
    refused = [r for r in segmind.received if r.method == "POST"]
    assert len(segmind.accepted) == 6 and len(refused) > 6  # some were refused (429) and waited out
    accepted = sorted(r.at for r in segmind.accepted)
    assert accepted[-1] - accepted[0] >= 2 * segmind.rate_window_s * 0.9  # the limit held: three windows


def test_a_batch_killed_mid_way_and_run_again_pays_each_row_once(batch, comfy, segmind, tmp_path):
    segmind.job_seconds = 2.0
    rows = write_rows(tmp_path / "killed.csv", fox_rows(8, 900))
    runner = batch(rows, "--parallel", "2", wait=False)
    results = rows.with_name("killed.results.csv")
    wait_for(lambda: results.exists() and len(results.read_text().splitlines()) >= 2, 120, step=0.1)
    runner.send_signal(signal.SIGKILL)  # a crash: no clean-up of any kind
    runner.wait(30)
    comfy.request("POST", "/queue", {"clear": True})  # ComfyUI itself stops too: queued prompts are gone,
    comfy.interrupt()  # and the running one is cut off after its jobs were submitted
    wait_for(lambda: not comfy.get_json("/queue")["queue_running"], 30, step=0.1)
    done_before = len(results_of(rows))
    assert 1 <= done_before < 8
    segmind.job_seconds = 0.3
    out = batch(rows, "--parallel", "2")
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"[batch] {8 - done_before} row(s) to run ({done_before} already in" in out.stdout
    final = {r["row"]: r for r in results_of(rows)}
    assert sorted(final, key=int) == [str(n) for n in range(1, 9)] and all(r["status"] == "ok" for r in final.values())
    seeds = [p.body["seed"] for p in segmind.posts()]
    assert sorted(seeds) == list(range(900, 908))  # one POST per row: nothing was paid twice


def test_the_cache_bound_holds_under_a_batch_and_an_evicted_row_is_paid_again_only_when_asked(
        batch, comfy_home, segmind, tmp_path):
    state = pack_state(comfy_home, segmind)

    def entries() -> dict[str, int]:
        return {info.parent.name: sum(f.stat().st_size for f in info.parent.iterdir())
                for info in state.glob("??/*/info.json")}

    for shard in state.glob("??"):  # an empty cache: what other tests paid for is not counted here
        shutil.rmtree(shard)
    one = write_rows(tmp_path / "one.csv", fox_rows(1, 1000))
    assert batch(one).returncode == 0
    size = sum(entries().values())
    batch.caps(cache_max_gb=2.5 * size / 1e9)  # room for two results
    rows = write_rows(tmp_path / "five.csv", fox_rows(5, 1100))
    assert batch(rows, "--parallel", "1").returncode == 0
    assert len(entries()) == 2 and sum(entries().values()) <= 2.5 * size
    assert len(segmind.posts()) == 6  # the batch paid each row once, evicting as it went
    # Asked again: the newest row is still cached and costs nothing; the oldest was evicted and is paid again.
    newest, oldest = (write_rows(tmp_path / f"{name}.csv", [row]) for name, row in
                      (("newest", fox_rows(5, 1100)[4]), ("oldest", fox_rows(1, 1100)[0])))
    assert batch(newest).returncode == 0 and len(segmind.posts()) == 6
    assert batch(oldest).returncode == 0 and [p.body["seed"] for p in segmind.posts()[6:]] == [1100]
    assert len(entries()) == 2 and sum(entries().values()) <= 2.5 * size


def test_two_servers_share_the_rows_and_one_killed_mid_batch_leaves_the_batch_complete(
        loopback, segmind, tmp_path_factory, tmp_path):
    """Two ComfyUI processes on one machine share the state folder: when one dies, the other collects
    the jobs it had submitted instead of paying for them again."""
    shared_cache = tmp_path / "shared-segmind-cache"
    env = {"SEGMIND_BASE_URL": loopback.base_url, "SEGMIND_API_KEY": TEST_API_KEY,
           "SEGMIND_CACHE_DIR": str(shared_cache), "SEGMIND_CONFIG_FILE": str(tmp_path / "none.json")}
    comfy_dir, python = comfy_runtime()
    servers = [ComfyServer.start(comfy_dir, python, comfy_base(tmp_path_factory, f"lane-{n}"), env=env)
               for n in range(2)]
    try:
        segmind.job_seconds = 1.5
        rows = write_rows(tmp_path / "shared.csv", fox_rows(12, 1200))
        command = [sys.executable, str(RUNNER), str(SCHNELL), "--batch", str(rows), "--parallel", "2",
                   *[arg for server in servers for arg in ("--url", server.url)]]
        runner = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        results = rows.with_name("shared.results.csv")
        wait_for(lambda: results.exists() and len(results.read_text().splitlines()) >= 3, 120, step=0.1)
        servers[1].process.kill()  # mid-batch, with prompts queued and running on it
        output, _ = runner.communicate(timeout=240)
        assert runner.returncode == 0, output
        assert "stopped answering" in output and "done: 12 ok, 0 failed" in output
        final = {r["row"]: r for r in results_of(rows)}
        assert sorted(final, key=int) == [str(n) for n in range(1, 13)]
        assert all(r["status"] == "ok" for r in final.values())
        seeds = [p.body["seed"] for p in segmind.posts()]
        assert sorted(seeds) == list(range(1200, 1212))  # every row paid once, the moved ones too
    finally:
        for server in servers:
            server.stop()
