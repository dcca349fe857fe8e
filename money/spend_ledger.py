"""The spend of every ComfyUI process on this machine, per local calendar day, and what is in flight.

Kept next to the result cache (spend-ledger.json), updated under a file lock, so that it survives
restarts and two processes never both pass a cap. A prompt reserves its estimate before its first
billable request; each job then turns its part into spend (the server's reported cost, or the estimate
where none was reported) or gives it back. A reservation that nobody settles (a process that crashed)
lapses after RESERVATION_TTL_S.
"""
from __future__ import annotations

import datetime
import os
import time
from pathlib import Path

from ..client.constants import JOB_DEADLINE_S
from ..client.json_file import LockedJsonFile

LEDGER_FILE = "spend-ledger.json"
RESERVATION_TTL_S = JOB_DEADLINE_S + 300.0
DAYS_KEPT = 40
# Sums of floats: a cap met exactly must not fail on the last bit.
TOLERANCE_USD = 1e-9


def today() -> str:
    return datetime.date.today().isoformat()  # the local calendar day, as the cap is documented


class DayCapExceeded(Exception):
    def __init__(self, spent_today: float, in_flight: float):
        super().__init__(spent_today, in_flight)
        self.spent_today, self.in_flight = spent_today, in_flight


class SpendLedger:
    def __init__(self, root: Path):
        self.file = LockedJsonFile(Path(root) / LEDGER_FILE)

    @staticmethod
    def _tidy(data: dict) -> tuple[dict, dict]:
        days = data.setdefault("days", {})
        for day in sorted(days)[:-DAYS_KEPT]:
            del days[day]
        by_model = data.setdefault("models", {})
        for day in [d for d in by_model if d not in days]:
            del by_model[day]
        reservations = data.setdefault("reservations", {})
        now = time.time()
        for key in [k for k, r in reservations.items() if not isinstance(r, dict) or r.get("until", 0) < now]:
            del reservations[key]
        return days, reservations

    def spent_today(self) -> float:
        return float(self.file.read().get("days", {}).get(today(), 0.0))

    @classmethod
    def _check(cls, data: dict, key: str, usd: float, per_day_cap: float | None) -> dict:
        days, reservations = cls._tidy(data)
        spent = float(days.get(today(), 0.0))
        others = sum(float(r.get("usd", 0.0)) for k, r in reservations.items() if k != key)
        if per_day_cap is not None and spent + others + usd > per_day_cap + TOLERANCE_USD:
            raise DayCapExceeded(spent, others)
        return reservations

    def reserve(self, key: str, usd: float, per_day_cap: float | None) -> None:
        """Holds `usd` for a prompt; DayCapExceeded when today's spend, what other prompts hold and this
        would together pass the cap."""
        with self.file.update() as data:
            reservations = self._check(data, key, usd, per_day_cap)
            reservations[key] = {"usd": usd, "pid": os.getpid(), "until": time.time() + RESERVATION_TTL_S}

    def check(self, usd: float, per_day_cap: float | None) -> None:
        """What reserve would say now, holding nothing (a dry run)."""
        self._check(self.file.read(), "", usd, per_day_cap)

    def settle(self, key: str, held_usd: float, spent_usd: float, model: str | None = None) -> float:
        """Moves one job's part out of the reservation and counts what it spent (per day, and per model
        when named); returns today's spend."""
        with self.file.update() as data:
            days, reservations = self._tidy(data)
            days[today()] = float(days.get(today(), 0.0)) + max(0.0, spent_usd)
            if model and spent_usd > 0:
                models = data["models"].setdefault(today(), {})
                models[model] = float(models.get(model, 0.0)) + spent_usd
            held = reservations.get(key)
            if held is not None:
                held["usd"] = float(held.get("usd", 0.0)) - held_usd
                held["until"] = time.time() + RESERVATION_TTL_S  # the prompt is still alive
                if held["usd"] <= TOLERANCE_USD:
                    del reservations[key]
            return days[today()]

    def summary(self, days_back: int) -> dict:
        """Spend per day for the last `days_back` days (oldest first, empty days included), per model over
        them, today's spend and what running prompts hold."""
        data = self.file.read()
        days, models = data.get("days", {}), data.get("models", {})
        first = datetime.date.today() - datetime.timedelta(days=days_back - 1)
        window = [(first + datetime.timedelta(days=n)).isoformat() for n in range(days_back)]
        per_model: dict[str, float] = {}
        for day in window:
            for model, usd in (models.get(day) or {}).items():
                per_model[model] = per_model.get(model, 0.0) + float(usd)
        now = time.time()
        held = sum(float(r.get("usd", 0.0)) for r in data.get("reservations", {}).values()
                   if isinstance(r, dict) and r.get("until", 0) >= now)
        return {"days": [{"day": day, "usd": round(float(days.get(day, 0.0)), 6)} for day in window],
                "models": {model: round(usd, 6) for model, usd in sorted(per_model.items())},
                "spent_today": round(float(days.get(today(), 0.0)), 6), "in_flight": round(held, 6)}

    def release(self, keys: list[str]) -> None:
        """Gives back what finished prompts still hold (jobs that never ran: ComfyUI's cache, a failure)."""
        with self.file.update() as data:
            _, reservations = self._tidy(data)
            for key in keys:
                reservations.pop(key, None)
