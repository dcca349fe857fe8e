"""The work a request asks of the server, relative to its page's defaults: images x steps x output
megapixels. A job's length follows it (a 512x512 Schnell job is far shorter than a 1024x1024 one), so the
poll schedule keeps durations per work and expects a job's end from its own work. Plain Python."""
from __future__ import annotations

from typing import Any, Mapping

from .flux3 import video_seconds
from .model import VIDEO, ModelSpec
from .output_count import output_count
from .output_size import output_size

STEP_FIELDS = ("steps", "num_inference_steps", "num_steps")


def _defaults(spec: ModelSpec) -> dict:
    return {param.name: param.default for param in spec.params if hasattr(param, "default")}


def _steps(values: Mapping[str, Any], names: tuple[str, ...]) -> float | None:
    for name in names:
        value = values.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return float(value)
    return None


def _megapixels(values: Mapping[str, Any]) -> float:
    """Output pixels as the body sizes them (a `megapixels` field where the page has one)."""
    try:
        return float(values["megapixels"])
    except (KeyError, TypeError, ValueError):
        width, height = output_size(dict(values))
        return width * height / 1e6


def request_work(spec: ModelSpec, body: Mapping[str, Any]) -> float:
    """1.0 at the page's defaults; rounded so that equal requests compare equal."""
    base = _defaults(spec)
    if spec.output == VIDEO:  # seconds of video, whatever its size (its resolution is upscaled at the end)
        return round(video_seconds(body) / video_seconds(base), 3)
    work = output_count(body) / output_count(base)
    # The model's own step field only: another page's name in a body is no step count of this model.
    names = tuple(name for name in STEP_FIELDS if name in spec.param_names)
    steps, base_steps = _steps(body, names), _steps(base, names)
    if steps and base_steps:
        work *= steps / base_steps
    try:
        work *= _megapixels(body) / _megapixels(base)
    except (ValueError, ZeroDivisionError, TypeError, AttributeError):
        pass  # a size the pack cannot tell before the run: the work of the page's size
    return round(work, 3) if work > 0 else 1.0
