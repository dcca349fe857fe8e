"""Batches run inside ComfyUI through the pack's routes (routes/batch.py, batches/service.py), on a
real ComfyUI 0.3.75 and the loopback Segmind: checked and estimated before anything is queued, run,
stopped, resumed and killed mid-way, each row paid once."""
from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.request

import pytest
from PIL import Image

from conftest import comfy_base, pack_state, start_pack_server
from remote_graphs import graph, wait_for
from segmind_loopback import TEST_PRICES

FIELDS = ["row", "status", "images", "seed", "cost_usd", "request_id", "error"]
PRICE = TEST_PRICES["flux-schnell"]
PROMPT = graph("SegmindFluxSchnell", {"prompt": "a batch", "width": 512, "height": 512}, prefix="batch/fox")


def rows_csv(first_seed: int, count: int, **extra) -> str:
    keys = ["1.prompt", "1.seed", *(f"1.{name}" for name in extra)]
    lines = [",".join(keys)] + [",".join([f"route fox {first_seed + n}", str(first_seed + n), *map(str, extra.values())])
                                for n in range(count)]
    return "\n".join(lines) + "\n"


def post(comfy, path: str, payload: dict | None = None) -> tuple[int, dict]:
    status, body = comfy.request("POST", "/segmind-flux" + path, payload if payload is not None else {})
    return status, json.loads(body)


def batch_view(comfy, batch_id: str) -> dict:
    return comfy.get_json(f"/segmind-flux/batches/{batch_id}")


def wait_state(comfy, batch_id: str, states: tuple, timeout: float = 120) -> dict:
    return wait_for(lambda: (view := batch_view(comfy, batch_id))["state"] in states and view, timeout, 0.2)


@pytest.fixture
def fresh(comfy_home, segmind):
    """No spend and no learnt costs from earlier tests."""
    for name in ("spend-ledger.json", "observed-costs.json"):
        (pack_state(comfy_home, segmind) / name).unlink(missing_ok=True)


def test_a_dry_run_checks_every_row_and_estimates_the_batch_sending_nothing(comfy, segmind, fresh):
    status, answer = post(comfy, "/batches", {"prompt": PROMPT, "rows": rows_csv(30100, 3), "dry_run": True})
    assert status == 200, answer
    assert (answer["rows"], answer["verdict"], answer["refused"]) == (3, "ok", False)
    per_row = [row["usd"] for row in answer["row_estimates"]]
    assert per_row[0] > 0 and per_row == [per_row[0]] * 3 and answer["cached_rows"] == 0
    assert answer["estimate_usd"] == pytest.approx(3 * per_row[0]) and answer["estimate_text"].startswith("$")
    assert [(row["row"], row["line"]) for row in answer["row_estimates"]] == [(1, 2), (2, 3), (3, 4)]
    jsonl = "\n".join(json.dumps({"1.prompt": f"fox {n}", "1.seed": n}) for n in (1, 2)) + "\n"
    status, answer = post(comfy, "/batches", {"prompt": PROMPT, "rows": jsonl, "dry_run": True})
    assert status == 200 and answer["rows"] == 2
    assert segmind.received == [] and comfy.get_json("/segmind-flux/batches")["batches"] == []


def test_bad_rows_an_over_budget_batch_and_a_too_large_one_are_refused_before_any_post(comfy, segmind, fresh):
    bad = "1.prompt,1.steps,1.colour\nfox,9,red\nfox,2,blue\n"
    status, answer = post(comfy, "/batches", {"prompt": PROMPT, "rows": bad})
    assert status == 400 and answer["error"] == "3 bad row value(s); nothing was queued."
    problems = answer["problems"]
    assert problems[0] == "line 2 (row 1): SegmindFluxSchnell: input 'steps' must be an integer from 1 to 8; got 9."
    assert sum("'1.colour': SegmindFluxSchnell has no input 'colour'" in p for p in problems) == 2
    status, answer = post(comfy, "/batches", {"prompt": PROMPT, "rows": rows_csv(30200, 4), "max_spend": 0.001})
    assert status == 409 and answer["error"] == (f"Refused, nothing was queued: the batch's estimate "
                                                 f"~{answer['estimate_text']} is over max_spend $0.001.")
    status, answer = post(comfy, "/batches", {"prompt": PROMPT, "rows": rows_csv(30300, 1), "parallel": 0})
    assert status == 400 and answer["error"] == "'parallel' must be a whole number from 1 to 32; got 0."
    status, body = comfy.request("POST", "/segmind-flux/batches",
                                 {"prompt": PROMPT, "rows": rows_csv(30400, 1) + "x" * (9 * 1024 * 1024)})
    assert status == 413 and "at most 8388608 are taken" in json.loads(body)["error"]
    status, answer = post(comfy, "/batches", {"prompt": {"1": "not a node"}, "rows": rows_csv(30500, 1)})
    assert status == 400 and "'prompt' must be an API-format graph" in answer["error"]
    assert segmind.received == [] and comfy.get_json("/segmind-flux/batches")["batches"] == []


def test_a_batch_runs_in_the_server_and_its_results_file_has_every_row(comfy, comfy_home, segmind, fresh):
    segmind.job_seconds = 0.5
    workflow = {"nodes": [{"id": 1, "type": "SegmindFluxSchnell"}], "links": [], "version": 0.4}
    status, answer = post(comfy, "/batches", {"prompt": PROMPT, "rows": rows_csv(30600, 4), "parallel": 2,
                                              "workflow": workflow})
    assert status == 200 and answer["state"] == "queued" and answer["rows"] == 4, answer
    view = wait_state(comfy, answer["id"], ("done",))
    assert (view["rows_total"], view["rows_done"], view["rows_failed"]) == (4, 4, 0)
    assert view["spent_usd"] == pytest.approx(4 * PRICE) and view["error"] is None
    posts = segmind.posts()
    assert sorted(p.body["seed"] for p in posts) == [30600, 30601, 30602, 30603]  # each row once
    for row in view["rows"]:
        assert row["status"] == "ok" and row["seed"] == str(row["values"]["1.seed"])
        assert row["request_id"] in segmind.jobs and float(row["cost_usd"]) == PRICE
        [image] = row["images"]
        assert image.startswith("/view?") and f"_row{row['row']}_" in image
        with urllib.request.urlopen(comfy.url + image, timeout=10) as served:
            png = served.read()
        with Image.open(io.BytesIO(png)) as saved:  # as from the editor: its workflow, and the job's receipt
            assert json.loads(saved.text["workflow"]) == workflow
            assert row["request_id"] in [job["request_id"] for job in json.loads(saved.text["segmind"])["jobs"].values()]
    status, body = comfy.request("GET", f"/segmind-flux/batches/{answer['id']}/results.csv")
    results = list(csv.DictReader(io.StringIO(body.decode())))
    assert status == 200 and list(results[0]) == FIELDS and sorted(r["row"] for r in results) == ["1", "2", "3", "4"]
    assert [b["id"] for b in comfy.get_json("/segmind-flux/batches")["batches"]][0] == answer["id"]


def test_a_stopped_batch_resumes_and_pays_each_row_once(comfy, segmind, fresh):
    segmind.job_seconds = 1.0
    status, answer = post(comfy, "/batches", {"prompt": PROMPT, "rows": rows_csv(30700, 6), "parallel": 1})
    assert status == 200, answer
    wait_for(lambda: batch_view(comfy, answer["id"])["rows_done"] >= 1, 60, 0.1)
    status, view = post(comfy, f"/batches/{answer['id']}/stop")
    assert status == 200 and view["state"] in ("stopping", "stopped")
    stopped = wait_state(comfy, answer["id"], ("stopped",))
    assert stopped["rows_done"] < 6
    status, _ = post(comfy, f"/batches/{answer['id']}/resume")
    assert status == 200
    done = wait_state(comfy, answer["id"], ("done",))
    assert done["rows_done"] == 6 and len(segmind.posts()) == 6
    assert sorted(p.body["seed"] for p in segmind.posts()) == list(range(30700, 30706))


def test_a_comfyui_killed_mid_batch_shows_it_stopped_and_resume_finishes_it_paying_each_row_once(
        loopback, segmind, tmp_path_factory):
    home = comfy_base(tmp_path_factory, "batch-killed")
    server = start_pack_server(loopback, home)
    try:
        segmind.job_seconds = 1.5
        status, answer = post(server, "/batches", {"prompt": PROMPT, "rows": rows_csv(30800, 6), "parallel": 2})
        assert status == 200, answer
        wait_for(lambda: batch_view(server, answer["id"])["rows_done"] >= 2 and len(segmind.posts()) >= 3, 60, 0.05)
    finally:
        server.process.kill()
        server.process.wait()
    submitted = len(segmind.posts())
    server = start_pack_server(loopback, home)
    try:
        view = batch_view(server, answer["id"])
        assert view["state"] == "stopped" and view["rows_done"] < 6
        assert post(server, f"/batches/{answer['id']}/resume")[0] == 200
        done = wait_state(server, answer["id"], ("done",))
        assert done["rows_done"] == 6
        seeds = sorted(p.body["seed"] for p in segmind.posts())
        assert seeds == list(range(30800, 30806)), (submitted, seeds)  # the killed server's jobs were collected
    finally:
        server.stop()


def test_a_batch_from_another_site_or_not_as_json_is_refused(comfy, segmind):
    body = json.dumps({"prompt": PROMPT, "rows": rows_csv(30900, 1)}).encode()
    before = comfy.get_json("/segmind-flux/batches")["batches"]
    for headers in ({"Content-Type": "application/json", "Origin": "http://evil.example"},
                    {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
                    {"Content-Type": "text/plain"}):
        request = urllib.request.Request(comfy.url + "/segmind-flux/batches", data=body, method="POST", headers=headers)
        try:
            urllib.request.urlopen(request, timeout=10)
            status, text = 200, b""
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read()
        # ComfyUI's own origin check may refuse first (an empty 403); else the pack's, saying why.
        assert status == 403 and (not text or json.loads(text)["error"].startswith("Refused: ")), headers
    assert segmind.received == [] and comfy.get_json("/segmind-flux/batches")["batches"] == before
