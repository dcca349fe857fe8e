"""The editor asks here what a remote node will cost, as its widgets stand: POST /segmind-flux/estimate
{"node_type": ..., "inputs": {...}} -> {"usd", "text", "billable", "note", "basis"}. Free, offline:
the estimate comes from client/pricing.py and the observed costs, like the caps' check."""
from __future__ import annotations

import asyncio
import logging
import sys

from ..client.config import ConfigError, load_settings
from ..client.cache import ResultCache
from ..client.cost_history import CostHistory
from ..client.prompt_cost import node_cost
from ..specs import MODELS_BY_NODE_ID
from .remote_run import data_dir

log = logging.getLogger("comfyui-segmind-flux")
ESTIMATE_ROUTE = "/segmind-flux/estimate"


def estimate_for_editor(node_type: str, inputs: dict) -> dict:
    spec = MODELS_BY_NODE_ID[node_type]
    settings = load_settings()
    root = data_dir(settings)
    cache = ResultCache(root) if settings.cache_enabled else None
    cost = node_cost("editor", spec, inputs, CostHistory(root), cache)
    text = cost.estimate.text() if cost.billable else f"$0 ({cost.note})"
    return {"usd": cost.usd, "text": text, "billable": cost.billable, "note": cost.note,
            "basis": cost.estimate.basis}


def register_estimate_route() -> None:
    """Inside a running ComfyUI only (its `server` module is loaded before any custom node)."""
    instance = getattr(getattr(sys.modules.get("server"), "PromptServer", None), "instance", None)
    if instance is None or getattr(instance, "_segmind_estimate_route", False):
        return
    from aiohttp import web

    async def estimate(request):
        try:
            data = await request.json()
            node_type, inputs = data["node_type"], data.get("inputs") or {}
            if node_type not in MODELS_BY_NODE_ID or not isinstance(inputs, dict):
                raise KeyError(node_type)
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": "expected {node_type: a Segmind remote node, inputs: {...}}"},
                                     status=400)
        try:
            answer = await asyncio.get_running_loop().run_in_executor(None, estimate_for_editor, node_type, inputs)
        except ConfigError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response(answer)

    instance.routes.post(ESTIMATE_ROUTE)(estimate)
    instance._segmind_estimate_route = True
