"""What one Segmind model is: its node id, slug, parameters in page order, and how to validate a body."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .params import Param, SpecValidationError


@dataclass(frozen=True)
class ModelSpec:
    node_id: str
    display_name: str
    slug: str
    description: str
    params: Sequence[Param]
    page: str  # the file under shared/segmind-api/ this spec was taken from
    # Seconds a job typically takes, from the page: used to size time-outs and poll cadence.
    typical_seconds: float = 20.0

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
