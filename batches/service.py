"""The batches of one ComfyUI, run inside it (the routes of routes/batch.py): each is checked and
estimated before anything is queued, kept in the state folder (batches/store.py), and run by a thread of
its own that queues its prompts on this same ComfyUI through its HTTP API, as any client would. Stopping
queues nothing more (the prompts already queued end); resuming runs the rows without a result, and a job
that was submitted but never collected is collected by the pack's result cache, never paid again. A
batch "running" in a ComfyUI that has since stopped shows as stopped."""
from __future__ import annotations

import logging
import math
import os
import threading
import time
from pathlib import Path
from typing import Callable

from ..client.config import load_settings
from ..client.errors import missing_key_error
from ..money.balance import ACCOUNT_LABEL
from ..money.pricing import format_usd
from .comfy_http import ComfyHttp
from .engine import NoServerAnswers, execute
from .plan import BatchPlan, budget_refusal, chunks, plan
from .results import FIELDS, OK, REFUSED
from .rows import BadRows, rows_of_text
from .store import DONE, QUEUED, RUNNING, STOPPED, STOPPING, BatchStore, StoredBatch, UnknownBatch

log = logging.getLogger("comfyui-segmind-flux")
MAX_ROWS = 10_000
MAX_PARALLEL = 32
DEFAULT_PARALLEL = 8
PROMPT_TIMEOUT_S = 3600.0
BATCHES_LISTED = 50


class BatchRefused(Exception):
    """A batch that is not started (nothing queued, nothing sent), with the words to show and the answer."""

    def __init__(self, message: str, status: int = 400, **details):
        super().__init__(message)
        self.status, self.details = status, details


def _choice(data: dict, name: str, default, low, high, kind):
    value = data.get(name, default)
    if value is None and default is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or \
            not low <= value <= high or (kind is int and value != int(value)):
        raise BatchRefused(f"'{name}' must be {'a whole number' if kind is int else 'a number'} from {low} to "
                           f"{high}; got {value!r}.")
    return kind(value)


def _is_csv(rows_text: str, declared) -> bool:
    if declared in ("csv", "jsonl"):
        return declared == "csv"
    first = next((line.strip() for line in rows_text.splitlines() if line.strip()), "")
    return not first.startswith("{")


def _estimate_view(batch: BatchPlan, refusal: str | None) -> dict:
    return {"rows": len(batch.rows), "estimate_usd": round(batch.total_usd, 6),
            "estimate_text": format_usd(batch.total_usd),
            "cached_rows": sum(1 for usd in batch.estimates.values() if usd == 0),
            "verdict": refusal or "ok", "refused": refusal is not None,
            "row_estimates": [{"row": row.number, "line": row.line, "usd": round(batch.estimates[row.number], 6)}
                              for row in batch.rows]}


class BatchService:
    def __init__(self, own_server: Callable[[], ComfyHttp], data_dir: Callable[[object], Path]):
        """`own_server()`: this ComfyUI's HTTP API, its output URLs as paths; `data_dir(settings)`: the
        state folder of the settings' API server (nodes/user_data.py)."""
        self.own_server, self.data_dir = own_server, data_dir
        self._stops: dict[str, threading.Event] = {}  # running batches of this process
        self._lock = threading.Lock()

    # --- state ---
    def _store(self) -> tuple[BatchStore, object, Path]:
        settings = load_settings()
        root = self.data_dir(settings)
        return BatchStore(root), settings, root

    def _running_here(self, batch_id: str) -> bool:
        with self._lock:
            return batch_id in self._stops

    def _state(self, stored: StoredBatch) -> str:
        if stored.state in (RUNNING, QUEUED, STOPPING) and not self._running_here(stored.id):
            return STOPPED  # its ComfyUI stopped (or restarted) while it ran
        return stored.state

    # --- the routes' actions ---
    def submit(self, data: dict) -> dict:
        """Checks, estimates and (unless a dry run) starts a batch. BatchRefused: nothing was queued."""
        prompt, rows_text = data.get("prompt"), data.get("rows")
        if not isinstance(prompt, dict) or not prompt or not all(
                isinstance(node, dict) and isinstance(node.get("class_type"), str) for node in prompt.values()):
            raise BatchRefused("'prompt' must be an API-format graph (what POST /prompt takes as its prompt).")
        if not isinstance(rows_text, str) or not rows_text.strip():
            raise BatchRefused("'rows' must be the text of a CSV file (its header names NODE.input) or of JSON "
                               "Lines (one object of NODE.input keys a line).")
        parallel = _choice(data, "parallel", DEFAULT_PARALLEL, 1, MAX_PARALLEL, int)
        max_spend = _choice(data, "max_spend", None, 0, 1e6, float)
        csv_text = _is_csv(rows_text, data.get("format"))
        store, settings, root = self._store()
        try:
            rows = rows_of_text(rows_text, csv_text)
            if len(rows) > MAX_ROWS:
                raise BatchRefused(f"The batch has {len(rows)} rows; at most {MAX_ROWS} are taken at once.", 413)
            batch = plan(prompt, rows, {}, False, settings, root)
        except BadRows as bad:
            raise BatchRefused(f"{len(bad.problems)} bad row value(s); nothing was queued.",
                               problems=bad.problems) from None
        if not batch.rows:
            raise BatchRefused("The rows hold no row to run.")
        refusal = budget_refusal(batch, settings, max_spend, root, limit_name="max_spend")
        view = _estimate_view(batch, refusal)
        if data.get("dry_run") is True:
            return view
        if refusal:
            raise BatchRefused(f"Refused, nothing was queued: {refusal}.", 409, **view)
        if batch.total_usd > 0 and not settings.api_key:
            raise BatchRefused(str(missing_key_error(ACCOUNT_LABEL)), 400, **view)
        workflow = data.get("workflow") if isinstance(data.get("workflow"), dict) else None
        stored = StoredBatch(store.new_id(), time.time(), parallel, max_spend, len(rows), round(batch.total_usd, 6),
                             prompt=prompt, rows_text=rows_text, csv=csv_text, workflow=workflow)
        store.save(stored)
        self._start(stored.id, self._claim(stored.id))
        return {**view, "id": stored.id, "state": QUEUED}

    def recent(self) -> list[dict]:
        store, _, _ = self._store()
        return [self._summary(store, stored) for stored in store.recent(BATCHES_LISTED)]

    def view(self, batch_id: str) -> dict:
        store, _, _ = self._store()
        stored = store.load(batch_id)
        finished = store.results(batch_id).finished()
        rows = [{"row": row.number, "line": row.line, "values": row.values, "status": "pending"}
                for row in rows_of_text(stored.rows_text, stored.csv)]
        for row in rows:
            result = finished.get(row["row"])
            if result is not None:
                row.update(status=result.status, images=[url for url in result.images.split(" | ") if url],
                           seed=result.seed, cost_usd=result.cost_usd, request_id=result.request_id,
                           error=result.error)
        return {**self._summary(store, stored, finished), "rows": rows}

    def stop(self, batch_id: str) -> dict:
        store, _, _ = self._store()
        store.load(batch_id, definition=False)
        with self._lock:  # under the lock: the batch's thread writes its last state after this one
            stop = self._stops.get(batch_id)
            if stop is not None:
                stop.set()
                store.update(batch_id, state=STOPPING)
        return self.view(batch_id)

    def resume(self, batch_id: str) -> dict:
        store, _, _ = self._store()
        stored = store.load(batch_id, definition=False)
        stop = self._claim(stored.id)
        store.update(batch_id, state=QUEUED, error=None, ended_at=None)
        self._start(stored.id, stop)
        return self.view(batch_id)

    def results_csv(self, batch_id: str) -> bytes:
        store, _, _ = self._store()
        store.load(batch_id, definition=False)
        path = store.results(batch_id).path
        return path.read_bytes() if path.is_file() else (",".join(FIELDS) + "\n").encode()

    def _summary(self, store: BatchStore, stored: StoredBatch, finished: dict | None = None) -> dict:
        finished = store.results(stored.id).finished() if finished is None else finished
        done = sum(1 for result in finished.values() if result.status == OK)
        failed = len(finished) - done
        spent = sum(float(result.cost_usd or 0) for result in finished.values() if result.status != REFUSED)
        state = self._state(stored)
        left = None
        if state == RUNNING and stored.run_started_at and len(finished) > stored.done_at_start:
            per_row = (time.time() - stored.run_started_at) / (len(finished) - stored.done_at_start)
            left = round(per_row * (stored.rows_total - len(finished)), 1)
        return {"id": stored.id, "state": state, "created_at": stored.created_at, "ended_at": stored.ended_at,
                "rows_total": stored.rows_total, "rows_done": done, "rows_failed": failed,
                "estimate_usd": stored.estimate_usd, "estimate_text": format_usd(stored.estimate_usd),
                "spent_usd": round(spent, 6), "spent_text": format_usd(spent),
                "seconds_left": left, "parallel": stored.parallel, "max_spend": stored.max_spend,
                "error": stored.error}

    # --- running ---
    def _claim(self, batch_id: str) -> threading.Event:
        """The batch's stop signal, once no thread of this process runs it (two resumes at once: one runs)."""
        with self._lock:
            if batch_id in self._stops:
                raise BatchRefused("This batch is running.", 409)
            stop = self._stops[batch_id] = threading.Event()
        return stop

    def _start(self, batch_id: str, stop: threading.Event) -> None:
        threading.Thread(target=self._run, args=(batch_id, stop), name=f"segmind-batch-{batch_id}",
                         daemon=True).start()

    def _run(self, batch_id: str, stop: threading.Event) -> None:
        store, settings, root = self._store()
        state, error = DONE, None
        try:
            stored = store.load(batch_id)
            results = store.results(batch_id)
            finished = results.finished()
            batch = plan(stored.prompt, rows_of_text(stored.rows_text, stored.csv), finished, False, settings, root)
            refusal = budget_refusal(batch, settings, stored.max_spend, root, limit_name="max_spend")
            if refusal:
                raise BatchRefused(f"Refused, nothing more was queued: {refusal}.")
            store.update(batch_id, state=RUNNING, pid=os.getpid(), run_started_at=time.time(),
                         done_at_start=len(finished))
            groups = chunks(batch, stored.parallel, settings.max_spend_per_prompt)
            extra = {"extra_pnginfo": {"workflow": stored.workflow}} if stored.workflow else None
            execute([self.own_server()], batch, groups, results, None, lambda result: None, PROMPT_TIMEOUT_S,
                    stop=stop.is_set, extra_data=extra)
            if stop.is_set() and len(results.finished()) < stored.rows_total:
                state = STOPPED
        except (BatchRefused, BadRows, NoServerAnswers, OSError, ValueError) as exc:
            state, error = STOPPED, str(exc)
            log.warning("Segmind batch %s stopped: %s", batch_id, exc)
        except Exception as exc:  # the batch's thread must say why it ended, whatever happened
            state, error = STOPPED, f"{type(exc).__name__}: {exc}"
            log.exception("Segmind batch %s stopped", batch_id)
        finally:
            with self._lock:
                self._stops.pop(batch_id, None)
            try:
                store.update(batch_id, state=state, error=error, ended_at=time.time())
            except (OSError, ValueError, UnknownBatch):
                log.warning("Segmind batch %s: its state could not be written.", batch_id)
