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


# One finished job: (seconds, work), its work relative to the page's defaults (specs/request_work.py).
Sample = tuple[float, float]
# Jobs whose work differs by less than this share are counted as of the same work.
SAME_WORK = 0.05


def _sample(value: Any) -> Sample | None:
    """A stored job: [seconds, work], or a bare number of seconds (files written before work was kept)."""
    if isinstance(value, list) and len(value) == 2:
        seconds, work = _seconds(value[0]), _seconds(value[1])
        return (seconds, work) if seconds and work else None
    seconds = _seconds(value)
    return (seconds, 1.0) if seconds else None


def _clean(models: Any) -> dict[str, list[Sample]]:
    """The usable part of a stored history: per model, its last valid jobs."""
    if not isinstance(models, dict):
        return {}
    return {slug: [sample for sample in map(_sample, values) if sample][-DURATION_HISTORY_SIZE:]
            for slug, values in models.items() if isinstance(values, list)}


def _seconds(value: Any) -> float | None:
    """A finite, non-negative number of seconds no longer than a job may run, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) and 0 <= value <= JOB_DEADLINE_S else None


def _window(durations: list[float]) -> ExpectedEnd:
    """Where jobs like these end: their range widened by what so few of them may leave out."""
    low, high, count = min(durations), max(durations), len(durations)
    # What a uniform spread of `count` samples leaves uncovered on each side, on average; and with few
    # samples a share of the duration, since their range may be narrow by chance.
    spread = max((high - low) / (count - 1) if count > 1 else 0.0, DURATION_FEW_SAMPLES_SPREAD * high / count)
    margin = DURATION_MARGIN_S + spread
    return ExpectedEnd(max(0.0, low - margin), high + margin)


def _fitted(samples: list[Sample], work: float) -> list[float] | None:
    """The jobs' durations moved to `work` along the line through them (seconds = overhead + rate x work);
    None when they are all of one work (no line) or the line falls with more work."""
    works = [w for _, w in samples]
    mean_work, mean_seconds = sum(works) / len(works), sum(s for s, _ in samples) / len(samples)
    spread = sum((w - mean_work) ** 2 for w in works)
    if spread <= (SAME_WORK * mean_work) ** 2:
        return None
    rate = sum((w - mean_work) * (s - mean_seconds) for s, w in samples) / spread
    if rate <= 0:
        return None
    return [s + rate * (work - w) for s, w in samples]


def expected_end(samples: list[Sample], typical_seconds: float | None, work: float = 1.0) -> ExpectedEnd | None:
    """The window a job of `work` should end in: earlier jobs of the same work, else all of them moved to
    this work along their line, else the page's time (for the page's work) scaled towards this work."""
    same = [seconds for seconds, w in samples if abs(w - work) <= SAME_WORK * work]
    if same:
        return _window(same)
    fitted = _fitted(samples, work) if samples else None
    if fitted:
        return _window([max(0.0, seconds) for seconds in fitted])
    if samples:  # one other work only: scaled by the work, the window spanning both
        seconds = [s for s, _ in samples]
        typical_seconds, known_work = sum(seconds) / len(seconds), samples[-1][1]
        work = work / known_work
    if typical_seconds and typical_seconds > 0:
        # A job's overhead does not scale: the window spans the page's time and the time scaled by the work.
        low, high = sorted((typical_seconds, typical_seconds * work))
        earliest = low * (1 - DURATION_PAGE_EARLY)
        latest = max(high * (1 + DURATION_PAGE_LATE), earliest + DURATION_PAGE_MIN_WIDTH_S)
        return ExpectedEnd(earliest, latest, from_history=False)
    return None


def observed_duration(last_running_s: float, completed_s: float, info: Mapping[str, Any],
                      expected: ExpectedEnd | None = None) -> float:
    """When the job finished, in seconds after submission. It lies between the last poll that found it
    running and the first that found it done; where those reach into the window the job was expected in,
    within that part: the polls before the window are sparse because jobs were not seen to end there, and
    a job found done at the window's first poll, after a gap of seconds, most likely ended just before it
    (taking the gap's middle put Schnell 512x512 jobs a second early and the next windows too wide). The
    server's own figure (total, else queue + inference time) is taken where it lies there too, else the
    middle."""
    low, high = last_running_s, completed_s
    if expected is not None and max(low, expected.earliest) <= min(high, expected.latest):
        low, high = max(low, expected.earliest), min(high, expected.latest)
    reported = _seconds(info.get("total_time"))
    if reported is None:
        parts = [_seconds(info.get(name)) for name in ("queue_time", "inference_time")]
        reported = sum(part for part in parts if part is not None) if any(parts) else None
    if reported is not None and low <= reported <= high:
        return reported
    return (low + high) / 2


class DurationHistory:
    """Thread-safe; one per file and process (see DurationHistories)."""

    def __init__(self, path: Path | None):
        self.path = path
        self._file = LockedJsonFile(path) if path is not None else None
        self._lock = threading.Lock()
        self._samples: dict[str, list[Sample]] | None = None  # read on first use, not at import
        self._warned = False

    def _read_file(self) -> dict[str, list[Sample]] | None:
        """The file's history; {} when there is none yet, None when it cannot be read."""
        if self._file is None:
            return None
        try:
            return _clean(self._file.read().get("models"))
        except (DamagedJsonFile, OSError):
            return None

    def _loaded(self) -> dict[str, list[Sample]]:
        if self._samples is None:
            self._samples = self._read_file() or {}
        return self._samples

    def samples(self, slug: str) -> list[Sample]:
        with self._lock:
            return list(self._loaded().get(slug, ()))

    def expected_end(self, slug: str, typical_seconds: float | None, work: float = 1.0) -> ExpectedEnd | None:
        return expected_end(self.samples(slug), typical_seconds, work)

    def record(self, slug: str, seconds: float, work: float = 1.0) -> None:
        sample = _sample([round(seconds, 3), round(work, 3)]) if isinstance(seconds, (int, float)) else None
        if not sample:
            return
        with self._lock:
            history = self._loaded()
            history[slug] = (history.get(slug, []) + [sample])[-DURATION_HISTORY_SIZE:]
            if self._file is None:
                return
            try:
                # Merged under the file's lock: another ComfyUI sharing the cache folder may have recorded jobs.
                with self._file.update(replace_damaged=True) as data:
                    merged = _clean(data.get("models"))
                    merged[slug] = (merged.get(slug, []) + [sample])[-DURATION_HISTORY_SIZE:]
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
