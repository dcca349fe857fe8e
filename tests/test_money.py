"""Money through the real ComfyUI server, against the loopback Segmind server that charges per-model
test prices and reports its balance: estimates, caps per prompt and per day, the balance check, the
SegmindCredits node, on_failure=placeholder and run-workflow --dry-run. Assertions are on the requests
the loopback server received, the numbers in `info` and the error texts."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from comfy_driver import ComfyServer
from conftest import TEST_API_KEY, comfy_runtime, pack_state
from pack_loader import load_pack_module
from segmind_loopback import START_CREDITS, TEST_PRICES, Fault

REPO = Path(__file__).resolve().parent.parent
DEV, SCHNELL, PRO = "SegmindFluxDev", "SegmindFluxSchnell", "SegmindFluxPro"
PAGE_PRICE = {DEV: 0.02, SCHNELL: 0.008, PRO: 0.069}  # the pages' prices (in the specs)


@pytest.fixture
def money(comfy, comfy_home, segmind):
    """A clean ledger, no observed costs, and caps written to the server's config file per test."""
    cache = pack_state(comfy_home, segmind)
    config = comfy_home / "no-config.json"

    def clean():
        for name in ("spend-ledger.json", "observed-costs.json"):
            (cache / name).unlink(missing_ok=True)
        config.unlink(missing_ok=True)

    clean()
    yield lambda **caps: config.write_text(json.dumps(caps))
    clean()


def remote(class_type: str, prompt: str, **inputs) -> dict:
    return {"class_type": class_type, "inputs": {"prompt": prompt, "seed": 11, **inputs}}


def graph(*nodes: dict) -> dict:
    """Each remote node n (ids 1, 2, ...) saved by node n+100 and its info shown by node n+200."""
    prompt = {}
    for index, node in enumerate(nodes, start=1):
        prompt[str(index)] = node
        prompt[str(index + 100)] = {"class_type": "SaveImage", "inputs": {
            "images": [str(index), 0], "filename_prefix": f"money/{uuid.uuid4().hex[:8]}"}}
        prompt[str(index + 200)] = {"class_type": "PreviewAny", "inputs": {"source": [str(index), 1]}}
    return prompt


def unique(text: str = "a fox") -> str:
    return f"{text} {uuid.uuid4().hex[:8]}"  # never in the result cache


def info_of(result, index: int) -> dict:
    return json.loads(result.node_output(str(index + 200))["text"][0])


def error_text(result) -> str:
    error = result.error()
    assert error is not None, "the prompt was expected to fail"
    return error["exception_message"]


def test_info_carries_estimate_cost_balance_and_todays_spend_and_the_log_says_so(comfy, comfy_home, segmind, money):
    result = comfy.run(graph(remote(DEV, unique(), samples=2, steps=25), remote(SCHNELL, unique(), steps=4)))
    assert result.ok, result.error()
    dev, schnell = info_of(result, 1), info_of(result, 2)
    assert dev["estimated_cost"] == pytest.approx(2 * PAGE_PRICE[DEV])  # samples 2 -> 2x the page price
    assert schnell["estimated_cost"] == pytest.approx(PAGE_PRICE[SCHNELL])
    assert dev["cost"] == 2 * TEST_PRICES["flux-dev"] and schnell["cost"] == TEST_PRICES["flux-schnell"]
    total = dev["cost"] + schnell["cost"]
    assert max(dev["spent_today"], schnell["spent_today"]) == pytest.approx(total)
    assert segmind.credits == pytest.approx(START_CREDITS - total)
    assert min(dev["remaining_credits"], schnell["remaining_credits"]) == pytest.approx(segmind.credits)
    log = (comfy_home / "comfyui.log").read_text(errors="replace")
    assert "Segmind Flux.1 Dev (flux-dev): paid $0.04 · today $0.0" in log and "; estimated ~$0.04; remaining" in log
    # The editor's cost summary travels with the node's result (history outputs): the runner adds it up.
    summary = result.node_output("1")["segmind_cost"][0]
    assert summary["cost"] == dev["cost"] and summary["text"].startswith("paid $0.04 · today $")


def test_a_prompt_over_the_per_prompt_cap_is_refused_before_any_request(comfy, segmind, money):
    money(max_spend_per_prompt=0.05)
    result = comfy.run(graph(remote(DEV, unique(), samples=2), remote(SCHNELL, unique())))  # ~0.04 + 0.008
    assert result.ok, result.error()
    segmind.reset()
    result = comfy.run(graph(remote(DEV, unique(), samples=2), remote(DEV, unique())))  # ~0.04 + 0.02
    message = error_text(result)
    assert "would cost ~$0.06 together" in message and "per-prompt cap of $0.05" in message
    assert "SEGMIND_MAX_SPEND_PER_PROMPT" in message and "max_spend_per_prompt" in message
    assert "#1 Segmind Flux.1 Dev: ~$0.04" in message and "Nothing was sent" in message
    assert segmind.received == []  # not even the balance was read


def test_nodes_that_fit_the_day_cap_alone_but_not_together_are_all_refused(comfy, segmind, money):
    money(max_spend_per_day=0.05)
    result = comfy.run(graph(*(remote(DEV, unique()) for _ in range(3))))  # 3 x ~0.02
    message = error_text(result)
    assert "per-day cap of $0.05" in message and "would cost ~$0.06 together" in message
    assert "$0 was already spent today" in message
    assert segmind.posts() == [] and segmind.received == []


def test_the_day_cap_counts_spend_across_prompts_jobs_in_flight_elsewhere_and_a_restart(
        comfy, comfy_home, segmind, money, tmp_path):
    money(max_spend_per_day=0.05)
    for _ in range(2):
        assert comfy.run(graph(remote(DEV, unique()))).ok  # 0.02 each, as the server reports
    result = comfy.run(graph(remote(DEV, unique())))
    message = error_text(result)
    assert "$0.04 was already spent today" in message and "per-day cap of $0.05" in message
    assert len(segmind.posts()) == 2
    # Another ComfyUI process holds $0.02 for a job it is running: a $0.008 prompt no longer fits.
    ledger_path = pack_state(comfy_home, segmind) / "spend-ledger.json"
    ledger = json.loads(ledger_path.read_text())
    ledger["reservations"]["4242:other-process"] = {"usd": 0.02, "pid": 4242, "until": time.time() + 600}
    ledger_path.write_text(json.dumps(ledger))
    message = error_text(comfy.run(graph(remote(SCHNELL, unique()))))
    assert "$0.04 was already spent today plus $0.02 held by jobs running now" in message
    del ledger["reservations"]["4242:other-process"]
    ledger_path.write_text(json.dumps(ledger))
    # A new server process (a restart) reads the same ledger.
    comfy_dir, python = comfy_runtime()
    env = {"SEGMIND_BASE_URL": segmind.base_url, "SEGMIND_API_KEY": TEST_API_KEY,
           "SEGMIND_CACHE_DIR": str(comfy_home / "segmind-cache"), "SEGMIND_MAX_SPEND_PER_DAY": "0.05",
           "SEGMIND_CONFIG_FILE": str(tmp_path / "none.json")}
    restarted = ComfyServer.start(comfy_dir, python, comfy_home, env=env, log_path=tmp_path / "restarted.log")
    try:
        posts_before = len(segmind.posts())
        message = error_text(restarted.run(graph(remote(DEV, unique()))))
        assert "$0.04 was already spent today" in message
        assert restarted.run(graph(remote(SCHNELL, unique()))).ok  # 0.04 + 0.008 fits
        assert len(segmind.posts()) == posts_before + 1
    finally:
        restarted.stop()


def test_a_balance_below_the_prompts_estimate_refuses_it_before_any_post(comfy, segmind, money):
    segmind.credits = 0.03
    result = comfy.run(graph(remote(DEV, unique()), remote(DEV, unique())))  # ~0.04 in all
    message = error_text(result)
    assert "the account holds $0.03" in message and "estimate of ~$0.04" in message
    assert "https://cloud.segmind.com/console/billing" in message
    assert segmind.posts() == []
    assert [r.path for r in segmind.received] == ["/v1/get-user-credits"]  # read once for the prompt


def test_an_unreadable_balance_is_logged_and_the_prompt_goes_on(comfy, comfy_home, segmind, money):
    segmind.inject(Fault("GET", "/v1/get-user-credits", status=200, body="<html>maintenance</html>",
                         content_type="text/html"))
    result = comfy.run(graph(remote(SCHNELL, unique())))
    assert result.ok, result.error()
    assert len(segmind.posts()) == 1
    log = (comfy_home / "comfyui.log").read_text(errors="replace")
    assert "the balance could not be read before this prompt" in log and "holds no number of credits" in log


def credits_graph() -> dict:
    return {"1": {"class_type": "SegmindCredits", "inputs": {}},
            "2": {"class_type": "PreviewAny", "inputs": {"source": ["1", 2]}}}


def test_segmind_credits_reads_the_balance_for_free_and_fails_clearly_with_a_wrong_key(comfy, segmind, money):
    segmind.credits = 7.25
    result = comfy.run(credits_graph())
    assert result.ok, result.error()
    assert result.node_output("2")["text"][0].startswith("Segmind balance: $7.25 credits + $0 free credits")
    assert result.node_output("1")["text"][0].startswith("Segmind balance: $7.25")
    assert segmind.posts() == [] and [r.path for r in segmind.received] == ["/v1/get-user-credits"]
    segmind.api_key = "another-key"  # the server no longer knows the pack's key: a wrong key
    try:
        message = error_text(comfy.run(credits_graph()))
    finally:
        segmind.api_key = TEST_API_KEY
    assert "Segmind account: HTTP 401 Unauthorized." in message and "SEGMIND_API_KEY" in message
    assert TEST_API_KEY not in message


def test_segmind_credits_without_a_key_says_how_to_set_one(local_server):
    message = error_text(local_server.run(credits_graph()))
    assert message.startswith("Segmind account: No Segmind API key is configured.")
    assert "SEGMIND_API_KEY" in message and "Settings (Segmind section)" in message


def test_on_failure_placeholder_keeps_the_other_paid_images(comfy, comfy_home, segmind, money):
    refused = remote(DEV, "FAIL", samples=2, aspect_ratio="16:9", on_failure="placeholder")
    result = comfy.run(graph(refused, remote(SCHNELL, unique(), width=512, height=512),
                             remote(DEV, unique())))
    assert result.ok, result.error()
    failed = info_of(result, 1)
    assert failed["failed"] is True and "Content flagged by the safety checker" in failed["reason"]
    assert failed["status"] == 422 and failed["images"] == 2
    files = result.node_output("101")["images"]
    pixels = [np.asarray(Image.open(comfy_home / "output" / f["subfolder"] / f["filename"])) for f in files]
    assert len(pixels) == 2 and all(p.shape == (768, 1360, 3) and np.all(p == 127) for p in pixels)
    assert info_of(result, 2)["cost"] == TEST_PRICES["flux-schnell"] and info_of(result, 3)["cached"] is False
    assert len(segmind.posts()) == 3
    # The refused job is not billed and not counted: today's spend is the two others'.
    ledger = json.loads((pack_state(comfy_home, segmind) / "spend-ledger.json").read_text())
    assert sum(ledger["days"].values()) == pytest.approx(TEST_PRICES["flux-schnell"] + TEST_PRICES["flux-dev"])
    # The default (error) stops the prompt with the server's reason.
    message = error_text(comfy.run(graph(remote(DEV, "FAIL"))))
    assert "HTTP 422" in message and "Content flagged by the safety checker" in message


def editor_estimate(comfy, node_type: str, **inputs) -> dict:
    """What the editor is told for these widget values, with a prompt no test has paid for (no cache hit)."""
    inputs = {"prompt": unique(), **inputs}
    status, body = comfy.request("POST", "/segmind-flux/estimate", {"node_type": node_type, "inputs": inputs})
    assert status == 200, body
    return json.loads(body)


def test_the_editor_estimate_follows_the_widgets(comfy, money):
    def ask(node_type: str, **inputs) -> dict:
        return editor_estimate(comfy, node_type, **inputs)

    assert ask(DEV, samples=1, steps=25)["text"] == "~$0.02"
    assert ask(DEV, samples=4, steps=25)["text"] == "~$0.08"
    assert ask(DEV, samples=1, steps=50)["text"] == "~$0.04"
    assert ask(PRO, steps=50)["text"] == "~$0.069"  # billed per generation
    assert ask(SCHNELL, width=2048, height=1024)["usd"] == pytest.approx(2 * PAGE_PRICE[SCHNELL])
    status, _ = comfy.request("POST", "/segmind-flux/estimate", {"node_type": "KSampler", "inputs": {}})
    assert status == 400


def test_dry_run_prints_estimates_total_and_caps_and_sends_nothing(segmind, tmp_path):
    workflow = tmp_path / "two.json"
    workflow.write_text(json.dumps(graph(remote(DEV, "a fox", samples=3), remote(PRO, "a hare"))))
    env = {**os.environ, "SEGMIND_BASE_URL": segmind.base_url, "SEGMIND_API_KEY": TEST_API_KEY,
           "SEGMIND_CACHE_DIR": str(tmp_path / "cache"), "SEGMIND_MAX_SPEND_PER_PROMPT": "0.10",
           "SEGMIND_CONFIG_FILE": str(tmp_path / "none.json")}
    run = subprocess.run([sys.executable, str(REPO / "scripts" / "run_workflow.py"), str(workflow), "--dry-run"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert "[dry-run] SegmindFluxDev (#1): ~$0.06 (from the page price)" in lines
    assert "[dry-run] SegmindFluxPro (#2): ~$0.069 (from the page price)" in lines
    assert "[dry-run] total: ~$0.129 for 2 Segmind node(s); nothing was sent" in lines
    assert "[dry-run] cap per prompt: $0.10" in lines and "[dry-run] cap per day: none" in lines
    refusal = next(line for line in lines if line.startswith("[dry-run] a run would be refused: "))
    assert "Segmind spend cap" in refusal and "over the per-prompt cap of $0.10" in refusal, refusal
    assert segmind.received == []


def test_dry_run_says_what_the_run_would_be_told_counting_jobs_running_elsewhere(segmind, tmp_path):
    workflow = tmp_path / "one.json"
    workflow.write_text(json.dumps(graph(remote(DEV, "a fox"))))
    env = {**os.environ, "SEGMIND_BASE_URL": segmind.base_url, "SEGMIND_API_KEY": TEST_API_KEY,
           "SEGMIND_CACHE_DIR": str(tmp_path / "cache"), "SEGMIND_MAX_SPEND_PER_DAY": "0.05",
           "SEGMIND_CONFIG_FILE": str(tmp_path / "none.json")}

    def dry_run() -> list[str]:
        run = subprocess.run([sys.executable, str(REPO / "scripts" / "run_workflow.py"), str(workflow), "--dry-run"],
                             capture_output=True, text=True, env=env, timeout=120)
        assert run.returncode == 0, run.stderr
        return run.stdout.splitlines()

    assert dry_run()[-1] == "[dry-run] a run would go ahead"
    # Another ComfyUI process holds $0.04 for a job it is running: $0.02 more no longer fits the day.
    state = load_pack_module("client.state_folder").state_folder(tmp_path / "cache", segmind.base_url)
    state.mkdir(parents=True)
    (state / "spend-ledger.json").write_text(json.dumps({"days": {}, "reservations": {
        "4242:other": {"usd": 0.04, "pid": 4242, "until": time.time() + 600}}}))
    last = dry_run()[-1]
    assert last.startswith("[dry-run] a run would be refused: Segmind spend cap") and "held by jobs running now" in last
    assert [request.method for request in segmind.received] == ["GET"]  # the free balance read, nothing else


def test_a_cap_that_is_not_a_positive_number_is_an_error_naming_the_setting(comfy, segmind, money):
    for bad in ("abc", -1, "nan", 0):
        money(max_spend_per_day=bad)
        message = error_text(comfy.run(graph(remote(SCHNELL, unique()))))
        assert "SEGMIND_MAX_SPEND_PER_DAY / max_spend_per_day must be a positive number" in message, message
        assert repr(str(bad)) in message
    assert segmind.received == []


def test_estimates_learn_the_cost_the_server_reported_and_keep_it_on_disk(comfy, comfy_home, segmind,
                                                                             money):
    def ask(**inputs) -> dict:
        return editor_estimate(comfy, DEV, **inputs)

    assert ask(steps=25) == {**ask(steps=25), "text": "~$0.02", "basis": "page price"}
    # The loopback bills $0.02 an image whatever the steps: 50 steps (twice the page's work) cost $0.02.
    assert comfy.run(graph(remote(DEV, unique(), steps=50))).ok
    learned = ask(steps=25)
    assert learned["text"] == "~$0.01" and learned["basis"] == "1 earlier job"
    history = json.loads((pack_state(comfy_home, segmind) / "observed-costs.json").read_text())
    assert history == {"flux-dev": [0.01]}  # read from disk for every estimate: a restart keeps it


def test_spend_against_another_server_is_kept_apart_from_segmind_s_own(comfy, comfy_home, segmind, money):
    assert comfy.run(graph(remote(SCHNELL, unique()))).ok
    loopback_state = pack_state(comfy_home, segmind)
    ledger = json.loads((loopback_state / "spend-ledger.json").read_text())
    assert sum(ledger["days"].values()) == pytest.approx(TEST_PRICES["flux-schnell"])
    assert loopback_state.parent.name == "other-servers" and loopback_state.name.startswith("127.0.0.1_")
    # The folder Segmind's own API would use holds no ledger, no history, no jobs and no results.
    real = comfy_home / "segmind-cache"
    assert sorted(path.name for path in real.iterdir()) == ["other-servers"]


def test_one_folder_per_api_server_however_its_url_is_written(tmp_path):
    state_folder = load_pack_module("client.state_folder").state_folder
    for same in ("https://api.segmind.com", "https://API.segmind.com/", "https://api.segmind.com:443"):
        assert state_folder(tmp_path, same) == tmp_path
    others = {state_folder(tmp_path, url) for url in (
        "http://api.segmind.com", "http://127.0.0.1:8001", "http://127.0.0.1:8002",
        "https://gateway.example/segmind", "https://gateway.example/other")}
    assert len(others) == 5 and all(folder.parent == tmp_path / "other-servers" for folder in others)
    assert state_folder(tmp_path, "http://127.0.0.1:8001/") == state_folder(tmp_path, "http://127.0.0.1:8001")
