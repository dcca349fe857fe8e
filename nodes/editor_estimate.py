"""The editor asks here what a remote node will cost, as its widgets stand: POST /segmind-flux/estimate
{"node_type": ..., "inputs": {...}} -> {"usd", "text", "billable", "note", "basis"} (nodes/routes.py). Free,
offline: the estimate comes from money/pricing.py and the observed costs, like the caps' check."""
from __future__ import annotations

from ..client.config import load_settings
from ..client.cache import ResultCache
from ..money.cost_history import CostHistory
from ..money.prompt_cost import node_cost
from ..specs import MODELS_BY_NODE_ID
from .user_data import data_dir


def estimate_for_editor(node_type: str, inputs: dict) -> dict:
    spec = MODELS_BY_NODE_ID[node_type]
    settings = load_settings()
    root = data_dir(settings)
    cache = ResultCache(root) if settings.cache_enabled else None
    cost = node_cost("editor", spec, inputs, CostHistory(root), cache)
    text = cost.estimate.text() if cost.billable else f"$0 ({cost.note})"
    return {"usd": cost.usd, "text": text, "billable": cost.billable, "note": cost.note,
            "basis": cost.estimate.basis}
