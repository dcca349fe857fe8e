"""Jobs of one model whose work varies, simulated without a clock: Flux Schnell alternating 512x512 and
1024x1024 jobs (its page: 1024x1024, ~7.7 s on Segmind's index), and FLUX.1 [dev] at 1, 2 and 4 samples.
Each series runs a model's jobs in turn, the duration history learning from each (as the node does);
three clients on the same jobs: the pack (history kept per work, a job's end expected from its own work:
specs/request_work.py, client/durations.py), the pack as it was (one history for all the jobs of a model,
work ignored), and the official SDK (a poll at once, then one every 1 s).

A job's length here is overhead + rate x work + a random 0-1 s (Schnell: 2.0 s + 5.7 s x work, so 1024x1024
takes 7.7 s and 512x512 3.4 s; dev: 8 s + 12 s per sample). The split between overhead and rate is an
assumption: Segmind publishes one time per model. Goal: mean lag <= 0.15 s, max <= 0.4 s, polls <= the SDK's.

    source ~/.cache/comfyui-segmind-flux/env.sh && "$COMFYUI_PYTHON" bench/varying_work_sim.py
"""
from __future__ import annotations

import json
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from first_job_sim import first_poll_after, pack_gaps, sdk_gaps  # noqa: E402
from pack_loader import load_pack_module  # noqa: E402

JOBS = 400
# model: (page seconds, overhead s, seconds per unit of work, the works its jobs cycle through)
SERIES = {"flux-schnell 512/1024 alternating": (7.7, 2.0, 5.7, (0.25, 1.0)),
          "flux-dev 1, 2, 4 samples": (20.0, 8.0, 12.0, (1.0, 2.0, 4.0))}


def run(page: float, overhead: float, rate: float, works: tuple, work_aware: bool, seed: int) -> dict:
    durations, schedules = load_pack_module("client.durations"), load_pack_module("client.poll_schedule")
    rng, history = random.Random(seed), durations.DurationHistory(None)
    lags, polls, sdk_polls = [], [], []
    for index in range(JOBS):
        work = works[index % len(works)]
        end = overhead + rate * work + rng.random()
        asked = work if work_aware else 1.0  # the pack as it was: every job as the page's
        lag, count = first_poll_after(pack_gaps(schedules.PollSchedule(history.expected_end("m", page, asked))), end)
        history.record("m", end, asked)
        lags.append(lag)
        polls.append(count)
        sdk_polls.append(first_poll_after(sdk_gaps(), end)[1])
    return {"lag_mean": round(statistics.mean(lags), 3), "lag_max": round(max(lags), 3),
            "polls_mean": round(statistics.mean(polls), 2), "sdk_polls_mean": round(statistics.mean(sdk_polls), 2)}


def main() -> int:
    report = {name: {"pack": run(*params, work_aware=True, seed=1), "pack_work_ignored": run(*params, False, seed=1)}
              for name, params in SERIES.items()}
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
