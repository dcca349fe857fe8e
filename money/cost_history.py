"""What the server reported each model's jobs cost, per unit of work (money/pricing.py), kept next to
the result cache so that it survives restarts: it refines the page's price in every later estimate."""
from __future__ import annotations

import logging
import math
import statistics
from pathlib import Path

from filelock import Timeout

from ..client.json_file import DamagedJsonFile, LockedJsonFile

log = logging.getLogger("comfyui-segmind-flux")
HISTORY_FILE = "observed-costs.json"
KEPT_PER_MODEL = 20  # recent jobs only: a price change shows within a few jobs


class CostHistory:
    def __init__(self, root: Path):
        self.file = LockedJsonFile(Path(root) / HISTORY_FILE)

    def usd_per_unit(self, slug: str) -> tuple[float, int] | None:
        """(median cost per unit of work, number of jobs), or None before the first reported cost."""
        try:
            costs = self.file.read().get(slug)
        except (DamagedJsonFile, OSError):
            return None
        costs = [c for c in costs if isinstance(c, (int, float)) and math.isfinite(c) and c >= 0] \
            if isinstance(costs, list) else []
        return (statistics.median(costs), len(costs)) if costs else None

    def record(self, slug: str, cost: object, units: float) -> None:
        """Keeps a server-reported cost; a history that cannot be written is only a worse estimate."""
        if isinstance(cost, bool) or not isinstance(cost, (int, float)) or not math.isfinite(cost) \
                or cost < 0 or units <= 0:
            return
        try:
            with self.file.update(replace_damaged=True) as data:  # a damaged record is only a worse estimate
                kept = data.get(slug) if isinstance(data.get(slug), list) else []
                data[slug] = (kept + [cost / units])[-KEPT_PER_MODEL:]
        except (DamagedJsonFile, OSError, Timeout) as exc:
            log.warning("The record of observed costs (%s) could not be updated (%s); estimates use the "
                        "page prices.", self.file.path, exc)
