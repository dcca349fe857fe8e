"""One remote generation inside ComfyUI: cache, worker thread, progress on the node, cancel.

The HTTP work runs in a worker thread, so ComfyUI's executor loop stays free and independent remote
nodes of one graph run at the same time. Everything that talks to ComfyUI stays on the loop.
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..client.cache import ResultCache, cache_key
from ..client.config import Settings, load_settings
from ..client.constants import CANCEL_CHECK_S, DAMAGED_RESULT_REFETCHES
from ..client.durations import history_beside
from ..client.errors import SegmindCancelled, SegmindError
from ..client.jobs import JobCallbacks, JobResult, JobRunner
from ..client.state_folder import state_folder
from ..money.billing import billing_of
from ..specs import RANDOM_SEED, ModelSpec
from .images import UndecodableImage, decode_batch

log = logging.getLogger("comfyui-segmind-flux")
PROGRESS_STEPS = 100
# Remote jobs mostly wait on the network: asyncio's default pool (cores + 4 threads) would queue them.
REMOTE_JOB_THREADS = 32
_pool: ThreadPoolExecutor | None = None


def _job_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=REMOTE_JOB_THREADS, thread_name_prefix="segmind-job")
    return _pool


@dataclass
class RemoteOutcome:
    images: object  # torch tensor [B,H,W,3]
    info: dict


def default_cache_dir() -> Path:
    import folder_paths  # ComfyUI's; imported here so the pack imports without it

    return Path(folder_paths.get_user_directory()) / "comfyui-segmind-flux" / "results"


def data_dir(settings: Settings) -> Path:
    """The result cache's folder, where the ledger, the jobs list and the cost and duration histories
    live too: one per API server, so that runs against a test server never count as real spend."""
    return state_folder(Path(settings.cache_dir or default_cache_dir()), settings.base_url)


class _JobState:
    """Written by the worker thread, read by the loop: the latest status and the request id."""

    def __init__(self, on_submitted=None):
        self.status, self.elapsed, self.request_id = "SUBMITTING", 0.0, None
        self.stop = threading.Event()
        self.on_submitted = on_submitted  # (request id, cache key): the jobs list learns it at once


def _seed_used(body: dict, info: dict):
    if "seed" not in body:
        return None
    if body["seed"] != RANDOM_SEED:
        return body["seed"]
    return info.get("seed", "not reported by the server")


class _NodeProgress:
    def __init__(self, spec: ModelSpec, node_id: str | None):
        import comfy.utils

        self.spec, self.node_id = spec, node_id
        self.bar = comfy.utils.ProgressBar(PROGRESS_STEPS, node_id=node_id)
        self.shown = None

    def show(self, state: _JobState) -> None:
        text = f"{state.status} {state.elapsed:.0f}s" + (f" · {state.request_id}" if state.request_id else "")
        if text == self.shown:
            return
        self.shown = text
        # No real progress is reported by the API: estimate from the page's typical time, never 100%.
        fraction = 1.0 if state.status == "DONE" else min(0.95, state.elapsed / (2 * self.spec.typical_seconds))
        self.bar.update_absolute(int(fraction * PROGRESS_STEPS))
        try:
            from server import PromptServer

            if self.node_id is not None and PromptServer.instance is not None:
                PromptServer.instance.send_progress_text(text, self.node_id)
        except (ImportError, AttributeError):
            pass


def _cache_write(label: str, action, *args) -> None:
    """The result cache and its journal are a saving, never a reason to lose a paid result."""
    try:
        action(*args)
    except OSError as exc:
        log.warning("%s: the result cache could not be written (%s); the run goes on without it.", label, exc)


def _fetch(runner_args: tuple, state: _JobState, body: dict, transport: str, resume: str | None,
           cache: ResultCache | None, key: str) -> JobResult:
    settings, label, slug, typical_seconds = runner_args

    def on_status(status, elapsed):
        state.status, state.elapsed = status, elapsed

    def on_request_id(request_id):
        state.request_id = request_id
        log.info("%s: request id %s", label, request_id)
        if cache is not None:
            _cache_write(label, cache.remember_pending, key, request_id)
        if state.on_submitted is not None:
            state.on_submitted(request_id, key if cache is not None else None)

    callbacks = JobCallbacks(on_status=on_status, on_request_id=on_request_id)
    # When this model's jobs ended before (else its page's typical time) decides when to poll.
    timing = {"durations": history_beside(cache.root if cache is not None else None),
              "typical_seconds": typical_seconds}
    runner = JobRunner(settings, label, slug, state.stop.is_set, callbacks, **timing)
    try:
        return runner.run(body, transport, resume_request_id=resume)
    except SegmindError as exc:
        if resume and exc.status == 404 and cache is not None:
            _cache_write(label, cache.forget_pending, key)  # the journalled job expired: submit anew
            return JobRunner(settings, label, slug, state.stop.is_set, callbacks, **timing).run(body, transport)
        if cache is not None and exc.status in (404, 422):
            _cache_write(label, cache.forget_pending, key)  # terminal: there is nothing left to collect
        raise


async def run_remote(spec: ModelSpec, body: dict, transport: str, force_refresh: bool,
                     node_id: str | None, settings: Settings | None = None, spend=None,
                     on_submitted=None) -> RemoteOutcome:
    """`spend` (money/budget.NodeSpend) learns whether a billable request went out, however the run ends;
    `on_submitted(request_id, cache_key)` is called from the worker thread once the server has the job."""
    settings = settings or load_settings()
    label = f"{spec.display_name} ({spec.slug})"
    cache = ResultCache(data_dir(settings)) if settings.cache_enabled else None
    key = cache_key(spec.slug, body)
    loop = asyncio.get_running_loop()
    if cache is not None and not force_refresh:
        hit = cache.load(key)
        if hit is not None:
            try:
                # Decoding a megapixel image is CPU work: off the loop, so other remote nodes keep going.
                images = await loop.run_in_executor(_job_pool(), decode_batch, hit[0])
                log.info("%s: served from the result cache, nothing billed", label)
                return RemoteOutcome(images, {**hit[1], "cached": True})
            except UndecodableImage:
                pass  # a damaged entry is simply fetched again
    resume = cache.pending_request_id(key) if cache is not None and transport == "v2" else None
    if resume:
        log.info("%s: collecting the earlier request %s instead of paying again", label, resume)

    state = _JobState(on_submitted)
    try:
        return await _generate(spec, body, transport, node_id, settings, label, cache, key, resume, state)
    finally:
        if spend is not None:  # v1 reports PROCESSING just before its POST; v2 once its job is queued
            spend.submitted = state.status != "SUBMITTING"


async def _generate(spec: ModelSpec, body: dict, transport: str, node_id: str | None, settings: Settings, label: str,
                    cache: ResultCache | None, key: str, resume: str | None, state: _JobState) -> RemoteOutcome:
    loop = asyncio.get_running_loop()
    progress = _NodeProgress(spec, node_id)
    started = time.monotonic()
    collected_earlier_job = resume is not None
    for refetch in range(DAMAGED_RESULT_REFETCHES + 1):
        result = await _collect(loop, state, progress, label, (settings, label, spec.slug, spec.typical_seconds), body,
                                transport,
                                resume, cache, key)
        try:
            images = await loop.run_in_executor(_job_pool(), decode_batch, result.images)
            break
        except UndecodableImage as exc:
            request_id = state.request_id or result.info.get("request_id")
            if transport != "v2" or not state.request_id or refetch == DAMAGED_RESULT_REFETCHES:
                raise _damaged(label, exc, transport, request_id) from None
            resume = state.request_id  # collecting a finished v2 job again is a GET: not billed
            log.warning("%s: the image of request %s arrived damaged (%s); fetching it again.", label, resume, exc)
    info = {**result.info, "seed": _seed_used(body, result.info), "images": int(images.shape[0]),
            "elapsed_s": round(time.monotonic() - started, 3), "cached": False}
    if collected_earlier_job:
        info["collected_earlier_job"] = True  # paid (and counted) when it was first submitted
    if cache is not None:
        _cache_write(label, cache.store, key, result.images, info)
        _cache_write(label, cache.forget_pending, key)
    state.status = "DONE"
    progress.show(state)
    return RemoteOutcome(images, info)


async def _collect(loop, state: _JobState, progress: _NodeProgress, label: str, runner_args: tuple, body: dict,
                   transport: str, resume: str | None, cache: ResultCache | None, key: str) -> JobResult:
    """Runs the job in a worker thread while the loop shows its progress and watches for a cancel."""
    import comfy.model_management as mm

    worker = loop.run_in_executor(_job_pool(), _fetch, runner_args, state, body, transport, resume, cache, key)
    try:
        while not worker.done():
            await asyncio.wait({worker}, timeout=CANCEL_CHECK_S)
            mm.throw_exception_if_processing_interrupted()
            progress.show(state)  # ComfyUI's progress hook may raise the interrupt from in here too
        return worker.result()
    except BaseException as exc:  # cancel, another node's failure (CancelledError), time-out, error
        _abandon(state, label, exc)
        if isinstance(exc, SegmindCancelled):
            raise mm.InterruptProcessingException() from None
        raise


def _abandon(state: _JobState, label: str, exc: BaseException) -> None:
    """Every way out without a result stops the worker, and says so when a submitted job may be billed."""
    state.stop.set()
    status = exc.status if isinstance(exc, SegmindError) else None
    if billing_of(submitted=bool(state.request_id), error_status=status).may_cost:
        failed = isinstance(exc, SegmindError) and not isinstance(exc, SegmindCancelled)
        what = "failed" if failed else "cancelled"
        log.warning("%s: %s after submission; request %s may still be billed. Queue the same inputs within "
                    "an hour to collect it.", label, what, state.request_id)


def _damaged(label: str, exc: UndecodableImage, transport: str, request_id: str | None) -> SegmindError:
    if transport == "v2" and request_id:
        advice = ("Queue the same inputs again within an hour: the finished job is collected again, "
                  "not paid again. Report it if it repeats.")
    else:
        advice = ("The image was lost on the way and v1 cannot collect it again: queueing again is billed "
                  "again. The v2 transport can re-collect a damaged result for free.")
    return SegmindError(label, f"The server's image could not be used: {exc}.", advice, request_id=request_id)


def info_text(info: dict) -> str:
    return json.dumps(info, sort_keys=True)
