"""What a remote job is expected to cost, in US dollars: the one place that owns the estimate.

A price is the model page's, at the page's default inputs, written in the model's spec (specs/models/).
Per-GPU-second models cost in proportion to the work asked for: `samples`, and `steps` and (where the
page has them) the pixels relative to the page default. Flux.1 Pro is billed per generation. What the
server reported for a model earlier (money/cost_history.py) replaces the page's price per unit of work
once it is known.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from ..specs import ModelSpec
from ..specs.image_params import image_fields, token_size
from ..specs.flux3 import video_seconds
from ..specs.model import CATALOGUE_AVERAGE, PER_GENERATION, PER_MEGAPIXEL, PER_VIDEO_SECOND
from ..specs.output_count import COUNT_FIELDS
from ..specs.output_size import output_size
from ..specs.params import FloatParam, IntParam

# The inputs that change the work of a per-GPU-second job, each relative to its page default.
WORK_INPUTS = (*COUNT_FIELDS, "steps", "width", "height")
# The basis of an estimate from Segmind's average cost of a model (its index), not from a page's price.
AVERAGE_BASIS = "Segmind's average"
# An input image whose size is not known before the run (it arrives over a link) counts as this many
# megapixels: what Flux models are made for; the run counts what the server reports.
UNKNOWN_INPUT_MEGAPIXELS = 1.0


@dataclass(frozen=True)
class Estimate:
    usd: float
    units: float  # work relative to the page's default inputs (1.0 = the page's price applies)
    basis: str  # "page price" or "N earlier jobs"

    def text(self) -> str:
        return f"~{format_usd(self.usd)}"


def format_usd(usd: float) -> str:
    """Cents for a dollar or more, else two to four decimals, so that $0.008 and $0.0085 differ."""
    if usd >= 1:
        return f"${usd:.2f}"
    if usd <= 0:
        return "$0"
    if usd < 0.0001:
        return "<$0.0001"
    whole, cents = f"{usd:.4f}".rstrip("0").split(".")
    return f"${whole}.{cents.ljust(2, '0')}"  # $0.10, not $0.1


def megapixel_units(spec: ModelSpec, values: Mapping[str, Any]) -> float:
    """Megapixels of the output and of every input image: an image token tells its size, an image not known
    yet (None) counts UNKNOWN_INPUT_MEGAPIXELS; a size over a link counts as its maximum."""
    sized = {name: values.get(name) for name in ("width", "height")}
    for name, value in sized.items():
        if name in spec.param_names and not isinstance(value, (int, float)):
            sized[name] = spec.param(name).maximum
    known = {key: value for key, value in {**values, **sized}.items() if value is not None}
    width, height = output_size(known)
    units = width * height / 1e6
    for param in image_fields(spec.params):
        value = values.get(param.name)
        for item in value if isinstance(value, list) else [value] if value is not None else []:
            size = token_size(item)
            units += size[0] * size[1] / 1e6 if size else UNKNOWN_INPUT_MEGAPIXELS
    return units


def generations(spec: ModelSpec, values: Mapping[str, Any]) -> float:
    """The images a per-generation job makes; a count not known yet (a link) counts as its maximum."""
    for name in COUNT_FIELDS:
        if name in spec.param_names:
            param = spec.param(name)  # a field of a model with no typed spec has neither default nor range
            value = values.get(name, getattr(param, "default", 1))
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                value = getattr(param, "maximum", None) or 1
            return float(value)
    return 1.0


def work_units(spec: ModelSpec, values: Mapping[str, Any]) -> float:
    """The job's work relative to the page defaults; a value that is not a number yet (a link) counts
    as the input's maximum, so that an estimate made before the run never comes out low."""
    if spec.price.billed_per == PER_GENERATION:  # a generation is one image: the page's price per image
        return generations(spec, values)
    if spec.price.billed_per == PER_MEGAPIXEL:
        return megapixel_units(spec, values)
    if spec.price.billed_per == PER_VIDEO_SECOND:
        return video_units(spec, values)
    units = 1.0
    for name in WORK_INPUTS:
        try:
            param = spec.param(name)
        except KeyError:
            continue
        if not isinstance(param, (IntParam, FloatParam)) or not param.default:
            continue
        value = values.get(name, param.default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            value = param.maximum
        units *= max(0.0, float(value)) / float(param.default)
    return units


def video_units(spec: ModelSpec, values: Mapping[str, Any]) -> float:
    """Seconds of video times the price of its resolution's second; a resolution not known yet (a link)
    counts as the dearest."""
    factors = dict(spec.price.per_resolution)
    factor = factors.get(values.get("resolution"), max(factors.values(), default=1.0))
    return video_seconds(values) * factor


def estimate(spec: ModelSpec, values: Mapping[str, Any], observed_usd_per_unit: tuple[float, int] | None = None
             ) -> Estimate:
    """The job's expected cost; `observed_usd_per_unit` is (median cost per unit, number of jobs) as the
    server reported it for this model, when known."""
    units = work_units(spec, values)
    if observed_usd_per_unit is not None:
        per_unit, jobs = observed_usd_per_unit
        return Estimate(per_unit * units, units, f"{jobs} earlier job{'s' if jobs != 1 else ''}")
    basis = AVERAGE_BASIS if spec.price.source.startswith(CATALOGUE_AVERAGE) else "page price"
    return Estimate(spec.price.usd * units, units, basis)
