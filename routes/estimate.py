"""The editor asks here what a remote node will cost, as its widgets stand: POST /segmind-flux/estimate
{"node_type": ..., "inputs": {...}} -> {"usd", "text", "billable", "note", "basis"} (routes/server.py). Free,
offline: the estimate comes from money/pricing.py and the observed costs, like the caps' check."""
from __future__ import annotations

from ..client.config import load_settings
from ..client.cache import ResultCache
from ..money.cost_history import CostHistory
from ..money.pricing import AVERAGE_BASIS
from ..money.prompt_cost import any_model_cost, node_cost
from ..specs import MODELS_BY_NODE_ID, any_model
from ..nodes.user_data import data_dir

ESTIMATED_NODES = frozenset(MODELS_BY_NODE_ID) | {any_model.NODE_ID}


def estimate_for_editor(node_type: str, inputs: dict) -> dict:
    settings = load_settings()
    root = data_dir(settings)
    cache = ResultCache(root) if settings.cache_enabled else None
    if node_type == any_model.NODE_ID:
        cost = any_model_cost("editor", inputs, CostHistory(root), cache, root)
        if cost is None:  # the run refuses these parameters before anything is paid: nothing to estimate
            return {"usd": 0.0, "text": "check parameters", "billable": False, "note": "not valid yet",
                    "basis": "none"}
    else:
        cost = node_cost("editor", MODELS_BY_NODE_ID[node_type], inputs, CostHistory(root), cache)
    text = cost.estimate.text() if cost.billable else f"$0 ({cost.note})"
    if cost.billable and cost.estimate.basis == AVERAGE_BASIS:
        text += " Segmind avg"  # not a page's price: Segmind's average over its users' jobs of the model
    return {"usd": cost.usd, "text": text, "billable": cost.billable, "note": cost.note,
            "basis": cost.estimate.basis}
