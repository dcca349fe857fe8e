"""Collecting again the jobs that a saved image's (or video's) receipt names (the panel's "Collect from a saved
file", POST /segmind-flux/collect-receipt): each finished result is fetched with GETs only (free, never a new
submission) and saved as Segmind sent it into ComfyUI's output folder, where /view serves it."""
from __future__ import annotations

import logging
import re
import time
from pathlib import Path

from ..client.config import Settings, load_settings
from ..client.errors import SegmindError, missing_key_error
from ..client.jobs import collect_finished
from ..money.balance import ACCOUNT_LABEL
from ..nodes.media import decode_result, file_extensions
from ..nodes.receipts import Receipt, api_server, read_receipts

log = logging.getLogger("comfyui-segmind-flux")
OUTPUT_SUBFOLDER = "segmind-collected"
RESULTS_KEPT_S = 3600  # Segmind keeps a finished job's result for an hour
UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._-]")


def _output_folder() -> Path:
    import folder_paths  # ComfyUI's; imported here so the pack imports without it

    return Path(folder_paths.get_output_directory()) / OUTPUT_SUBFOLDER


def _saved(images: list[bytes], receipt: Receipt) -> list[dict]:
    """The images (or the video) as Segmind sent them (no re-encoding), named by model and request; collecting
    the same job twice writes the same files."""
    folder = _output_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stem = UNSAFE_FILE_CHARS.sub("_", f"{receipt.slug}_{receipt.request_id}")
    files = []
    for number, (data, extension) in enumerate(zip(images, file_extensions(images)), start=1):
        name = f"{stem}_{number}.{extension}"
        (folder / name).write_bytes(data)
        files.append({"filename": name, "subfolder": OUTPUT_SUBFOLDER, "type": "output"})
    return files


def _age_hint(receipt: Receipt) -> str:
    age = time.time() - receipt.finished_at if receipt.finished_at is not None else 0.0
    if age <= RESULTS_KEPT_S:
        return ""
    return f" The job finished {age / 3600:.1f} hours ago; Segmind keeps results for one hour."


def _collect_one(settings: Settings, receipt: Receipt) -> dict:
    row = {"node_id": receipt.node_id, "model": receipt.model, "slug": receipt.slug,
           "request_id": receipt.request_id, "seed": receipt.seed, "cost": receipt.cost,
           "finished_at": receipt.finished_at}
    here = api_server(settings.base_url)
    if receipt.transport != "v2":
        return {**row, "error": "This job ran over the v1 transport, which keeps no result to collect again."}
    if receipt.api != here:
        return {**row, "error": f"This job ran on {receipt.api}; the pack now talks to {here}. Point "
                                "SEGMIND_BASE_URL at that server to collect it."}
    label = f"{receipt.model} ({receipt.slug})"
    try:
        result = collect_finished(settings, label, receipt.slug, receipt.request_id, decode_result)
    except SegmindError as exc:
        return {**row, "error": f"{exc}{_age_hint(receipt)}"}
    log.info("%s: collected request %s again from a saved image's receipt (no new submission).", label,
             receipt.request_id)
    return {**row, "images": _saved(result.images, receipt)}


def collect_receipts(text) -> dict:
    """Runs in a worker thread. Refuses a receipt that cannot be used (ReceiptError); a job that cannot be
    collected has its reason in its row."""
    receipts = read_receipts(text)
    settings = load_settings()
    if not settings.api_key:
        return {"jobs": [], "error": str(missing_key_error(ACCOUNT_LABEL))}
    return {"jobs": [_collect_one(settings, receipt) for receipt in receipts]}
