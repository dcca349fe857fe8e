"""Endurance: many remote-node runs in one ComfyUI server leave no memory, file handles or threads behind.

Raw resident memory is a poor leak signal: glibc keeps freed heap pages and raises its mmap threshold
after large frees, so the RSS of a healthy server wanders up by tens of MB with the mix of image sizes
(measured: +24 MB here, +60 MB on CI over the same 60 runs). So a test-only probe node
(tests/comfy_test_nodes) collects garbage, hands freed heap back with malloc_trim, and then reports the
server's resident memory, live Python objects and torch tensors, threads and open files. What a leak
holds survives that; allocator slack does not. ComfyUI's own /history grows by design, so it is cleared
before each probe.

Size: SEGMIND_FULL_RELIABILITY=1 runs 500 prompts after the warm-up; otherwise 60.
"""
from __future__ import annotations

import collections
import os
import random

import pytest

from conftest import TEST_API_KEY, comfy_base, comfy_runtime
from comfy_driver import ComfyServer
from remote_graphs import NON_DEFAULTS, distinct_inputs, graph

FULL = os.environ.get("SEGMIND_FULL_RELIABILITY") == "1"
RUNS = 500 if FULL else 60
WARM_UP_RUNS, PROBE_EVERY = 40, 10
# Resident memory compares the lowest value of the last few probes with that of the first few: a leak
# raises every later probe, while the slack left after a trim only adds upward spikes (band ~30 MB).
PROBES_COMPARED = 3
RSS_GROWTH_MAX_MB = 50
# aiohttp's URL caches in ComfyUI's web server fill up over the first ~100 requests, then stay bounded.
SERVER_WEB_MODULES = ("yarl.", "aiohttp.", "multidict.")
# Live Python objects outside those, first probe to last: a leak of one object in every second run
# exceeds it. The job pool starts threads as it needs them (up to 32), each with about a dozen objects
# of its own (measured: +25 with two new threads): those are allowed for.
OBJECTS_MARGIN, OBJECTS_PER_NEW_THREAD = 30, 15
TENSORS_MARGIN, FDS_MARGIN, THREADS_MARGIN = 2, 5, 4


@pytest.fixture(scope="module")
def probed_server(loopback, tmp_path_factory):
    """A server of its own (no earlier test's state in its memory) with the memory probe node."""
    base = comfy_base(tmp_path_factory, "comfy-endurance-base", test_nodes=True)
    comfy_dir, python = comfy_runtime()
    env = {"SEGMIND_BASE_URL": loopback.base_url, "SEGMIND_API_KEY": TEST_API_KEY,
           "SEGMIND_CACHE_DIR": str(base / "segmind-cache"), "SEGMIND_CONFIG_FILE": str(base / "no-config.json")}
    server = ComfyServer.start(comfy_dir, python, base, env=env, log_path=base / "comfyui.log")
    yield server
    server.stop()


def probe(server: ComfyServer, tick: int) -> dict:
    server.request("POST", "/history", {"clear": True})
    result = server.run({"1": {"class_type": "SegmindTestMemoryProbe", "inputs": {"tick": tick}}}, timeout=120)
    assert result.ok, result.error()
    vitals = result.node_output("1")["memory"][0]
    vitals["objects"] = sum(count for name, count in vitals["objects_by_type"].items()
                            if not name.startswith(SERVER_WEB_MODULES))
    return vitals


def types_grown(first: dict, last: dict) -> list[tuple[str, int]]:
    before, after = first["objects_by_type"], last["objects_by_type"]
    return collections.Counter({name: after.get(name, 0) - before.get(name, 0)
                                for name in set(before) | set(after)}).most_common(6)


@pytest.mark.slow
@pytest.mark.timeout(3600 if FULL else 300)
def test_endurance_memory_file_handles_and_threads_stay_flat(probed_server, segmind):
    rng = random.Random(99)
    segmind.job_seconds = 0.05
    segmind.credits = 1000.0  # the video models' jobs cost dollars

    nodes = sorted(NON_DEFAULTS)

    def one_run(index: int) -> None:
        # The warm-up runs every node once first: a node's first run imports what it uses (a video's PyAV
        # paths, PIL's plugins), which is not a leak.
        node_id = nodes[index] if index < len(nodes) else rng.choice(nodes)
        inputs = distinct_inputs(node_id, 90_000 + index, transport=rng.choice(["v2", "v2", "v1"]))
        result = probed_server.run(graph(node_id, inputs, prefix=f"endurance/{index % 5}"), timeout=60)
        assert result.ok, (result.error() or {}).get("exception_message")

    for index in range(WARM_UP_RUNS):
        one_run(index)
    probe(probed_server, tick=0)  # the probe's own first-use objects stay out of the comparison
    probes = [probe(probed_server, tick=1)]
    for index in range(WARM_UP_RUNS, WARM_UP_RUNS + RUNS):
        one_run(index)
        if (index - WARM_UP_RUNS + 1) % PROBE_EVERY == 0:
            probes.append(probe(probed_server, tick=len(probes) + 1))
    first, last = probes[0], probes[-1]
    growth = {key: last[key] - first[key] for key in ("objects", "tensors", "fds", "threads")}
    growth["rss_mb"] = min(p["rss_mb"] for p in probes[-PROBES_COMPARED:]) - \
        min(p["rss_mb"] for p in probes[:PROBES_COMPARED])
    print(f"\nendurance: {RUNS} runs after {WARM_UP_RUNS} warm-up runs; after trim, every {PROBE_EVERY} runs: "
          f"RSS {[round(p['rss_mb'], 1) for p in probes]} MB; objects {[p['objects'] for p in probes]}; "
          f"tensors {[p['tensors'] for p in probes]}; fds {first['fds']} -> {last['fds']}; "
          f"threads {first['threads']} -> {last['threads']}; {len(segmind.accepted)} billable submissions; "
          f"object types that grew most: {types_grown(first, last)}; growth {growth}")
    assert len(segmind.accepted) == WARM_UP_RUNS + RUNS
    assert growth["rss_mb"] < RSS_GROWTH_MAX_MB
    assert growth["objects"] < OBJECTS_MARGIN + OBJECTS_PER_NEW_THREAD * max(0, growth["threads"])
    assert growth["tensors"] <= TENSORS_MARGIN
    assert growth["fds"] <= FDS_MARGIN
    assert growth["threads"] <= THREADS_MARGIN
