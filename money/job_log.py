"""The list of remote jobs the pack ran, newest last, for the editor's Segmind panel and for scripts
(GET /segmind-flux/spend). Kept next to the spend ledger (jobs.json), written atomically under the
ledger's own lock, bounded to JOBS_KEPT entries, so that it survives restarts.

A job is written when it starts, again when its request id is known, and when it ends: a job that was
submitted and never ended (a cancel, a crash) keeps its request id and can be collected later.
"""
from __future__ import annotations

import time
import uuid
from pathlib import Path

from ..client.json_file import LockedJsonFile
from .spend_ledger import LEDGER_FILE

JOBS_FILE = "jobs.json"
JOBS_KEPT = 500
# Job states: running until one of the final ones.
RUNNING, SUBMITTED = "running", "submitted"
PAID, CACHED, COLLECTED = "paid", "cached", "collected"
FAILED, REFUSED, CANCELLED = "failed", "refused", "cancelled"
FINAL_STATES = (PAID, CACHED, COLLECTED, FAILED, REFUSED, CANCELLED)


class JobLog:
    def __init__(self, root: Path):
        root = Path(root)
        self.file = LockedJsonFile(root / JOBS_FILE, lock_path=root / (LEDGER_FILE + ".lock"))

    def start(self, **fields) -> str:
        """Records a new job (model, node, estimate, ...); returns its id."""
        job_id = uuid.uuid4().hex[:16]
        with self.file.update(replace_damaged=True) as data:
            jobs = data.setdefault("jobs", [])
            jobs.append({"id": job_id, "started_at": time.time(), "state": RUNNING, **fields})
            del jobs[:-JOBS_KEPT]
        return job_id

    def update(self, job_id: str, **fields) -> dict | None:
        """Changes one job; returns it as it is now (None: it was dropped from the list)."""
        with self.file.update(replace_damaged=True) as data:
            for job in data.setdefault("jobs", []):
                if job.get("id") == job_id:
                    job.update(fields)
                    return dict(job)
        return None

    def get(self, job_id: str) -> dict | None:
        return next((job for job in self.recent(JOBS_KEPT) if job.get("id") == job_id), None)

    def recent(self, count: int) -> list[dict]:
        """The last `count` jobs, newest first."""
        try:
            jobs = self.file.read().get("jobs", [])
        except ValueError:
            return []
        return [job for job in reversed(jobs) if isinstance(job, dict)][:count]
