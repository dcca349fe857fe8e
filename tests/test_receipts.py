"""Receipts in saved images (nodes/receipts.py): what a remote node leaves in the PNG that ComfyUI's Save
Image writes, and collecting its job again from that PNG (free), through a real ComfyUI 0.3.75 server and
the loopback Segmind server."""
from __future__ import annotations

import json
import time
import urllib.request

import pytest
from PIL import Image

from conftest import TEST_API_KEY
from pack_loader import load_pack_module
from remote_graphs import graph, info_of
from segmind_loopback import price_of

receipts = load_pack_module("nodes.receipts")
SCHNELL = {"prompt": "a receipt", "seed": 4242, "transport": "v2", "force_refresh": True}


def saved_png(comfy_home, result, node_id: str = "2"):
    file = result.node_output(node_id)["images"][0]
    return comfy_home / "output" / file["subfolder"] / file["filename"]


def receipt_text(path) -> str:
    with Image.open(path) as image:
        return image.text[receipts.PNG_KEY]


def collect(comfy, receipt) -> tuple[int, dict]:
    status, body = comfy.request("POST", "/segmind-flux/collect-receipt", {"receipt": receipt})
    return status, json.loads(body)


def run_with_extra_data(comfy, prompt: dict, extra_data: dict):
    status, body = comfy.request("POST", "/prompt", {"prompt": prompt, "extra_data": extra_data})
    assert status == 200, body
    return comfy.wait_history(json.loads(body)["prompt_id"])


# --- the receipt, unit by unit ----------------------------------------------------------------------------

def test_a_receipt_holds_its_named_fields_only_and_the_server_without_path_or_credentials():
    spec = load_pack_module("specs").MODELS_BY_NODE_ID["SegmindFluxSchnell"]
    info = {"request_id": "abc-123", "seed": 7, "cost": 0.0053, "transport": "v2", "images": 2, "cached": True,
            "finished_at": 1_700_000_000, "remaining_credits": 9.5, "echo": TEST_API_KEY}
    receipt = receipts.receipt_of(spec, info, "https://user:secret@gateway.example:8443/segmind/v1?token=x")
    assert receipt == {"model": spec.display_name, "slug": "flux-schnell", "request_id": "abc-123", "seed": 7,
                       "cost": 0.0053, "transport": "v2", "cached": True, "images": 2,
                       "api": "https://gateway.example:8443", "finished_at": 1_700_000_000}
    assert receipts.receipt_of(spec, {**info, "request_id": "../etc"}, "https://api.segmind.com") is None
    assert receipts.receipt_of(spec, {"cost": 0.01}, "https://api.segmind.com") is None


def test_the_prompt_hook_gives_segmind_prompts_pnginfo_and_the_receipts_of_runs_comfyui_may_reuse():
    memory = receipts.ReceiptMemory(size=2)
    remote = {"1": {"class_type": "SegmindFluxDev", "inputs": {"prompt": "a", "seed": 1}}}
    other = {"1": {"class_type": "KSampler", "inputs": {}}}
    assert memory.prefill({"prompt": remote})["extra_data"] == {"extra_pnginfo": {}}
    assert "extra_data" not in memory.prefill({"prompt": other})
    pnginfo = {"workflow": {"nodes": []}}
    memory.record(pnginfo, remote, "1", {"request_id": "a"})
    assert pnginfo == {"workflow": {"nodes": []}, "segmind": {"format": 1, "jobs": {"1": {"request_id": "a"}}}}
    # The same node with the same inputs queued again: ComfyUI may reuse its output, so its receipt is there.
    again = memory.prefill({"prompt": remote, "extra_data": {"extra_pnginfo": {"workflow": {}}}})
    assert again["extra_data"]["extra_pnginfo"] == {"workflow": {}, "segmind": {"format": 1, "jobs": {"1": {"request_id": "a"}}}}
    changed = {"1": {"class_type": "SegmindFluxDev", "inputs": {"prompt": "a", "seed": 2}}}
    assert memory.prefill({"prompt": changed})["extra_data"] == {"extra_pnginfo": {}}
    receipts.set_receipt(again["extra_data"]["extra_pnginfo"], "1", None)  # the node runs again: its own or none
    assert again["extra_data"]["extra_pnginfo"]["segmind"]["jobs"] == {}
    memory.record(None, changed, "1", {"request_id": "b"})  # a client that wants no metadata: nothing to fill
    memory.record({}, {"2": changed["1"]}, "2", {"request_id": "c"})
    assert memory.prefill({"prompt": remote})["extra_data"]["extra_pnginfo"] == {}  # the oldest was let go


@pytest.mark.parametrize("text, says", [
    (None, "carries no Segmind receipt"),
    ("{not json", "not readable JSON"),
    (json.dumps({"format": 2, "jobs": {"1": {}}}), "not one this pack writes (format 1)"),
    (json.dumps({"format": 1, "jobs": {"1": {"model": "M", "slug": "flux-dev", "request_id": "a/../b",
                                             "transport": "v2", "api": "https://api.segmind.com"}}}),
     "node #1 cannot be used: its 'request_id' is missing or malformed"),
    (json.dumps({"format": 1, "jobs": {"1": {"model": "M", "slug": "../x", "request_id": "r",
                                             "transport": "v2", "api": "https://api.segmind.com"}}}),
     "its 'slug' is missing or malformed"),
    ("x" * (receipts.MAX_RECEIPT_CHARS + 1), f"at most {receipts.MAX_RECEIPT_CHARS} are read"),
])
def test_a_receipt_that_cannot_be_used_is_refused_saying_why(text, says):
    with pytest.raises(receipts.ReceiptError) as refused:
        receipts.read_receipts(text)
    assert says in str(refused.value)


# --- in ComfyUI -------------------------------------------------------------------------------------------

def test_a_headless_runs_saved_image_carries_each_jobs_receipt_and_never_the_key(comfy, comfy_home, segmind):
    prompt = graph("SegmindFluxSchnell", SCHNELL)
    prompt["4"] = {"class_type": "SegmindFluxDev", "inputs": {"prompt": "a second job", "seed": 99,
                                                              "transport": "v2", "force_refresh": True}}
    prompt["5"] = {"class_type": "SaveImage", "inputs": {"images": ["4", 0], "filename_prefix": "t/receipt"}}
    started = time.time()
    result = comfy.run(prompt)  # sent without extra_data, as scripts do
    assert result.ok, result.error()
    posts = {post.path: post for post in segmind.posts("/v2/")}
    # Each image holds the receipts of the prompt's jobs done when it was saved: its own job's always.
    chunks = {node: json.loads(receipt_text(saved_png(comfy_home, result, node))) for node in ("2", "5")}
    assert chunks["2"]["format"] == chunks["5"]["format"] == 1
    schnell, dev = chunks["2"]["jobs"]["1"], chunks["5"]["jobs"]["4"]
    assert all(chunk["jobs"][node] == job for chunk in chunks.values() for node, job in (("1", schnell), ("4", dev))
               if node in chunk["jobs"])
    assert schnell == {"model": "Segmind Flux.1 Schnell", "slug": "flux-schnell", "transport": "v2",
                       "request_id": info_of(result)["request_id"], "seed": 4242, "cost": price_of("flux-schnell"),
                       "cached": False, "images": 1, "api": segmind.base_url,
                       "finished_at": pytest.approx(time.time(), abs=time.time() - started + 1)}
    assert (dev["slug"], dev["seed"], dev["cost"]) == ("flux-dev", 99, price_of("flux-dev"))
    assert dev["request_id"] != schnell["request_id"] and set(posts) == {"/v2/flux-schnell", "/v2/flux-dev"}
    for node in ("2", "5"):
        assert TEST_API_KEY.encode() not in saved_png(comfy_home, result, node).read_bytes()
    with Image.open(saved_png(comfy_home, result)) as image:  # ComfyUI's own metadata is still there
        assert json.loads(image.text["prompt"])["1"]["class_type"] == "SegmindFluxSchnell"


def test_an_image_saved_from_an_output_comfyui_reused_or_the_result_cache_served_carries_the_receipt(
        comfy, comfy_home, segmind):
    inputs = {**SCHNELL, "seed": 4243, "force_refresh": False}
    first = comfy.run(graph("SegmindFluxSchnell", inputs))
    assert first.ok, first.error()
    workflow = {"nodes": [{"id": 1, "type": "SegmindFluxSchnell"}], "links": []}
    # Only the Save Image's prefix changes, as in the editor: ComfyUI reuses node 1's output (it does not run).
    reused = run_with_extra_data(comfy, graph("SegmindFluxSchnell", inputs), {"extra_pnginfo": {"workflow": workflow}})
    files = reused["outputs"]["2"]["images"]
    with Image.open(comfy_home / "output" / files[0]["subfolder"] / files[0]["filename"]) as image:
        assert json.loads(image.text["workflow"]) == workflow
        reused_job = json.loads(image.text["segmind"])["jobs"]["1"]
    assert reused_job == json.loads(receipt_text(saved_png(comfy_home, first)))["jobs"]["1"]
    # The same job from a node ComfyUI runs again (an input outside the request changed): the result cache.
    cached = comfy.run(graph("SegmindFluxSchnell", {**inputs, "on_failure": "placeholder"}))
    assert cached.ok, cached.error()
    job = json.loads(receipt_text(saved_png(comfy_home, cached)))["jobs"]["1"]
    assert len(segmind.posts("/v2/")) == 1 and info_of(cached)["cached"] is True
    assert job["cached"] is True and job["request_id"] == reused_job["request_id"]
    assert job["cost"] == price_of("flux-schnell")  # what the job cost when it ran


def test_a_placeholder_image_carries_no_receipt_of_an_earlier_run(comfy, comfy_home, segmind):
    inputs = {**SCHNELL, "seed": 4246, "on_failure": "placeholder"}
    assert comfy.run(graph("SegmindFluxSchnell", inputs)).ok
    failed = comfy.run(graph("SegmindFluxSchnell", {**inputs, "prompt": "FAIL"}))
    assert failed.ok and info_of(failed)["failed"] is True
    with Image.open(saved_png(comfy_home, failed)) as image:
        assert json.loads(image.text["segmind"])["jobs"] == {}


def test_a_saved_images_jobs_are_collected_again_from_its_receipt_paying_nothing(comfy, comfy_home, segmind):
    result = comfy.run(graph("SegmindFluxSchnell", {**SCHNELL, "seed": 4244, "samples": 2}))
    assert result.ok, result.error()
    request_id = info_of(result)["request_id"]
    credits, posts_before = segmind.credits, len(segmind.posts())
    status, answer = collect(comfy, receipt_text(saved_png(comfy_home, result)))
    assert status == 200, answer
    assert len(segmind.posts()) == posts_before and segmind.credits == credits  # no submission, nothing billed
    gets = [r.path for r in segmind.received if r.method == "GET" and request_id in r.path]
    assert f"/v2/requests/{request_id}/status" in gets
    [job] = answer["jobs"]
    assert (job["request_id"], job["slug"], job["seed"], "error" in job) == (request_id, "flux-schnell", 4244, False)
    served = [data for data, _ in segmind.jobs[request_id]["images"]]
    assert len(job["images"]) == len(served) == 2
    for file, data in zip(job["images"], served):
        assert file["subfolder"] == "segmind-collected" and file["filename"].startswith(f"flux-schnell_{request_id}")
        assert (comfy_home / "output" / "segmind-collected" / file["filename"]).read_bytes() == data  # as sent
        with urllib.request.urlopen(comfy.output_url(file), timeout=10) as view:
            assert view.read() == data


def test_a_receipt_that_cannot_be_collected_says_why_before_asking_anyone(comfy, comfy_home, segmind):
    result = comfy.run(graph("SegmindFluxSchnell", {**SCHNELL, "seed": 4245}))
    assert result.ok, result.error()
    chunk = json.loads(receipt_text(saved_png(comfy_home, result)))
    job = chunk["jobs"]["1"]
    received = len(segmind.received)
    elsewhere = {**job, "api": "https://api.segmind.com"}
    over_v1 = {**job, "transport": "v1"}
    expired = {**job, "request_id": "gone-request", "finished_at": time.time() - 2 * 3600}
    status, answer = collect(comfy, json.dumps({"format": 1, "jobs": {"1": elsewhere, "2": over_v1, "3": expired}}))
    assert status == 200, answer
    errors = {row["node_id"]: row["error"] for row in answer["jobs"]}
    assert errors["1"].startswith("This job ran on https://api.segmind.com; the pack now talks to "
                                  f"{segmind.base_url}.")
    assert "v1 transport, which keeps no result" in errors["2"]
    assert "404" in errors["3"] and "finished 2.0 hours ago; Segmind keeps results for one hour" in errors["3"]
    assert [r.path for r in segmind.received[received:]] == ["/v2/requests/gone-request/status"]
    status, answer = collect(comfy, None)
    assert status == 400 and "carries no Segmind receipt" in answer["error"]
    status, body = comfy.request("POST", "/segmind-flux/collect-receipt", {"receipt": "x" * 200_000})
    assert status == 413 and "at most 65536 characters" in json.loads(body)["error"]
