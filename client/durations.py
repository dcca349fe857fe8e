"""How long each model's jobs take: the last few finished jobs, in memory and in a small JSON file in
the result cache's folder, so that the poll schedule knows a model from its first job after a restart.

Only a hint: a file that cannot be read or written is ignored (and logged once), never a failed run.
"""
from __future__ import annotations

import logging
import math
import threading
from pathlib import Path
from typing import Any, Mapping

from .constants import (DURATION_FEW_SAMPLES_SPREAD, DURATION_HISTORY_SIZE, DURATION_MARGIN_S, DURATION_PAGE_EARLY,
                        DURATION_PAGE_LATE, DURATION_PAGE_MIN_WIDTH_S, JOB_DEADLINE_S)
from .json_file import DamagedJsonFile, LockedJsonFile
from .poll_schedule import ExpectedEnd

FILE_NAME = "durations.json"
log = logging.getLogger("comfyui-segmind-flux")


def _clean(models: Any) -> dict[str, list[float]]:
    """The usable part of a stored history: per model, its last valid durations."""
    if not isinstance(models, dict):
        return {}
    return {slug: [seconds for seconds in map(_seconds, values) if seconds][-DURATION_HISTORY_SIZE:]
            for slug, values in models.items() if isinstance(values, list)}


def _seconds(value: Any) -> float | None:
    """A finite, non-negative number of seconds no longer than a job may run, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) and 0 <= value <= JOB_DEADLINE_S else None


def expected_end(samples: list[float], typical_seconds: float | None) -> ExpectedEnd | None:
    """The window a model's next job should end in: its history's range, widened; else the page's."""
    if samples:
        low, high, count = min(samples), max(samples), len(samples)
        # What a uniform spread of `count` samples leaves uncovered on each side, on average; and with few
        # samples a share of the duration, since their range may be narrow by chance.
        spread = max((high - low) / (count - 1) if count > 1 else 0.0, DURATION_FEW_SAMPLES_SPREAD * high / count)
        margin = DURATION_MARGIN_S + spread
        return ExpectedEnd(max(0.0, low - margin), high + margin)
    if typical_seconds and typical_seconds > 0:
        earliest = typical_seconds * (1 - DURATION_PAGE_EARLY)
        latest = max(typical_seconds * (1 + DURATION_PAGE_LATE), earliest + DURATION_PAGE_MIN_WIDTH_S)
        return ExpectedEnd(earliest, latest, from_history=False)
    return None


def observed_duration(last_running_s: float, completed_s: float, info: Mapping[str, Any]) -> float:
    """When the job finished, in seconds after submission. It lies between the last poll that found it
    running and the first that found it done; the server's own figure (total, else queue + inference
    time) is taken where it lies there too, else the middle of the two polls."""
    reported = _seconds(info.get("total_time"))
    if reported is None:
        parts = [_seconds(info.get(name)) for name in ("queue_time", "inference_time")]
        reported = sum(part for part in parts if part is not None) if any(parts) else None
    if reported is not None and last_running_s <= reported <= completed_s:
        return reported
    return (last_running_s + completed_s) / 2


class DurationHistory:
    """Thread-safe; one per file and process (see DurationHistories)."""

    def __init__(self, path: Path | None):
        self.path = path
        self._file = LockedJsonFile(path) if path is not None else None
        self._lock = threading.Lock()
        self._samples: dict[str, list[float]] | None = None  # read on first use, not at import
        self._warned = False

    def _read_file(self) -> dict[str, list[float]] | None:
        """The file's history; {} when there is none yet, None when it cannot be read."""
        if self._file is None:
            return None
        try:
            return _clean(self._file.read().get("models"))
        except (DamagedJsonFile, OSError):
            return None

    def _loaded(self) -> dict[str, list[float]]:
        if self._samples is None:
            self._samples = self._read_file() or {}
        return self._samples

    def samples(self, slug: str) -> list[float]:
        with self._lock:
            return list(self._loaded().get(slug, ()))

    def expected_end(self, slug: str, typical_seconds: float | None) -> ExpectedEnd | None:
        return expected_end(self.samples(slug), typical_seconds)

    def record(self, slug: str, seconds: float) -> None:
        seconds = _seconds(seconds)
        if not seconds:
            return
        with self._lock:
            history = self._loaded()
            history[slug] = (history.get(slug, []) + [round(seconds, 3)])[-DURATION_HISTORY_SIZE:]
            if self._file is None:
                return
            try:
                # Merged under the file's lock: another ComfyUI sharing the cache folder may have recorded jobs.
                with self._file.update(replace_damaged=True) as data:
                    merged = _clean(data.get("models"))
                    merged[slug] = (merged.get(slug, []) + [round(seconds, 3)])[-DURATION_HISTORY_SIZE:]
                    data.clear()
                    data["models"] = merged
                self._samples = merged
            except OSError as exc:  # filelock's Timeout is an OSError too
                if not self._warned:
                    self._warned = True
                    log.warning("The job duration history %s could not be written (%s); polling goes on from "
                                "this session's jobs only.", self.path, exc)


class DurationHistories:
    """One history per folder and process (a folder per API server): held by the pack's runtime."""

    def __init__(self):
        self._histories: dict[Path | None, DurationHistory] = {}
        self._lock = threading.Lock()

    def beside(self, cache_root: Path | None) -> DurationHistory:
        """The history kept in the result cache's folder (in memory only without a cache)."""
        path = Path(cache_root) / FILE_NAME if cache_root is not None else None
        with self._lock:
            if path not in self._histories:
                self._histories[path] = DurationHistory(path)
            return self._histories[path]
