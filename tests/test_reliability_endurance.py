"""Endurance: many remote-node runs in one ComfyUI server. After a warm-up, the server's resident memory
grows less than 50 MB, and its open file handles and threads stay within a small margin.

Measured (700 runs from a fresh server): the resident memory climbs for ~100 runs (the allocator's
high-water mark for the mix of image sizes), then moves within a band of ~50 MB below that mark
(freed memory is given back to the system now and then) without rising further. So the warm-up lasts
until the memory stops climbing, and growth is taken between the tops of that band (the highest RSS
over the first and over the last fifth of the runs): a leak raises the top, a trim lowers only the
bottom.

Size: SEGMIND_FULL_RELIABILITY=1 runs 500 prompts after the warm-up; otherwise 60.
"""
from __future__ import annotations

import os
import random
import time

import psutil
import pytest

from test_server_remote import NON_DEFAULTS, graph

FULL = os.environ.get("SEGMIND_FULL_RELIABILITY") == "1"
RUNS = 500 if FULL else 60
# Warm-up: until two blocks in a row raise the resident memory by less than WARM_UP_STABLE_MB each.
WARM_UP_BLOCK, WARM_UP_MAX, WARM_UP_STABLE_MB = 20, 240, 3.0
RSS_GROWTH_MAX_MB = 50
FDS_MARGIN, THREADS_MARGIN = 5, 4


def vitals(process: psutil.Process) -> tuple[float, int, int]:
    return process.memory_info().rss / 2 ** 20, process.num_fds(), process.num_threads()


@pytest.mark.slow
@pytest.mark.timeout(3600 if FULL else 300)
def test_endurance_memory_file_handles_and_threads_stay_flat(comfy, segmind):
    server = psutil.Process(comfy.process.pid)
    rng = random.Random(99)
    segmind.job_seconds = 0.05

    def one_run(index: int) -> float:
        node_id = rng.choice(sorted(NON_DEFAULTS))
        inputs = {**NON_DEFAULTS[node_id], "seed": 90_000 + index, "transport": rng.choice(["v2", "v2", "v1"])}
        result = comfy.run(graph(node_id, inputs, prefix=f"endurance/{index % 5}"), timeout=60)
        assert result.ok, result.error()
        return vitals(server)[0]

    warm_up, last, stable_blocks = 0, vitals(server)[0], 0
    while warm_up < WARM_UP_MAX and stable_blocks < 2:
        for _ in range(WARM_UP_BLOCK):
            rss = one_run(warm_up)
            warm_up += 1
        stable_blocks = stable_blocks + 1 if rss - last < WARM_UP_STABLE_MB else 0
        last = rss
    time.sleep(0.5)
    before = vitals(server)
    started = time.monotonic()
    rss_after_each = [one_run(index) for index in range(warm_up, warm_up + RUNS)]
    took = time.monotonic() - started
    time.sleep(0.5)
    after = vitals(server)
    window = max(5, RUNS // 5)
    top_before, top_after = max(rss_after_each[:window]), max(rss_after_each[-window:])
    growth = top_after - top_before
    print(f"\nendurance: {RUNS} runs after {warm_up} warm-up runs in {took:.0f} s ({took / RUNS:.2f} s each); "
          f"RSS top {top_before:.1f} -> {top_after:.1f} MB (growth {growth:+.1f} MB), first/last "
          f"{before[0]:.1f} -> {after[0]:.1f} MB, band {min(rss_after_each):.1f}-{max(rss_after_each):.1f} MB; "
          f"fds {before[1]} -> {after[1]}; threads {before[2]} -> {after[2]}; "
          f"{len(segmind.accepted)} billable submissions")
    assert len(segmind.accepted) == warm_up + RUNS
    assert growth < RSS_GROWTH_MAX_MB
    assert after[0] - before[0] < 2 * RSS_GROWTH_MAX_MB
    assert after[1] - before[1] <= FDS_MARGIN
    assert after[2] - before[2] <= THREADS_MARGIN
