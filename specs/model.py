"""What one Segmind model is: its node id, slug, parameters in page order, its price and how it is billed,
its typical time, its example workflow and example values, and how to validate a body."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .params import Param, SpecValidationError


PER_GPU_SECOND, PER_GENERATION = "gpu-second", "generation"


@dataclass(frozen=True)
class Price:
    usd: float  # at the page's default inputs
    billed_per: str  # PER_GPU_SECOND: grows with the work asked for; PER_GENERATION: flat per image
    source: str  # where the figure was read

    def __post_init__(self):
        if self.billed_per not in (PER_GPU_SECOND, PER_GENERATION) or not self.usd > 0:
            raise ValueError(f"price {self.usd!r} per {self.billed_per!r}: a positive USD figure per "
                             f"{PER_GPU_SECOND!r} or {PER_GENERATION!r}")


@dataclass(frozen=True)
class ModelSpec:
    node_id: str  # a public contract: saved workflows name it
    display_name: str
    slug: str
    description: str
    params: Sequence[Param]
    page: str  # the file under shared/segmind-api/ this spec was taken from
    price: Price
    # Seconds a job typically takes, from the page: used to size time-outs and poll cadence.
    typical_seconds: float
    workflow: str  # the example workflow's file name (workflows/<workflow>.json), without .json
    # Valid values that differ from every default: what the end-to-end tests send and check.
    example: Mapping[str, Any]
    trigger_word: str | None = None  # the word a LoRA model's prompt must contain

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(param.name for param in self.params)

    def build_body(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Validate every page parameter and return the JSON body, in page order.

        Every parameter is sent, the optional ones too: the node shows a value, so the server must
        use that value rather than a default of its own that might differ.
        """
        unknown = sorted(set(values) - set(self.param_names))
        if unknown:
            raise SpecValidationError(f"{self.node_id}: unknown input(s) {', '.join(unknown)}.")
        body = {}
        for param in self.params:
            if param.name not in values:
                raise SpecValidationError(f"{self.node_id}: input '{param.name}' is missing.")
            body[param.name] = param.validate(values[param.name], self.node_id)
        return body
