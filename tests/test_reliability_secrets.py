"""The API key never appears in anything ComfyUI or the pack writes or shows.

Every remote example workflow (workflows/api/segmind_*.json, and the remote part of
remote_vs_local_flux_dev.json) runs with a known key, followed by runs whose answers echo the key back
(a 401, an HTML error page, a failed job, a cancel, accounting headers). Then the key, and every
12-character piece of it, is looked for in: every file under ComfyUI's base folder (output, temp,
input, user: the result cache and its journal too; the server's stdout and stderr are its log file),
PNG text chunks, /history, /queue, ComfyUI's log buffer (/internal/logs) and the exception texts.

Twice: with the key in SEGMIND_API_KEY (the shared server), and with the key only in a config file
(SEGMIND_CONFIG_FILE, on a server of its own; the config file itself is not searched).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from comfy_driver import ComfyServer
from conftest import PACK_DIR, TEST_API_KEY, comfy_base, comfy_runtime
from example_files import png_bytes
from pack_loader import load_pack_module
from segmind_loopback import Fault, SegmindLoopback
from remote_graphs import NON_DEFAULTS, graph

specs = load_pack_module("specs")

ANY_MODEL = load_pack_module("specs.any_model").NODE_ID
CONFIG_KEY = "sk-CONFIG-only-key-52b19d7e"
WORKFLOWS = PACK_DIR / "workflows" / "api"
REMOTE_CLASSES = {*specs.MODELS_BY_NODE_ID, ANY_MODEL}
KEEP_CLASSES = REMOTE_CLASSES | {"PrimitiveInt", "PrimitiveFloat", "PrimitiveString",
                                               "PrimitiveStringMultiline", "PrimitiveBoolean", "SaveImage",
                                               "PreviewImage", "PreviewAny"}
OUTPUT_CLASSES = {"SaveImage", "PreviewImage", "PreviewAny"}


def remote_part(prompt: dict) -> dict:
    """The output nodes whose whole upstream is remote nodes and primitives, with that upstream."""
    def upstream(node_id: str, seen: set) -> set:
        seen.add(node_id)
        for value in prompt[node_id]["inputs"].values():
            if isinstance(value, list) and len(value) == 2 and str(value[0]) not in seen:
                upstream(str(value[0]), seen)
        return seen

    kept = set()
    for node_id, node in prompt.items():
        if node["class_type"] in OUTPUT_CLASSES:
            needed = upstream(node_id, set())
            if all(prompt[n]["class_type"] in KEEP_CLASSES for n in needed):
                kept |= needed
    return {node_id: prompt[node_id] for node_id in kept}


def other_seeds(prompt: dict, offset: int = 1_000_003) -> dict:
    """The workflow with other seeds (or prompts, where a model has none), so that its results do not land
    in the result cache of the shared server under the example's own inputs (tests/test_workflows.py
    expects to pay for those)."""
    for node in prompt.values():
        inputs = node["inputs"]
        if isinstance(inputs.get("seed"), int):
            inputs["seed"] += offset
        elif node["class_type"] == ANY_MODEL:  # its seed is a key of its JSON parameters
            parameters = json.loads(inputs["parameters"])
            parameters["seed"] = parameters.get("seed", 0) + offset
            inputs["parameters"] = json.dumps(parameters)
        elif node["class_type"] in specs.MODELS_BY_NODE_ID and isinstance(inputs.get("prompt"), str):
            inputs["prompt"] += f" #{offset}"  # a page without a seed (two-image Kontext [pro])
        elif node["class_type"] == "PrimitiveInt":  # in the examples, a PrimitiveInt only feeds a seed
            inputs["value"] += offset
    return prompt


def remote_workflows() -> dict[str, dict]:
    found = {path.stem: json.loads(path.read_text()) for path in sorted(WORKFLOWS.glob("segmind_*.json"))}
    mixed = WORKFLOWS / "remote_vs_local_flux_dev.json"
    if mixed.is_file():
        found[mixed.stem + " (remote part)"] = remote_part(json.loads(mixed.read_text()))
    return {name: other_seeds(prompt) for name, prompt in found.items()}


def key_pieces(key: str, size: int = 12) -> list[str]:
    return [key[start:start + size] for start in range(0, len(key) - size + 1)]


def leaks(text: str | bytes, key: str) -> list[str]:
    """Where a piece of the key occurs, with some context (empty: nowhere)."""
    data = text.encode() if isinstance(text, str) else text
    for piece in key_pieces(key):
        at = data.find(piece.encode())
        if at >= 0:
            return [data[max(0, at - 120):at + 60].decode("utf-8", "replace")]
    return []


def run_everything(server: ComfyServer, stand_in: SegmindLoopback, key: str) -> list[str]:
    """Every remote workflow, then runs whose answers echo the key. Returns the exception texts."""
    stand_in.reset()
    for name, prompt in remote_workflows().items():
        # segmind_credits reads the balance: the key goes out there too
        assert any(node["class_type"] in (*REMOTE_CLASSES, "SegmindCredits") for node in prompt.values()), name
        result = server.run(prompt, timeout=120)
        assert result.ok, (name, result.error() or result.rejected)
    assert stand_in.received and all(r.headers.get("x-api-key") == key for r in stand_in.received
                                     if not r.path.startswith("/files/"))
    echoes = [
        Fault("POST", "/v2/", status=401, body={"error": f"Invalid API key {key}"}),
        Fault("POST", "/v1/", status=500, body=f"<html><title>Error for {key}</title></html>",
              content_type="text/html"),
        Fault("GET", "/status", status=422, body={"status": "FAILED", "error": f"flagged ({key})"}),
        Fault("POST", "/v1/", status=429, body=f"slow down {key}", content_type="text/plain",
              headers={"Retry-After": "600"}),
    ]
    texts = []
    for index, fault in enumerate(echoes):
        stand_in.inject(fault)
        transport = "v1" if "/v1/" in fault.path_contains else "v2"
        inputs = {**NON_DEFAULTS["SegmindFluxSchnell"], "seed": 60_000 + index, "transport": transport}
        result = server.run(graph("SegmindFluxSchnell", inputs), timeout=120)
        assert not result.ok
        texts.append(json.dumps(result.error()))
    # Accounting headers that carry the key: the info output and the cache must not take it up.
    stand_in.inject(Fault("POST", "/v1/", status=200, body=png_bytes((1, 2, 3), (16, 16)), content_type="image/png",
                          headers={"x-request-id": key, "x-seed-value": key, "x-cost": key}))
    result = server.run(graph("SegmindFluxSchnell", {**NON_DEFAULTS["SegmindFluxSchnell"], "seed": 60_100,
                                                     "transport": "v1"}), timeout=120)
    texts.append(json.dumps(result.history))
    # A cancel after submission (its log line names the request).
    stand_in.job_seconds = 30.0
    status, answer = server.queue_prompt(graph("SegmindFluxDev", {**NON_DEFAULTS["SegmindFluxDev"], "seed": 60_200}))
    assert status == 200
    stand_in.wait_for_submission()
    server.interrupt()
    server.wait_history(answer["prompt_id"], timeout=30)
    stand_in.job_seconds = 0.3
    return texts


def search_everything(server: ComfyServer, base: Path, key: str, texts: list[str], skip: set[Path]) -> dict:
    found = {}
    for name, value in (("/history", server.get_json("/history")), ("/queue", server.get_json("/queue")),
                        ("/internal/logs", server.get_json("/internal/logs"))):
        if leaks(json.dumps(value), key):
            found[name] = leaks(json.dumps(value), key)
    for index, text in enumerate(texts):
        if leaks(text, key):
            found[f"exception text {index}"] = leaks(text, key)
    searched = 0
    for path in base.rglob("*"):
        if path.is_file() and not path.is_symlink() and path not in skip and "custom_nodes" not in path.parts:
            searched += 1
            if leaks(path.read_bytes(), key):
                found[str(path)] = leaks(path.read_bytes(), key)
            if path.suffix == ".png":
                with Image.open(path) as image:
                    chunks = json.dumps({k: str(v) for k, v in image.info.items()})
                if leaks(chunks, key):
                    found[f"PNG text of {path}"] = leaks(chunks, key)
    assert searched > 20, "the search found almost nothing to look at"
    pngs = list((base / "output").rglob("*.png"))
    assert pngs and all("prompt" in Image.open(p).info for p in pngs[:3])  # metadata is there, and was searched
    return found


def test_the_env_key_appears_nowhere(comfy, comfy_home, segmind):
    texts = run_everything(comfy, segmind, TEST_API_KEY)
    assert (comfy_home / "segmind-cache").is_dir()
    assert search_everything(comfy, comfy_home, TEST_API_KEY, texts, skip=set()) == {}
    assert "<redacted>" in "".join(texts)


@pytest.fixture(scope="module")
def config_key_setup(tmp_path_factory):
    stand_in = SegmindLoopback(api_key=CONFIG_KEY).start()
    base = comfy_base(tmp_path_factory, "config-key-base")
    config_file = tmp_path_factory.mktemp("config-key-file") / "segmind.json"
    config_file.write_text(json.dumps({"api_key": CONFIG_KEY, "base_url": stand_in.base_url,
                                       "cache_dir": str(base / "segmind-cache")}))
    comfy_dir, python = comfy_runtime()
    env = {"SEGMIND_API_KEY": "", "SEGMIND_BASE_URL": "", "SEGMIND_CACHE_DIR": "",
           "SEGMIND_CONFIG_FILE": str(config_file)}
    server = ComfyServer.start(comfy_dir, python, base, env=env, log_path=base / "comfyui.log")
    yield server, stand_in, base, config_file
    server.stop()
    stand_in.stop()


def test_a_key_given_only_in_the_config_file_appears_nowhere(config_key_setup):
    server, stand_in, base, config_file = config_key_setup
    texts = run_everything(server, stand_in, CONFIG_KEY)
    assert (base / "segmind-cache").is_dir()
    assert search_everything(server, base, CONFIG_KEY, texts, skip={config_file}) == {}
    assert "<redacted>" in "".join(texts)
