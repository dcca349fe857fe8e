"""The first job of each model on a fresh install (no duration history: the poll schedule has only the
page's typical time), simulated without a clock: the lag from the job's end to the poll that sees it, and
the polls it took, against the official SDK (segmind 1.3.0 `AsyncJob.wait`: a poll at once, then one
every 1 s). Two series: `at_page`, jobs ending at the page's time + 0-1 s (goal: mean lag <= 0.15 s, max
<= 0.4 s, polls <= the SDK's); and `off_page`, jobs ending anywhere from 0.6 to 1.4 x the page's time
(a page that is wrong: the price of a narrow window, paid once, since that job teaches the history).
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
    yield 0.0
    while True:
        yield SDK_INTERVAL_S


def series(ends: list[float], schedule) -> dict:
    pack = [first_poll_after(pack_gaps(schedule), end) for end in ends]
    sdk = [first_poll_after(sdk_gaps(), end) for end in ends]
    return {"pack_lag_mean": round(statistics.mean(lag for lag, _ in pack), 3),
            "pack_lag_max": round(max(lag for lag, _ in pack), 3),
            "pack_polls_mean": round(statistics.mean(polls for _, polls in pack), 2),
            "sdk_lag_mean": round(statistics.mean(lag for lag, _ in sdk), 3),
            "sdk_lag_max": round(max(lag for lag, _ in sdk), 3),
            "sdk_polls_mean": round(statistics.mean(polls for _, polls in sdk), 2)}


def main() -> int:
    specs = load_pack_module("specs")
    poll_schedule, durations = load_pack_module("client.poll_schedule"), load_pack_module("client.durations")
    rng = random.Random(1)
    report = {}
    for spec in specs.MODELS:
        page = spec.typical_seconds
        # Each job starts from the same fresh schedule: it is pure arithmetic on the elapsed time.
        fresh = durations.expected_end([], page)
        report[spec.slug] = {
            "at_page": series([page + rng.random() for _ in range(JOBS)], poll_schedule.PollSchedule(fresh)),
            "off_page": series([page * rng.uniform(0.6, 1.4) for _ in range(JOBS)], poll_schedule.PollSchedule(fresh))}
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
