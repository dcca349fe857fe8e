"""A small JSON file shared by several ComfyUI processes: read-modify-write under a file lock, written
atomically (temp file + rename), so that neither a crash nor a second process leaves it corrupt."""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from filelock import FileLock

from .cache import _write_atomically

LOCK_TIMEOUT_S = 10.0


class DamagedJsonFile(ValueError):
    """The file exists but is not a JSON object (edited by hand, or not ours)."""


class LockedJsonFile:
    def __init__(self, path: Path, lock_path: Path | None = None):
        """`lock_path`: another file's lock, for files that must change together (the ledger's jobs)."""
        self.path = Path(path)
        self._lock = FileLock(str(lock_path or str(self.path) + ".lock"), timeout=LOCK_TIMEOUT_S)

    def read(self) -> dict:
        """The current contents ({} when there is no file yet); DamagedJsonFile when unreadable."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as exc:
            raise DamagedJsonFile(f"{self.path} cannot be read ({type(exc).__name__})") from None
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise DamagedJsonFile(f"{self.path} is not a JSON object")
        return data

    @contextmanager
    def update(self, replace_damaged: bool = False) -> Iterator[dict]:
        """Yields the contents to change in place; they are written back when the block ends normally.
        A damaged file raises DamagedJsonFile, or with `replace_damaged` (a mere hint) starts afresh."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            try:
                data = self.read()
            except DamagedJsonFile:
                if not replace_damaged:
                    raise
                data = {}
            yield data
            _write_atomically(self.path, json.dumps(data, sort_keys=True, indent=1).encode("utf-8"))
