"""Jobs of one model whose work varies, simulated without a clock: Flux Schnell alternating 512x512 and
1024x1024 jobs (its page: 1024x1024, ~7.7 s on Segmind's index), each size alone, Fast Flux Schnell (2.45 s),
and FLUX.1 [dev] at 1, 2 and 4 samples.
Each series runs a model's jobs in turn, the duration history learning from each (as the node does);
three clients on the same jobs: the pack (history kept per work, a job's end expected from its own work:
specs/request_work.py, client/durations.py), the pack as it was (one history for all the jobs of a model,
work ignored), and the official SDK (a poll at once, then one every 1 s).

A job's length here is overhead + rate x work + a random spread, 0-1 s (0-3.5 s in the last series). Schnell:
2.0 s + 5.7 s x work, so 1024x1024 takes 7.7 s and 512x512 3.4 s; dev: 8 s + 12 s per sample. The split between overhead and rate is an
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
SEEDS = range(1, 6)
# model: (page seconds, overhead s, seconds per unit of work, the works its jobs cycle through, random spread s)
SERIES = {"flux-schnell 512/1024 alternating": (7.7, 2.0, 5.7, (0.25, 1.0), 1.0),
          "flux-schnell 512 only": (7.7, 2.0, 5.7, (0.25,), 1.0),
          "flux-schnell 1024 only": (7.7, 2.0, 5.7, (1.0,), 1.0),
          "fast-flux-schnell (2.45 s page)": (2.45, 0.8, 1.65, (1.0,), 1.0),
          "flux-dev 1, 2, 4 samples": (20.0, 8.0, 12.0, (1.0, 2.0, 4.0), 1.0),
          # One request whose length varies eightfold: no schedule sees these within 0.15 s at the SDK's count.
          "flux-schnell, one request taking 0.5-4 s": (10.0, 0.5, 0.0, (1.0,), 3.5)}


def run(page: float, overhead: float, rate: float, works: tuple, spread: float, work_aware: bool) -> dict:
    """JOBS jobs of each of SEEDS series, each series from an empty history; the lag after the first job
    of each work (a work the history has not seen is placed from the page's time) also apart."""
    durations, schedules = load_pack_module("client.durations"), load_pack_module("client.poll_schedule")
    lags, learnt_lags, polls, sdk_lags, sdk_polls = [], [], [], [], []
    for seed in SEEDS:
        rng, history = random.Random(seed), durations.DurationHistory(None)
        for index in range(JOBS):
            work = works[index % len(works)]
            end = overhead + rate * work + spread * rng.random()
            asked = work if work_aware else 1.0  # the pack as it was: every job as the page's
            schedule = schedules.PollSchedule(history.expected_end("m", page, asked))
            lag, count = first_poll_after(pack_gaps(schedule), end)
            history.record("m", end, asked)
            lags.append(lag)
            learnt_lags += [lag] if index >= len(works) else []
            polls.append(count)
            sdk_lag, sdk_count = first_poll_after(sdk_gaps(), end)
            sdk_lags.append(sdk_lag)
            sdk_polls.append(sdk_count)
    return {"lag_mean": round(statistics.mean(lags), 3), "lag_max": round(max(lags), 3),
            "lag_max_after_first": round(max(learnt_lags), 3), "polls_mean": round(statistics.mean(polls), 2),
            "sdk_lag_mean": round(statistics.mean(sdk_lags), 3), "sdk_polls_mean": round(statistics.mean(sdk_polls), 2)}


def main() -> int:
    report = {name: {"pack": run(*params, work_aware=True), "pack_work_ignored": run(*params, work_aware=False)}
              for name, params in SERIES.items()}
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
