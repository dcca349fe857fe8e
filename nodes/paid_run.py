"""One remote node's run as the money sees it: admitted by the prompt's budget, run, counted, and turned
into a placeholder when the job fails and the node asks for one."""
from __future__ import annotations

import asyncio
import logging

from ..client.config import load_settings
from ..client.errors import SegmindCancelled, SegmindError, missing_key_error
from ..money.pricing import format_usd
from ..specs import ModelSpec
from ..specs.flux3 import video_seconds, video_size
from ..specs.model import VIDEO
from ..specs.output_count import output_count
from ..specs.output_size import output_size
from .job_journal import NodeJournal
from .receipts import receipt_of, set_receipt
from .remote_job import RemoteJob, info_text
from .videos import placeholder_video
from .user_data import data_dir
from ..money.billing import billing_of
from ..money.budget import NodeSpend, SpendRefused, settle

log = logging.getLogger("comfyui-segmind-flux")
PLACEHOLDER_GREY = 0.5
# Failures of the account, not of the job: a placeholder would hide them behind grey images.
ACCOUNT_STATUSES = (401, 403, 406)
# A request Segmind refused (a field it does not take), not billed.
REFUSED_REQUEST_STATUSES = (400, 422)


def current_prompt_id() -> str | None:
    try:
        from comfy_execution.utils import get_executing_context  # ComfyUI 0.3.4x and newer
    except ImportError:
        return None
    context = get_executing_context()
    return context.prompt_id if context is not None else None


def with_unconfirmed_fields_advice(spec: ModelSpec, exc: SegmindError) -> SegmindError:
    """A model whose fields are upstream's (FLUX 3): a refused request says where to send the page's own."""
    if spec.fields_confirmed or exc.status not in REFUSED_REQUEST_STATUSES:
        return exc
    advice = (f"{exc.advice} This node sends Black Forest Labs' field names, which Segmind's page may name "
              f"otherwise: Segmind's reason above names the field; the node for any catalogue model "
              f"(SegmindFluxAnyModel, model '{spec.slug}') sends the fields you write.")
    return SegmindError(exc.model, exc.problem, advice, exc.status, exc.reason, exc.request_id)


def placeholder_images(body: dict):
    """A neutral grey batch of the size and count the job asked for."""
    import torch

    width, height = output_size(body)
    return torch.full((output_count(body), height, width, 3), PLACEHOLDER_GREY, dtype=torch.float32)


def placeholder_of(spec: ModelSpec, body: dict) -> tuple[object, dict]:
    """(the stand-in output, what the info says of it): grey images, or a silent grey clip of the asked length."""
    if spec.output == VIDEO:
        return placeholder_video(*video_size(body), video_seconds(body)), {"videos": 1}
    return placeholder_images(body), {"images": output_count(body)}


def _money_line(label: str, info: dict) -> str:
    parts = [f"{label}: {_badge_text(info)}", f"estimated ~{format_usd(info['estimated_cost'])}"]
    if isinstance(info.get("remaining_credits"), (int, float)):
        parts.append(f"remaining credits {format_usd(info['remaining_credits'])}")
    return "; ".join(parts)


def _with_money(info: dict, spend: NodeSpend, spent_today: float | None) -> dict:
    return {**info, "estimated_cost": round(spend.cost.estimate.usd, 6),
            "spent_today": round(spent_today, 6) if spent_today is not None else None}


def _badge_text(info: dict) -> str:
    """What the node shows after the run (web/segmind_flux.js draws it as it is)."""
    if info.get("failed"):
        return "failed · placeholder"
    if info.get("cached") or info.get("collected_earlier_job"):
        return ("cached" if info.get("cached") else "collected") + " · $0"
    cost, today = info.get("cost"), info.get("spent_today")
    if isinstance(cost, (int, float)):
        paid = format_usd(cost)
    else:
        paid = f"~{format_usd(info['estimated_cost'])} (not reported)"
    return f"paid {paid}" + (f" · today {format_usd(today)}" if today is not None else "")


def _node_result(images, info: dict) -> dict:
    """The outputs, and a summary the pack's editor extension shows on the node after the run."""
    # request_id and seed: what a batch's results file records for the row (scripts/batch_run.py).
    summary = {key: info.get(key) for key in ("estimated_cost", "cost", "spent_today", "cached", "failed",
                                              "request_id", "seed", "reason")}
    return {"ui": {"segmind_cost": [{**summary, "text": _badge_text(info)}]}, "result": (images, info_text(info))}


async def run_paid(runtime, spec: ModelSpec, body: dict, transport: str, force_refresh: bool, on_failure: str,
                   node_id: str | None, graph: dict | None, attachments: dict | None = None,
                   pnginfo: dict | None = None) -> dict:
    """`attachments`: the input images the body names by token (nodes/image_inputs.py); `pnginfo`: the
    prompt's extra_pnginfo, where a finished job leaves its receipt for saved images (nodes/receipts.py)."""
    settings = load_settings()  # a bad cap is an error here, naming the setting
    root = data_dir(settings)
    set_receipt(pnginfo, node_id, None)  # the receipt of an earlier run stands for this node no more
    label = f"{spec.display_name} ({spec.slug})"
    prompt_id = current_prompt_id()
    journal = NodeJournal(root, spec, node_id, prompt_id, graph, transport)
    try:
        spend = await runtime.budgets.admit(spec, node_id, prompt_id, graph, body, settings, root)
    except SpendRefused as exc:
        await asyncio.to_thread(journal.refused, getattr(exc, "estimate_usd", 0.0), str(exc))
        raise
    await asyncio.to_thread(journal.start, spend.cost.usd)
    job = RemoteJob(runtime, spec, body, transport, node_id, settings, root, on_submitted=journal.submitted,
                    attachments=attachments)
    if spend.cost.billable and not settings.api_key:
        error = missing_key_error(label)
        await asyncio.to_thread(settle, spend, spec, body, root, billing_of(submitted=False))  # give its part back
        await asyncio.to_thread(journal.failed, 0.0, str(error), None, None, False)
        raise error
    try:
        outcome = await job.run(force_refresh)
    except SegmindError as refused:
        exc = with_unconfirmed_fields_advice(spec, refused)
        billing = billing_of(job.submitted, error_status=exc.status)
        spent_today = await asyncio.to_thread(settle, spend, spec, body, root, billing)
        cancelled = isinstance(exc, SegmindCancelled)
        await asyncio.to_thread(journal.failed, spend.spent, str(exc), exc.status, exc.request_id, cancelled)
        info = _with_money({"model": spec.slug, "failed": True, "reason": str(exc), "status": exc.status,
                            "request_id": exc.request_id, "cached": False}, spend, spent_today)
        if on_failure != "placeholder" or cancelled or exc.status in ACCOUNT_STATUSES:
            log.info(_money_line(label, info))
            if exc is refused:
                raise
            raise exc from None
        placeholder, counts = placeholder_of(spec, body)
        log.warning("%s: the job failed; a grey placeholder stands in for its %s (on_failure=placeholder). %s",
                    label, "video" if spec.output == VIDEO else f"{output_count(body)} image(s)", exc)
        log.info(_money_line(label, info))
        return _node_result(placeholder, {**info, **counts})
    except BaseException:  # a cancel, or ComfyUI stopping the prompt: count what may have been billed
        # No await: the task is being cancelled.
        settle(spend, spec, body, root, billing_of(job.submitted))
        journal.failed(spend.spent, "Cancelled.", None, None, cancelled=True)
        raise
    spent_today = await asyncio.to_thread(settle, spend, spec, body, root, billing_of(True, info=outcome.info))
    await asyncio.to_thread(journal.finished, outcome.info, spend.spent, job.key if job.cache is not None else None)
    info = _with_money(outcome.info, spend, spent_today)
    log.info(_money_line(label, info))
    runtime.receipts.record(pnginfo, graph, node_id, receipt_of(spec, info, settings.base_url))
    return _node_result(outcome.images, info)
