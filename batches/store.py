"""Where a batch run inside ComfyUI keeps itself: `<state folder>/batches/<id>/`, with `definition.json` (the
graph, the rows as sent, the editor's workflow), `state.json` (the options, the state, the counts) and
`results.csv` (batches/results.py). A batch outlives the browser that started it and a restart of ComfyUI;
the state folder is per API server."""
from __future__ import annotations

import re
import secrets
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ..client.json_file import DamagedJsonFile, LockedJsonFile
from .results import ResultsFile

BATCHES_FOLDER = "batches"
QUEUED, RUNNING, STOPPING, STOPPED, DONE = "queued", "running", "stopping", "stopped", "done"
BATCH_ID_RE = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")


class UnknownBatch(LookupError):
    pass


# The definition (the graph, the rows, the editor's workflow: up to megabytes) is read only to run the
# batch or to list its rows; its state and counts, which the panel reads every second or two, apart.
DEFINITION = ("prompt", "rows_text", "csv", "workflow")


@dataclass
class StoredBatch:
    id: str
    created_at: float
    parallel: int
    max_spend: float | None
    rows_total: int
    estimate_usd: float
    prompt: dict = field(default_factory=dict)
    rows_text: str = ""
    csv: bool = True
    workflow: dict | None = None  # the editor's workflow: saved into each row's images, as a run from the editor
    state: str = QUEUED
    pid: int | None = None  # the ComfyUI process running it: a batch "running" in a process that is gone stopped
    error: str | None = None
    ended_at: float | None = None
    run_started_at: float | None = None  # this run's start and the rows done before it: the time left
    done_at_start: int = 0


class BatchStore:
    def __init__(self, root: Path):
        self.folder = Path(root) / BATCHES_FOLDER

    @staticmethod
    def new_id() -> str:
        return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)

    def _file(self, batch_id: str, name: str = "state.json") -> LockedJsonFile:
        if not BATCH_ID_RE.match(str(batch_id)):
            raise UnknownBatch(f"No batch {str(batch_id)[:40]!r}.")
        return LockedJsonFile(self.folder / batch_id / name)

    def results(self, batch_id: str) -> ResultsFile:
        self._file(batch_id)  # the id is checked before it names a path
        return ResultsFile(self.folder / batch_id / "results.csv")

    def save(self, batch: StoredBatch) -> None:
        values = asdict(batch)
        with self._file(batch.id, "definition.json").update(replace_damaged=True) as data:
            data.clear()
            data.update({name: values[name] for name in DEFINITION})
        with self._file(batch.id).update(replace_damaged=True) as data:
            data.clear()
            data.update({name: value for name, value in values.items() if name not in DEFINITION})

    def update(self, batch_id: str, **changes) -> StoredBatch:
        """Changes the state fields; the batch without its definition."""
        with self._file(batch_id).update() as data:
            data.update(changes)
            return self._from(data)

    def load(self, batch_id: str, definition: bool = True) -> StoredBatch:
        try:
            data = self._file(batch_id).read()
            if data and definition:
                data.update(self._file(batch_id, "definition.json").read())
        except (OSError, DamagedJsonFile):
            data = {}
        if not data:
            raise UnknownBatch(f"No batch {batch_id!r}.")
        return self._from(data)

    def recent(self, count: int) -> list[StoredBatch]:
        """The newest batches, without their definitions."""
        if not self.folder.is_dir():
            return []
        ids = sorted((path.name for path in self.folder.iterdir() if BATCH_ID_RE.match(path.name)), reverse=True)
        found = []
        for batch_id in ids[:count]:
            try:
                found.append(self.load(batch_id, definition=False))
            except UnknownBatch:
                continue  # a folder left half-made by a crash
        return found

    @staticmethod
    def _from(data: dict) -> StoredBatch:
        return StoredBatch(**{item.name: data[item.name] for item in fields(StoredBatch) if item.name in data})
