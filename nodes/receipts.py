"""Receipts in saved images: what each remote node of a prompt made, which ComfyUI's Save Image writes
into the PNG (its `extra_pnginfo`, as a text chunk "segmind"), and which the panel reads back from such a
PNG to collect the job again.

A receipt names the model, its slug, the request id, the seed used, what the job cost, the transport,
the API server (scheme, host and port only) and when the job finished: never the key, nor any value a
server sent that is not one of those fields.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..client.constants import REQUEST_ID_RE
from ..client.state_folder import server_identity
from ..specs import MODELS, ModelSpec, any_model

PNG_KEY = "segmind"
RECEIPT_FORMAT = 1
MAX_RECEIPT_CHARS = 64 * 1024
MAX_JOBS_PER_IMAGE = 64
SLUG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
MAX_NAME_CHARS = 200
RECEIPTS_REMEMBERED = 512
REMOTE_NODE_IDS = frozenset(spec.node_id for spec in MODELS) | {any_model.NODE_ID}


class ReceiptError(ValueError):
    """An image's receipt that cannot be used, said in the user's words."""


def api_server(base_url: str) -> str:
    """The API server as a receipt names it: scheme, host and port (a path or credentials never)."""
    parts = urlsplit(server_identity(base_url))
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def _number(value) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value


def _seed(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def receipt_of(spec: ModelSpec, info: dict, base_url: str) -> dict | None:
    """The receipt of a finished node run (None when the job has no request id to collect it by)."""
    request_id = info.get("request_id")
    if not isinstance(request_id, str) or not REQUEST_ID_RE.match(request_id):
        return None
    return {"model": spec.display_name, "slug": spec.slug, "request_id": request_id, "seed": _seed(info.get("seed")),
            "cost": _number(info.get("cost")), "transport": info.get("transport", "v2"),
            "cached": bool(info.get("cached")), "images": _number(info.get("images")),
            "api": api_server(base_url), "finished_at": _number(info.get("finished_at")) or round(time.time())}


def _chunk(extra_pnginfo: dict) -> dict:
    chunk = extra_pnginfo.get(PNG_KEY)
    if not isinstance(chunk, dict) or chunk.get("format") != RECEIPT_FORMAT or not isinstance(chunk.get("jobs"), dict):
        chunk = extra_pnginfo[PNG_KEY] = {"format": RECEIPT_FORMAT, "jobs": {}}
    return chunk


def set_receipt(extra_pnginfo, node_id, receipt: dict | None) -> None:
    """Puts the node's receipt (None: takes it out) where Save Image nodes of the same prompt write it into
    their PNGs. ComfyUI hands every node of a prompt the same `extra_pnginfo` dict, or None when the client
    sent none and wants no metadata."""
    if not isinstance(extra_pnginfo, dict):
        return
    jobs = _chunk(extra_pnginfo)["jobs"]
    if receipt is None:
        jobs.pop(str(node_id), None)
    else:
        jobs[str(node_id)] = receipt


def _signature(node) -> str | None:
    """A remote node of a prompt as ComfyUI's own cache tells its runs apart: its type and inputs."""
    if not isinstance(node, dict) or node.get("class_type") not in REMOTE_NODE_IDS:
        return None
    text = json.dumps({"class_type": node["class_type"], "inputs": node.get("inputs")}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ReceiptMemory:
    """The receipt of each remote node's last runs, by node id and inputs. When ComfyUI reuses a node's
    output from its own cache (the node does not run: the user only added a Save Image, or changed its
    prefix), the prompt hook puts that run's receipt back, so the images saved now carry it too. A node
    that runs replaces it with its own; one that fails takes it out."""

    def __init__(self, size: int = RECEIPTS_REMEMBERED):
        self.size, self._receipts, self._lock = size, OrderedDict(), threading.Lock()

    def record(self, extra_pnginfo, graph, node_id, receipt: dict | None) -> None:
        set_receipt(extra_pnginfo, node_id, receipt)
        signature = _signature(graph.get(str(node_id))) if isinstance(graph, dict) else None
        if receipt is None or signature is None:
            return
        with self._lock:
            self._receipts[(str(node_id), signature)] = receipt
            self._receipts.move_to_end((str(node_id), signature))
            while len(self._receipts) > self.size:
                self._receipts.popitem(last=False)

    def prefill(self, json_data):
        """ComfyUI's on-prompt hook: a prompt with a remote node gets `extra_pnginfo` if it came without
        (a script through the HTTP API), holding the receipts of the runs ComfyUI may reuse."""
        prompt = json_data.get("prompt") if isinstance(json_data, dict) else None
        if not isinstance(prompt, dict):
            return json_data
        signatures = {str(node_id): _signature(node) for node_id, node in prompt.items()}
        if not any(signatures.values()):
            return json_data
        extra = json_data.setdefault("extra_data", {})
        if not isinstance(extra, dict):
            return json_data
        if extra.get("extra_pnginfo") is None:
            extra["extra_pnginfo"] = {}
        with self._lock:
            known = {node_id: self._receipts.get((node_id, signature)) for node_id, signature in signatures.items()
                     if signature}
        for node_id, receipt in known.items():
            if receipt is not None:
                set_receipt(extra["extra_pnginfo"], node_id, receipt)
        return json_data


@dataclass(frozen=True)
class Receipt:
    node_id: str
    model: str
    slug: str
    request_id: str
    transport: str
    api: str
    finished_at: float | None
    seed: int | None
    cost: float | None


def _text(job: dict, name: str, pattern: re.Pattern | None = None) -> str:
    value = job.get(name)
    if not isinstance(value, str) or not value or len(value) > MAX_NAME_CHARS or (pattern and not pattern.match(value)):
        raise ReceiptError(f"its '{name}' is missing or malformed")
    return value


def read_receipts(text) -> list[Receipt]:
    """The receipts of a PNG's "segmind" chunk (its text, as the image carries it); refuses anything
    else, saying why. A chunk comes from a file the user picked: every field is checked."""
    if not isinstance(text, str) or not text.strip():
        raise ReceiptError("This image carries no Segmind receipt (it was made by another node, or saved "
                           "without metadata).")
    if len(text) > MAX_RECEIPT_CHARS:
        raise ReceiptError(f"The receipt is {len(text)} characters long; at most {MAX_RECEIPT_CHARS} are read.")
    try:
        chunk = json.loads(text)
    except ValueError:
        raise ReceiptError("The image's Segmind receipt is not readable JSON.") from None
    jobs = chunk.get("jobs") if isinstance(chunk, dict) and chunk.get("format") == RECEIPT_FORMAT else None
    if not isinstance(jobs, dict) or not jobs:
        raise ReceiptError(f"The image's Segmind receipt is not one this pack writes (format {RECEIPT_FORMAT}).")
    if len(jobs) > MAX_JOBS_PER_IMAGE:
        raise ReceiptError(f"The receipt names {len(jobs)} jobs; at most {MAX_JOBS_PER_IMAGE} are read.")
    receipts = []
    for node_id, job in jobs.items():
        if not isinstance(job, dict):
            raise ReceiptError(f"The receipt of node #{str(node_id)[:20]} is not an object.")
        try:
            receipts.append(Receipt(str(node_id)[:20], _text(job, "model"), _text(job, "slug", SLUG_RE),
                                    _text(job, "request_id", REQUEST_ID_RE), _text(job, "transport"),
                                    _text(job, "api"), _number(job.get("finished_at")),
                                    _seed(job.get("seed")),
                                    _number(job.get("cost"))))
        except ReceiptError as exc:
            raise ReceiptError(f"The receipt of node #{str(node_id)[:20]} cannot be used: {exc}.") from None
    return receipts
