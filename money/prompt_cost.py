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
from ..specs import any_model
from ..specs.image_params import ImageListParam, image_fields
from ..specs.segmind_index import bundled_index
from ..client.cache import ResultCache, cache_key
from ..client.model_index import retired_slugs, saved_index
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


def any_model_cost(node_id: str, inputs: dict, history: CostHistory | None, cache: ResultCache | None,
                   root: Path | None) -> NodeCost | None:
    """The node for any catalogue model: its typed spec's estimate, else Segmind's average for the model;
    a model over a link counts as the dearest of the catalogue. None: parameters the run will refuse."""
    index = saved_index(root) if root is not None else bundled_index()
    slug, text = inputs.get("model"), inputs.get(any_model.PARAMETERS)
    if _is_link(slug):
        dearest = max((model for model in index.models if model.avg_cost_usd), key=lambda model: model.avg_cost_usd)
        slug, text = dearest.slug, "{}"
    connected = {socket for socket in any_model.SOCKETS if _is_link(inputs.get(socket))}
    try:
        values = any_model.parse_parameters("{}" if _is_link(text) else text)
        refs = any_model.check_references(values, connected) if not _is_link(text) else {}
        spec = any_model.job_spec(str(slug), index, values, refs, retired_slugs(root) if root else ())
    except SpecValidationError:
        return None
    values = any_model.job_values(spec, values, refs, {})
    for param in image_fields(spec.params):  # a list of images not known yet: one unknown image each
        if isinstance(values.get(param.name), dict):
            values[param.name] = list(values[param.name].values())
    expected = estimate(spec, values, history.usd_per_unit(spec.slug) if history else None)
    paid = _already_paid(spec, inputs, values, cache)
    return NodeCost(str(node_id), spec, expected, billable=not paid, note=paid)


def prompt_costs(prompt: dict, root: Path | None, cache_enabled: bool = True) -> list[NodeCost]:
    """Every remote node of the prompt with its estimate; `root` is the result cache's folder."""
    history = CostHistory(root) if root is not None else None
    cache = ResultCache(root) if root is not None and cache_enabled else None
    costs = []
    for node_id, node in prompt.items() if isinstance(prompt, dict) else ():
        inputs = node.get("inputs") if isinstance(node, dict) else None
        if not isinstance(inputs, dict):
            continue
        spec = MODELS_BY_NODE_ID.get(node.get("class_type"))
        if spec is not None:
            costs.append(node_cost(node_id, spec, inputs, history, cache))
        elif node.get("class_type") == any_model.NODE_ID:
            cost = any_model_cost(node_id, inputs, history, cache, root)
            costs += [cost] if cost else []
    return costs


def total_usd(costs: list[NodeCost]) -> float:
    return sum(cost.usd for cost in costs)


def describe(costs: list[NodeCost]) -> str:
    return "; ".join(cost.line() for cost in costs) + f". Total ~{format_usd(total_usd(costs))}."
