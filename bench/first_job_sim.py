"""The first job of each model on a fresh install (no duration history: the poll schedule has only the
page's typical time), simulated without a clock: for jobs ending at the page's time + 0-1 s, the lag from
the job's end to the poll that sees it, and the polls it took, against the official SDK's 1 s polling.
Network time is left out (the loopback adds about 3 ms a request). A quick way to try schedule
constants; bench/remote_bench.py measures the real thing.

    source ~/.cache/comfyui-segmind-flux/env.sh && "$COMFYUI_PYTHON" bench/first_job_sim.py
"""
from __future__ import annotations

import json
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from pack_loader import load_pack_module  # noqa: E402

JOBS = 400
SDK_INTERVAL_S = 1.0


def first_poll_after(gaps, end: float) -> tuple[float, int]:
    """(lag, polls) for a job ending at `end`, polled at the times `gaps` yields."""
    at, polls = 0.0, 0
    for gap in gaps:
        at += gap
        polls += 1
        if at >= end:
            return at - end, polls
    raise AssertionError("the schedule ended")


def pack_gaps(schedule):
    at = schedule.first_wait()
    yield at
    while True:
        gap = schedule.gap_after(at)
        at += gap
        yield gap


def sdk_gaps():
    while True:
        yield SDK_INTERVAL_S


def main() -> int:
    specs = load_pack_module("specs")
    poll_schedule, durations = load_pack_module("client.poll_schedule"), load_pack_module("client.durations")
    rng = random.Random(1)
    report = {}
    for spec in specs.MODELS:
        ends = [spec.typical_seconds + rng.random() for _ in range(JOBS)]
        pack = [first_poll_after(pack_gaps(poll_schedule.PollSchedule(
            durations.expected_end([], spec.typical_seconds))), end) for end in ends]
        sdk = [first_poll_after(sdk_gaps(), end) for end in ends]
        report[spec.slug] = {
            "pack_lag_mean": round(statistics.mean(lag for lag, _ in pack), 3),
            "pack_lag_max": round(max(lag for lag, _ in pack), 3),
            "pack_polls_mean": round(statistics.mean(polls for _, polls in pack), 2),
            "sdk_lag_mean": round(statistics.mean(lag for lag, _ in sdk), 3),
            "sdk_polls_mean": round(statistics.mean(polls for _, polls in sdk), 2)}
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
