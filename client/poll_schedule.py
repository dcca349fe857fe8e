"""When to poll a v2 job: sparsely while it cannot be done yet, densely where it is expected to end,
then at a steady cadence once it runs long.

Pure arithmetic on seconds since the submission was accepted, so that the schedule can be tested
without a clock. Where the job is expected to end comes from client/durations.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from .constants import (POLL_APPROACH, POLL_BUDGET_SHARE, POLL_COLD_EARLY_MAX_S, POLL_COLD_FIRST_S,
                        POLL_COLD_GROWTH_PER_ELAPSED_S, POLL_DENSE_MIN_S, POLL_EARLY_MAX_S,
                        POLL_FIRST_S, POLL_GROWTH_PER_ELAPSED_S, POLL_LATE_GROWTH, POLL_MAX_S, POLL_SPARSE_FROM_S,
                        POLL_WINDOW_POLLS, RATE_LIMIT_WAIT_MAX_S)
from .waiting import backoff_seconds, server_requested_wait


@dataclass(frozen=True)
class ExpectedEnd:
    """Seconds after submission between which the job is expected to finish."""
    earliest: float
    latest: float
    # False when it is only the model page's typical time: then early polls stay frequent.
    from_history: bool = True


def steady_interval(elapsed: float) -> float:
    """The schedule without an expectation: fast at first, then no faster than the SDK's 1 s."""
    return min(POLL_MAX_S, max(POLL_FIRST_S, POLL_GROWTH_PER_ELAPSED_S * elapsed))


class PollSchedule:
    def __init__(self, expected: ExpectedEnd | None):
        self.expected = expected
        if expected is not None:
            self.dense = POLL_DENSE_MIN_S  # for counting the polls before the window, at the densest
            width = max(0.0, expected.latest - expected.earliest)
            # A job ending at POLL_BUDGET_SHARE of the window costs the polls of the SDK's steady cadence
            # (sooner: fewer; later: a few more; fewer on average); at least POLL_WINDOW_POLLS. From a
            # history, both counts as averaged over where the job ends between two polls: the SDK's count
            # rounded up there left jobs of a few seconds polled more than the SDK (Schnell 512x512: 5.9 vs
            # 5.4). From the page's time only, rounded up: that wider window is tuned on bench/first_job_sim.py.
            at_share = (expected.earliest + POLL_BUDGET_SHARE * width) / POLL_MAX_S
            steady_polls = at_share if expected.from_history else math.ceil(at_share)
            window_polls = max(POLL_WINDOW_POLLS, (steady_polls - self._polls_before_window()) / POLL_BUDGET_SHARE)
            self.dense = min(POLL_MAX_S, max(POLL_DENSE_MIN_S, width / window_polls))

    def _polls_before_window(self) -> int:
        polls, elapsed = 0, self.first_wait()
        while elapsed < self.expected.earliest:
            polls, elapsed = polls + 1, elapsed + self.gap_after(elapsed)
        return polls

    def first_wait(self) -> float:
        # Without an expectation (e.g. collecting an earlier job) the job may already be done: ask at once.
        return 0.0 if self.expected is None else self.gap_after(0.0)

    def gap_after(self, elapsed: float) -> float:
        """Seconds from a poll at `elapsed` (after submission) to the next one."""
        expected = self.expected
        if expected is None:
            return steady_interval(elapsed)
        if elapsed < expected.earliest:
            # Each gap covers a share of the way to the window, so polls close in on its start.
            gap = POLL_APPROACH * (expected.earliest - elapsed) + self._window_gap(expected.earliest)
            gap = min(POLL_EARLY_MAX_S, gap)
            # A window from the page only, or one this soon: a job ending early is still seen within a second
            # or so, at no more than the SDK's cadence.
            if not expected.from_history or expected.earliest < POLL_SPARSE_FROM_S:
                to_window = expected.earliest - elapsed
                # The jobs before ended in it: go to its start (a job ending early is seen within
                # POLL_COLD_EARLY_MAX_S).
                if expected.from_history and to_window <= POLL_COLD_EARLY_MAX_S:
                    return max(POLL_DENSE_MIN_S, to_window)
                cold_gap = max(POLL_COLD_FIRST_S, POLL_COLD_GROWTH_PER_ELAPSED_S * elapsed)
                if to_window <= POLL_COLD_EARLY_MAX_S:  # the page's time only: close in on the window
                    cold_gap = max(cold_gap, to_window)
                gap = min(gap, POLL_COLD_EARLY_MAX_S, cold_gap)
            return gap
        return self._window_gap(elapsed)

    def _window_gap(self, elapsed: float) -> float:
        late = max(0.0, elapsed - self.expected.latest)
        # At most the SDK's 1 s apart. Not the schedule without an expectation (0.2 s gaps at first): a window
        # of jobs taking 0.5-4 s was polled 2.8x as often as the SDK polls.
        return min(POLL_MAX_S, self.dense + POLL_LATE_GROWTH * late)


def rate_limited_wait(headers: Mapping[str, str], consecutive: int) -> float:
    """How long to hold off polling after the `consecutive`-th 429 in a row: what the server asks
    (capped), else a backoff that grows with each refusal."""
    asked = server_requested_wait(headers)
    return min(asked, RATE_LIMIT_WAIT_MAX_S) if asked is not None else backoff_seconds(consecutive + 1)
