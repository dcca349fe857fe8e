"""How full each result cache folder is, so that a store does not scan the whole folder to keep the size
bound (a scan of 10,000 results takes about 0.2 s, and a batch stores one result a row).

The figure is the folder's total at its last scan plus what this process stored since. A store scans
(and evicts) only when that passes the bound, or RESCAN_S after the last scan: another ComfyUI sharing
the folder stores results this process does not see. One per process: the pack's runtime holds it.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable

RESCAN_S = 60.0


class CacheUsage:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._folders: dict[Path, list[float]] = {}  # folder -> [bytes held, when scanned]

    def stored(self, folder: Path, stored_bytes: int, max_bytes: int) -> bool:
        """Counts a store of `stored_bytes`; True when the folder must be scanned now."""
        with self._lock:
            known = self._folders.get(Path(folder))
            if known is None or self._clock() - known[1] >= RESCAN_S:
                return True
            known[0] += stored_bytes
            return known[0] > max_bytes

    def scanned(self, folder: Path, held_bytes: int) -> None:
        with self._lock:
            self._folders[Path(folder)] = [held_bytes, self._clock()]
