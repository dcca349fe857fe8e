"""One remote node's entry in the jobs list (money/job_log.py): written when the job starts, when its
request id is known and when it ends, so that the Segmind panel shows it and a job that was submitted
but never collected (a cancel, a crash) can be collected later. A list that cannot be written is
logged and never stops a paid run."""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from ..money.job_log import (CACHED, CANCELLED, COLLECTED, FAILED, PAID, REFUSED, SUBMITTED, JobLog)
from ..specs import ModelSpec

log = logging.getLogger("comfyui-segmind-flux")


def node_title(graph: dict | None, node_id: str | None, default: str) -> str:
    """The title the user gave the node (the editor sends it as _meta.title), else the model's name."""
    node = graph.get(str(node_id)) if isinstance(graph, dict) else None
    meta = node.get("_meta") if isinstance(node, dict) else None
    title = meta.get("title") if isinstance(meta, dict) else None
    return str(title)[:120] if isinstance(title, str) and title.strip() else default


class NodeJournal:
    def __init__(self, root: Path, spec: ModelSpec, node_id: str | None, prompt_id: str | None,
                 graph: dict | None, transport: str):
        self.log = JobLog(root)
        self.fields = {"model": spec.slug, "model_name": spec.display_name, "node_id": str(node_id),
                       "node_title": node_title(graph, node_id, spec.display_name), "prompt_id": prompt_id,
                       "transport": transport, "pid": os.getpid()}
        self.job_id: str | None = None
        self.started = time.monotonic()
        # The worker thread may learn the request id after the loop ended the job (a cancel while the POST
        # was on its way): the id is added, the final state stays.
        self._lock, self._ended = threading.Lock(), False

    def _write(self, action, *args, **fields):
        try:
            return action(*args, **fields)
        except (OSError, ValueError) as exc:
            log.warning("Segmind: the jobs list could not be written (%s); the run goes on.", exc)
            return None

    def start(self, estimate_usd: float) -> None:
        self.job_id = self._write(self.log.start, **self.fields, estimate=round(estimate_usd, 6))

    def refused(self, estimate_usd: float, reason: str) -> None:
        self._write(self.log.start, **self.fields, estimate=round(estimate_usd, 6), state=REFUSED,
                    cost=0.0, error=reason, ended_at=time.time())

    def submitted(self, request_id: str, cache_key: str | None) -> None:
        """From the worker thread, as soon as the server has accepted the job."""
        with self._lock:
            if self.job_id:
                state = {} if self._ended else {"state": SUBMITTED}
                self._write(self.log.update, self.job_id, request_id=request_id, cache_key=cache_key, **state)

    def finished(self, info: dict, cost: float, cache_key: str | None) -> None:
        state = CACHED if info.get("cached") else COLLECTED if info.get("collected_earlier_job") else PAID
        self._end(state, cost=round(cost, 6), cost_reported=isinstance(info.get("cost"), (int, float)),
                  images=info.get("images"), request_id=info.get("request_id"), cache_key=cache_key)

    def failed(self, cost: float, error: str, status: int | None, request_id: str | None,
               cancelled: bool) -> None:
        self._end(CANCELLED if cancelled else FAILED, cost=round(cost, 6), error=error[:600], status=status,
                  **({"request_id": request_id} if request_id else {}))

    def _end(self, state: str, **fields) -> None:
        with self._lock:
            self._ended = True
            if self.job_id:
                self._write(self.log.update, self.job_id, state=state, ended_at=time.time(),
                            duration_s=round(time.monotonic() - self.started, 3), **fields)
