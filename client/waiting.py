"""Bounded waits that notice a cancel within CANCEL_CHECK_S, and the client-side submission limit."""
from __future__ import annotations

import random
import threading
import time
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from typing import Callable, Mapping

from .constants import BACKOFF_FIRST_S, BACKOFF_MAX_S, CANCEL_CHECK_S

StopCheck = Callable[[], bool]


class Cancelled(Exception):
    """Raised inside the client when the stop check fires; the job layer words it for the user."""


def sleep_unless_stopped(seconds: float, stop: StopCheck) -> None:
    deadline = time.monotonic() + max(0.0, seconds)
    while True:
        if stop():
            raise Cancelled()
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, CANCEL_CHECK_S))


def backoff_seconds(attempt: int) -> float:
    """Capped exponential backoff with jitter, attempt 0 first: 0.5, 1, 2, 4, 8 s (each x 0.5-1)."""
    return min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** attempt) * random.uniform(0.5, 1.0)


def server_requested_wait(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds a 429 answer asks us to wait: Retry-After (seconds or date) or x-rate-limit-reset-at-utc."""
    lowered = {str(k).lower(): str(v).strip() for k, v in headers.items()}
    now = time.time() if now is None else now
    retry_after = lowered.get("retry-after")
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(retry_after).timestamp() - now)
            except (TypeError, ValueError, IndexError):
                pass
    reset_at = lowered.get("x-rate-limit-reset-at-utc")
    if reset_at:
        try:
            value = float(reset_at)
            return max(0.0, (value / 1000 if value > 1e11 else value) - now)
        except ValueError:
            try:
                moment = datetime.fromisoformat(reset_at.replace("Z", "+00:00"))
                moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
                return max(0.0, moment.timestamp() - now)
            except ValueError:
                pass
    return None


class SubmissionRateLimiter:
    """Spaces billable submissions at least 60/N seconds apart (N per minute): the pack's runtime holds
    one for the whole ComfyUI process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._next_free = 0.0  # the spacing of N a minute
        self._held_until = 0.0  # the server's limit (a 429 named when it frees)

    def hold(self, seconds: float) -> None:
        """No submission before `seconds` from now: the server said its limit frees then (a 429)."""
        with self._lock:
            self._held_until = max(self._held_until, time.monotonic() + max(0.0, seconds))

    def wait_turn(self, per_minute: float, stop: StopCheck) -> None:
        """Called right before every billable POST: a run cancelled by now submits nothing."""
        if stop():
            raise Cancelled()
        with self._lock:
            now = time.monotonic()
            start = max(now, self._held_until, self._next_free if per_minute > 0 else now)
            if per_minute > 0:
                self._next_free = start + 60.0 / per_minute
        sleep_unless_stopped(start - now, stop)

