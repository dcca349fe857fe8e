"""One remote generation inside ComfyUI, as one object: its spec, body, settings, result cache and key,
and the state its worker thread shares with the loop (status, elapsed time, request id, stop).

The HTTP work runs in a worker thread of the pack's runtime, so ComfyUI's executor loop stays free and
independent remote nodes of one graph run at the same time. Everything that talks to ComfyUI (progress,
the cancel) stays on the loop. A damaged result is fetched again by the job runner, the one retry layer.
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..client.cache import ResultCache, cache_key
from ..client.config import Settings
from ..client.constants import CANCEL_CHECK_S
from ..client.errors import SegmindCancelled, SegmindError
from ..client.jobs import JobCallbacks, JobResult, JobRunner
from ..client.outputs import UnusableImage
from ..client.uploads import StorageUploads, wire_body
from ..money.billing import billing_of
from ..specs import RANDOM_SEED, ModelSpec
from ..specs.image_params import image_fields
from ..specs.model import VIDEO
from ..specs.request_work import request_work
from .images import decode_batch
from .videos import decode_video, probe

log = logging.getLogger("comfyui-segmind-flux")
PROGRESS_STEPS = 100


@dataclass
class RemoteOutcome:
    images: object  # torch tensor [B,H,W,3], or ComfyUI's VIDEO for a video model
    info: dict


def result_counts(spec: ModelSpec, files: list[bytes], accepted) -> dict:
    """What the info output says of the result: how many images, or the video's size, length and sound."""
    if spec.output != VIDEO:
        return {"images": int(accepted.shape[0])}
    facts = probe(accepted.get_stream_source().getvalue())  # with a sound sent apart, joined
    return {"videos": 1, "video": {key: facts[key] for key in ("width", "height", "seconds", "has_audio")}}


def info_text(info: dict) -> str:
    return json.dumps(info, sort_keys=True)


class RemoteJob:
    def __init__(self, runtime, spec: ModelSpec, body: dict, transport: str, node_id: str | None,
                 settings: Settings, root: Path, on_submitted=None, attachments: dict | None = None):
        """`root`: the state folder of the settings' API server (nodes/user_data.data_dir). `body` names
        its input images by token (specs/image_params.py); `attachments` holds them (token -> image)."""
        self.runtime, self.spec, self.body, self.transport, self.node_id = runtime, spec, body, transport, node_id
        self.settings, self.label, self.root = settings, f"{spec.display_name} ({spec.slug})", root
        self.attachments = attachments or {}
        self.cache = (ResultCache(root, settings.cache_max_bytes, runtime.cache_usage)
                      if settings.cache_enabled else None)
        self.key = cache_key(spec.slug, body)
        self.work = request_work(spec, body)  # where its end is expected, for the polls and the progress
        self.decode = decode_video if spec.output == VIDEO else decode_batch  # also checks: a damaged file is refetched
        # (request id, cache key), from the worker thread once the server has the job: the jobs list.
        self.on_submitted = on_submitted
        # Written by the worker thread, read by the loop.
        self.status, self.elapsed, self.request_id, self.posting = "SUBMITTING", 0.0, None, False
        self.stop = threading.Event()
        # The billing warning of an abandoned job is logged once: by the loop, or by the worker when the
        # request id arrives after the cancel (the POST was on its way).
        self._warning_lock, self._abandoned_as, self._warned = threading.Lock(), None, False

    @property
    def submitted(self) -> bool:
        """Whether a billable request went out: v1 reports PROCESSING just before its POST; a v2 POST counts
        from when it goes out until its answer says no job was made."""
        return self.status not in ("SUBMITTING", "UPLOADING") or self.posting or self.request_id is not None

    async def run(self, force_refresh: bool) -> RemoteOutcome:
        """From the result cache when these inputs were paid for before, else from the API (collecting a
        job submitted earlier and never collected, instead of paying again)."""
        if self.cache is not None and not force_refresh:
            cached = await self._from_cache()
            if cached is not None:
                return cached
        resume = self.cache.pending_request_id(self.key) if self.cache is not None and self.transport == "v2" else None
        if resume:
            log.info("%s: collecting the earlier request %s instead of paying again", self.label, resume)
        started = time.monotonic()
        expected = await asyncio.get_running_loop().run_in_executor(self.runtime.job_pool(), self._expected_seconds)
        progress = _NodeProgress(self.spec, self.node_id, expected)
        result = await self._in_worker(progress, resume)
        images = result.accepted
        counts = await asyncio.get_running_loop().run_in_executor(self.runtime.job_pool(), result_counts, self.spec,
                                                                  result.images, images)
        info = {**result.info, "seed": self._seed_used(result.info), **counts,
                "elapsed_s": round(time.monotonic() - started, 3), "cached": False,
                "finished_at": round(time.time())}  # a saved image's receipt: within Segmind's hour or not
        if resume is not None:
            info["collected_earlier_job"] = True  # paid (and counted) when it was first submitted
        if self.cache is not None:  # files, and the size bound's scan: off the loop
            await asyncio.get_running_loop().run_in_executor(self.runtime.job_pool(), self._store, result.images, info)
        self.status = "DONE"
        progress.show(self)
        return RemoteOutcome(images, info)

    async def _from_cache(self) -> RemoteOutcome | None:
        hit = self.cache.load(self.key)
        if hit is None:
            return None
        try:
            # Decoding a megapixel image is CPU work: off the loop, so other remote nodes keep going.
            images = await asyncio.get_running_loop().run_in_executor(self.runtime.job_pool(), self.decode, hit[0])
        except UnusableImage:
            return None  # a damaged entry is simply fetched again
        log.info("%s: served from the result cache, nothing billed", self.label)
        return RemoteOutcome(images, {**hit[1], "cached": True})

    async def _in_worker(self, progress: "_NodeProgress", resume: str | None) -> JobResult:
        """Runs the job in a worker thread while the loop shows its progress and watches for a cancel."""
        import comfy.model_management as mm

        worker = asyncio.get_running_loop().run_in_executor(self.runtime.job_pool(), self._work, resume)
        try:
            while not worker.done():
                await asyncio.wait({worker}, timeout=CANCEL_CHECK_S)
                mm.throw_exception_if_processing_interrupted()
                progress.show(self)  # ComfyUI's progress hook may raise the interrupt from in here too
            return worker.result()
        except BaseException as exc:  # cancel, another node's failure (CancelledError), time-out, error
            self._abandon(exc)
            if isinstance(exc, SegmindCancelled):
                raise mm.InterruptProcessingException() from None
            raise

    def _work(self, resume: str | None) -> JobResult:
        """In the worker thread: the job, its images decoded (a damaged v2 result is fetched again)."""
        try:
            body = self.body if resume else self._wire_body()
            return self._runner().run(body, self.transport, resume_request_id=resume, accept=self.decode)
        except SegmindError as exc:
            if resume and exc.status == 404 and self.cache is not None:
                self._cache_write(self.cache.forget_pending, self.key)  # the journalled job expired: submit anew
                return self._runner().run(self._wire_body(), self.transport, accept=self.decode)
            if self.cache is not None and exc.status in (404, 422):
                self._cache_write(self.cache.forget_pending, self.key)  # terminal: nothing left to collect
            raise

    def _wire_body(self) -> dict:
        """The body as the page takes it: input images uploaded (each set of pixels once) or encoded."""
        fields = {param.name: param.sends for param in image_fields(self.spec.params)}
        if not any(name in self.body for name in fields):
            return self.body
        self.status = "UPLOADING"
        uploads = StorageUploads(self.settings, self.root, self.label, self.stop.is_set, self.runtime.upload_locks)
        body = wire_body(self.body, fields, self.attachments, uploads)
        self.status = "SUBMITTING"
        return body

    def _durations(self):
        """When this model's jobs ended before (else its page's typical time): when to poll, what to show."""
        return self.runtime.durations.beside(self.cache.root if self.cache is not None else None)

    def _expected_seconds(self) -> float:
        """The end of the window this job is expected to end in (the progress text and bar)."""
        window = self._durations().expected_end(self.spec.slug, self.spec.typical_seconds, self.work)
        return window.latest if window is not None else self.spec.typical_seconds

    def _runner(self) -> JobRunner:
        callbacks = JobCallbacks(on_status=self._on_status, on_request_id=self._on_request_id,
                                 on_refetch=self._on_refetch, on_posting=self._on_posting)
        return JobRunner(self.settings, self.label, self.spec.slug, self.stop.is_set, callbacks,
                         durations=self._durations(), typical_seconds=self.spec.typical_seconds,
                         submissions=self.runtime.submissions, work=self.work,
                         deadline_s=self.spec.deadline_seconds)

    def _on_status(self, status: str, elapsed: float) -> None:
        self.status, self.elapsed = status, elapsed

    def _on_posting(self, posting: bool) -> None:
        self.posting = posting

    def _on_request_id(self, request_id: str) -> None:
        self.request_id = request_id
        log.info("%s: request id %s", self.label, request_id)
        if self.cache is not None:
            self._cache_write(self.cache.remember_pending, self.key, request_id)
        if self.on_submitted is not None:
            self.on_submitted(request_id, self.key if self.cache is not None else None)
        self._warn_if_abandoned()  # cancelled while the POST was on its way: the job exists all the same

    def _on_refetch(self, reason: str) -> None:
        log.warning("%s: the result of request %s arrived damaged (%s); fetching it again (not billed).",
                    self.label, self.request_id, reason)

    def _abandon(self, exc: BaseException) -> None:
        """Every way out without a result stops the worker, and says so when a submitted job may be billed."""
        status = exc.status if isinstance(exc, SegmindError) else None
        failed = isinstance(exc, SegmindError) and not isinstance(exc, SegmindCancelled)
        with self._warning_lock:
            self._abandoned_as = "failed" if failed else "cancelled"
            self.stop.set()
        if billing_of(submitted=self.submitted, error_status=status).may_cost:
            if self.request_id is None and self.posting and self.transport == "v2":  # v1 never gets an id
                log.warning("%s: %s while its submission was on the way; it may still be billed. Its request id "
                            "follows when the server answers.", self.label, self._abandoned_as)
            self._warn_if_abandoned()

    def _warn_if_abandoned(self) -> None:
        """The billing warning, naming the request, once the job is both abandoned and known."""
        with self._warning_lock:
            if self._abandoned_as is None or self.request_id is None or self._warned:
                return
            self._warned = True
        log.warning("%s: %s after submission; request %s may still be billed. Queue the same inputs within "
                    "an hour to collect it.", self.label, self._abandoned_as, self.request_id)

    def _store(self, images: list[bytes], info: dict) -> None:
        self._cache_write(self.cache.store, self.key, images, info)
        self._cache_write(self.cache.forget_pending, self.key)

    def _cache_write(self, action, *args) -> None:
        """The result cache and its journal are a saving, never a reason to lose a paid result."""
        try:
            action(*args)
        except OSError as exc:
            log.warning("%s: the result cache could not be written (%s); the run goes on without it.",
                        self.label, exc)

    def _seed_used(self, info: dict):
        if "seed" not in self.body:
            return None
        if self.body["seed"] != RANDOM_SEED:
            return self.body["seed"]
        return info.get("seed", "not reported by the server")


class _NodeProgress:
    def __init__(self, spec: ModelSpec, node_id: str | None, expected_s: float):
        import comfy.utils

        self.spec, self.node_id, self.expected_s = spec, node_id, max(1.0, expected_s)
        self.bar = comfy.utils.ProgressBar(PROGRESS_STEPS, node_id=node_id)
        self.shown = None

    def show(self, job: RemoteJob) -> None:
        text = f"{job.status} {job.elapsed:.0f}s of ~{self.expected_s:.0f}s" + (
            f" · {job.request_id}" if job.request_id else "")
        if text == self.shown:
            return
        self.shown = text
        # No real progress is reported by the API: from the expected end, never 100% before the result.
        fraction = 1.0 if job.status == "DONE" else min(0.95, job.elapsed / self.expected_s)
        self.bar.update_absolute(int(fraction * PROGRESS_STEPS))
        try:
            from server import PromptServer

            if self.node_id is not None and PromptServer.instance is not None:
                PromptServer.instance.send_progress_text(text, self.node_id)
        except (ImportError, AttributeError):
            pass
