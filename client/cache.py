"""The on-disk cache of paid results, and the journal of submitted jobs not yet collected.

Keyed by model slug and the exact request body, so identical inputs are never paid for twice, across
ComfyUI restarts too. Only images that decoded are stored; every write is atomic (temp file + rename).
Its size is bounded: when a store passes the bound, the least recently used results go (a load counts as
a use) until it fits (client/cache_usage.py spares a store the scan while the cache is well within it).
An evicted result is paid again if the same inputs are asked again. The journal of submitted jobs is
never evicted.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from .cache_usage import CacheUsage
from .constants import RESULT_RETENTION_S


def cache_key(slug: str, body: dict) -> str:
    canonical = json.dumps({"model": slug, "body": body}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class ResultCache:
    def __init__(self, root: Path, max_bytes: int | None = None, usage: CacheUsage | None = None):
        self.root = Path(root)
        self.max_bytes = max_bytes  # None: no bound
        self.usage = usage  # the process's figure of how full the folder is (None: scan on every store)

    def _entry(self, key: str) -> Path:
        return self.root / key[:2] / key

    def load(self, key: str) -> tuple[list[bytes], dict] | None:
        entry = self._entry(key)
        try:
            info = json.loads((entry / "info.json").read_text(encoding="utf-8"))
            images = [(entry / name).read_bytes() for name in info["files"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        try:
            os.utime(entry / "info.json")  # used now: the last to be evicted
        except OSError:
            pass
        return images, info["info"]

    def has(self, key: str) -> bool:
        """Whether a stored result exists for these inputs (cheap: reads no image)."""
        return (self._entry(key) / "info.json").is_file()

    def store(self, key: str, images: list[bytes], info: dict) -> None:
        entry = self._entry(key)
        names = [f"image_{index}.bin" for index in range(len(images))]
        for name, data in zip(names, images):
            _write_atomically(entry / name, data)
        # info.json last: an entry without it is invisible, so a half-written entry is never read.
        index = json.dumps({"files": names, "info": info}).encode()
        _write_atomically(entry / "info.json", index)
        if self.max_bytes is None:
            return
        stored = sum(len(data) for data in images) + len(index)
        if self.usage is None or self.usage.stored(self.root, stored, self.max_bytes):
            held = self.evict(self.max_bytes, keep=key)
            if self.usage is not None:
                self.usage.scanned(self.root, held)

    def _entries(self):
        """(last use, bytes, folder) of every stored result; the journal of pending jobs is not one."""
        for shard in os.scandir(self.root) if self.root.is_dir() else ():
            if not shard.is_dir() or len(shard.name) != 2:
                continue
            for entry in os.scandir(shard.path):
                try:
                    files = [item for item in os.scandir(entry.path) if item.is_file()]
                    info = next((item for item in files if item.name == "info.json"), None)
                    used = info.stat().st_mtime if info else 0.0  # half-written: the first to go
                    yield used, sum(item.stat().st_size for item in files), Path(entry.path)
                except OSError:
                    continue  # removed meanwhile by another ComfyUI sharing the folder

    def evict(self, max_bytes: int, keep: str | None = None) -> int:
        """Removes the least recently used results until the cache holds at most `max_bytes` (never the
        entry `keep`, just stored); returns the bytes it holds then."""
        entries = sorted(self._entries(), key=lambda item: item[0])
        total = sum(size for _, size, _ in entries)
        for _, size, folder in entries:
            if total <= max_bytes:
                break
            if keep is not None and folder.name == keep:
                continue
            shutil.rmtree(folder, ignore_errors=True)
            total -= size
        return total

    def _pending_path(self, key: str) -> Path:
        return self.root / "pending" / f"{key}.json"

    def remember_pending(self, key: str, request_id: str) -> None:
        record = {"request_id": request_id, "submitted_at": time.time()}
        _write_atomically(self._pending_path(key), json.dumps(record).encode())

    def pending_request_id(self, key: str) -> str | None:
        """A request submitted for these inputs that was never collected, if still on the server."""
        try:
            record = json.loads(self._pending_path(key).read_text(encoding="utf-8"))
            fresh = time.time() - float(record["submitted_at"]) < RESULT_RETENTION_S
            return str(record["request_id"]) if fresh else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def forget_pending(self, key: str) -> None:
        self._pending_path(key).unlink(missing_ok=True)
