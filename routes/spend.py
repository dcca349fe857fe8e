"""What the editor's Segmind panel shows, and GET /segmind-flux/spend gives scripts: the balance, today's
spend against the caps, spend per day and per model, and the last jobs. Also the panel's two actions:
a job's thumbnail from the result cache, and collecting a job that was submitted but never collected
(a GET of the finished result: free, and never a new submission)."""
from __future__ import annotations

import datetime
import logging
import os
import re
import time

from ..money.balance import read_balance
from ..client.cache import ResultCache
from ..client.config import ConfigError, load_settings
from ..client.errors import SegmindError
from ..money.job_log import COLLECTED, JOBS_KEPT, RUNNING, SUBMITTED, JobLog
from ..client.jobs import collect_finished
from ..money.pricing import format_usd
from ..money.spend_ledger import SpendLedger
from ..specs import MODELS
from ..nodes.media import decode_result, thumbnail
from ..nodes.user_data import data_dir

log = logging.getLogger("comfyui-segmind-flux")
DAYS_SHOWN, JOBS_SHOWN = 30, 50
THUMBNAIL_SIDE = 96
CACHE_KEY_RE = re.compile(r"^[0-9a-f]{64}$")
MODEL_NAMES = {spec.slug: spec.display_name for spec in MODELS}


class PanelError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _process_alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (OSError, TypeError, ValueError):
        return False
    return True


def _collectable(job: dict, cache: ResultCache | None) -> bool:
    """Submitted, never collected, still on the server (the pending journal keeps exactly those), and not
    running in a live ComfyUI now."""
    key, request_id = job.get("cache_key"), job.get("request_id")
    if cache is None or not request_id or not isinstance(key, str) or not CACHE_KEY_RE.match(key):
        return False
    if job.get("state") in (RUNNING, SUBMITTED) and _process_alive(job.get("pid")):
        return False
    return cache.pending_request_id(key) == request_id


def _money(usd) -> str | None:
    return format_usd(float(usd)) if isinstance(usd, (int, float)) and not isinstance(usd, bool) else None


def _largest_prompt_today(jobs: list[dict]) -> float:
    """What the costliest prompt of today spent (for the per-prompt cap's bar)."""
    midnight = datetime.datetime.combine(datetime.date.today(), datetime.time()).timestamp()
    per_prompt: dict[str, float] = {}
    for job in jobs:
        if (job.get("started_at") or 0) >= midnight and isinstance(job.get("cost"), (int, float)):
            key = str(job.get("prompt_id") or job.get("id"))
            per_prompt[key] = per_prompt.get(key, 0.0) + float(job["cost"])
    return max(per_prompt.values(), default=0.0)


def _job_row(job: dict, cache: ResultCache | None) -> dict:
    key = job.get("cache_key")
    has_image = cache is not None and isinstance(key, str) and bool(CACHE_KEY_RE.match(key)) and cache.has(key)
    running = job.get("state") in (RUNNING, SUBMITTED) and _process_alive(job.get("pid"))
    state = job.get("state")
    if state in (RUNNING, SUBMITTED) and not running:  # its ComfyUI stopped (a crash) before the job ended
        state = "not collected" if job.get("request_id") else "interrupted"
    row = {name: job.get(name) for name in ("id", "started_at", "model", "model_name", "node_id", "node_title",
                                            "estimate", "cost", "duration_s", "request_id", "error", "status",
                                            "prompt_id", "images")}
    return {**row, "state": state, "thumbnail": has_image, "collectable": _collectable(job, cache),
            "estimate_text": _money(job.get("estimate")), "cost_text": _money(job.get("cost"))}


def _balance(settings) -> dict | None:
    if not settings.api_key:
        return None
    try:
        balance = read_balance(settings)
    except SegmindError as exc:
        return {"error": str(exc), "read_at": time.time()}
    return {"credits": balance.credits, "free_credits": balance.free_credits, "read_at": time.time(),
            "credits_text": format_usd(balance.credits), "free_credits_text": format_usd(balance.free_credits)}


def spend_view() -> dict:
    """Runs in a worker thread (files, and the balance over the network)."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        return {"error": str(exc)}
    root = data_dir(settings)
    cache = ResultCache(root) if settings.cache_enabled else None
    try:
        summary = SpendLedger(root).summary(DAYS_SHOWN)
    except (OSError, ValueError) as exc:
        summary = {"days": [], "models": {}, "spent_today": None, "in_flight": None, "ledger_error": str(exc)}
    models = [{"model": slug, "name": MODEL_NAMES.get(slug, slug), "usd": usd, "text": _money(usd)}
              for slug, usd in summary.pop("models").items()]
    for day in summary["days"]:
        day["text"] = _money(day["usd"])
    jobs = JobLog(root).recent(JOBS_KEPT)
    largest = _largest_prompt_today(jobs)
    caps = {"per_prompt": settings.max_spend_per_prompt, "per_day": settings.max_spend_per_day,
            "per_prompt_text": _money(settings.max_spend_per_prompt), "per_day_text": _money(settings.max_spend_per_day),
            "largest_prompt_today": round(largest, 6), "largest_prompt_today_text": _money(largest)}
    return {"base_url": settings.base_url, "balance": _balance(settings), "caps": caps, **summary,
            "spent_today_text": _money(summary["spent_today"]), "in_flight_text": _money(summary["in_flight"]),
            "models": models, "days_shown": DAYS_SHOWN, "jobs": [_job_row(job, cache) for job in jobs[:JOBS_SHOWN]]}


def _job_and_cache(job_id: str):
    settings = load_settings()
    root = data_dir(settings)
    job = JobLog(root).get(str(job_id))
    if job is None:
        raise PanelError(f"No job {str(job_id)[:40]!r} in the jobs list.", 404)
    return settings, root, job, ResultCache(root, settings.cache_max_bytes) if settings.cache_enabled else None


def job_thumbnail(job_id: str) -> bytes:
    _, _, job, cache = _job_and_cache(job_id)
    key = job.get("cache_key")
    stored = cache.load(key) if cache is not None and isinstance(key, str) and CACHE_KEY_RE.match(key) else None
    if not stored:
        raise PanelError("This job has no image in the result cache.", 404)
    return thumbnail(stored[0][0], THUMBNAIL_SIDE)


def collect_job(job_id: str) -> dict:
    """Fetches the finished result of a submitted job into the result cache; sends no new submission."""
    settings, root, job, cache = _job_and_cache(job_id)
    if not _collectable(job, cache):
        raise PanelError("This job has nothing to collect: it finished, is still running, expired (results are "
                         "kept one hour) or the result cache is off.", 409)
    label = f"{job.get('model_name', job.get('model'))} ({job.get('model')})"
    try:
        result = collect_finished(settings, label, str(job.get("model")), job["request_id"], decode_result)
    except SegmindError as exc:
        if exc.status in (404, 422):
            cache.forget_pending(job["cache_key"])  # nothing is left on the server to collect
        raise PanelError(str(exc), 502) from None
    info = {**result.info, "images": len(result.images), "collected_earlier_job": True}
    cache.store(job["cache_key"], result.images, info)
    cache.forget_pending(job["cache_key"])
    log.info("%s: collected request %s from the Segmind panel (no new submission).", label, job["request_id"])
    return JobLog(root).update(job["id"], state=COLLECTED, collected_at=time.time(), images=len(result.images),
                               error=None) or {}
