"""What each remote node of an API-format prompt is expected to cost, before anything is sent.

Used once per prompt inside ComfyUI (caps and the balance check) and by `run-workflow --dry-run`. A node
whose exact inputs were already paid for (the result cache) or whose earlier submission is still to be
collected costs nothing; a value that arrives over a link is not known yet and counts at its maximum.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..specs import MODELS_BY_NODE_ID, ModelSpec, SpecValidationError
from ..specs.image_params import ImageListParam, image_fields
from ..client.cache import ResultCache, cache_key
from .cost_history import CostHistory
from .pricing import Estimate, estimate, format_usd


@dataclass(frozen=True)
class NodeCost:
    node_id: str
    spec: ModelSpec
    estimate: Estimate
    billable: bool  # False: served from the result cache, or collects an earlier job
    note: str = ""

    @property
    def usd(self) -> float:
        return self.estimate.usd if self.billable else 0.0

    def line(self) -> str:
        cost = self.estimate.text() if self.billable else f"$0 ({self.note})"
        return f"#{self.node_id} {self.spec.display_name}: {cost}"


def _is_link(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[1], int)


def node_values(spec: ModelSpec, inputs: dict) -> dict[str, Any]:
    """The page values as the node will send them; a linked value is None (not known before the run), and
    a list of images one None per connected socket."""
    values = {p.name: None if _is_link(inputs.get(p.name)) else inputs.get(p.name, getattr(p, "default", None))
              for p in spec.params}
    for param in image_fields(spec.params):
        if isinstance(param, ImageListParam):
            values[param.name] = [None for socket in param.sockets() if _is_link(inputs.get(socket))]
    return values


def _already_paid(spec: ModelSpec, inputs: dict, values: dict, cache: ResultCache | None) -> str:
    if cache is None or inputs.get("force_refresh") is True or any(v is None for v in values.values()):
        return ""
    try:
        key = cache_key(spec.slug, spec.with_trigger(spec.build_body(values)))
    except SpecValidationError:
        return ""
    if cache.has(key):
        return "in the result cache"
    if inputs.get("transport", "v2") == "v2" and cache.pending_request_id(key):
        return "collects an earlier job"
    return ""


def _chosen(spec: ModelSpec, inputs: dict) -> ModelSpec | None:
    """The model a node's own inputs pick (a fine-tune's slug); None while one of them is not known yet."""
    if any(_is_link(inputs.get(param.name)) for param in spec.model_inputs):
        return None
    try:
        return spec.chosen(inputs)
    except SpecValidationError:
        return None


def node_cost(node_id: str, spec: ModelSpec, inputs: dict, history: CostHistory | None,
              cache: ResultCache | None) -> NodeCost:
    values = node_values(spec, inputs)
    chosen = _chosen(spec, inputs)
    expected = estimate(spec, values, history.usd_per_unit((chosen or spec).slug) if history else None)
    paid = _already_paid(chosen, inputs, values, cache) if chosen else ""
    return NodeCost(str(node_id), spec, expected, billable=not paid, note=paid)


def prompt_costs(prompt: dict, root: Path | None, cache_enabled: bool = True) -> list[NodeCost]:
    """Every remote node of the prompt with its estimate; `root` is the result cache's folder."""
    history = CostHistory(root) if root is not None else None
    cache = ResultCache(root) if root is not None and cache_enabled else None
    costs = []
    for node_id, node in prompt.items() if isinstance(prompt, dict) else ():
        spec = MODELS_BY_NODE_ID.get(node.get("class_type")) if isinstance(node, dict) else None
        if spec is not None and isinstance(node.get("inputs"), dict):
            costs.append(node_cost(node_id, spec, node["inputs"], history, cache))
    return costs


def total_usd(costs: list[NodeCost]) -> float:
    return sum(cost.usd for cost in costs)


def describe(costs: list[NodeCost]) -> str:
    return "; ".join(cost.line() for cost in costs) + f". Total ~{format_usd(total_usd(costs))}."
