"""What one Segmind model is: its node id, slug, parameters in page order, its price and how it is billed,
its typical time, its example workflow and example values, and how to validate a body."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Sequence

from .image_params import ImageListParam, check_masks, is_image_field
from .params import Param, SpecValidationError


PER_GPU_SECOND, PER_GENERATION, PER_MEGAPIXEL = "gpu-second", "generation", "megapixel"
# A video's seconds of output at its lowest resolution (specs/flux3.py says how a request counts them).
PER_VIDEO_SECOND = "video-second"
# What a job gives ComfyUI: an IMAGE batch, or one VIDEO (its sound kept).
IMAGES, VIDEO = "images", "video"
# How long a job may take before the node gives up (the request id is reported for a later collect): the
# SDK's 600 s; a video job gets the 900 s of Segmind's video pages (`job.wait(timeout=900)`).
DEADLINE_S = {IMAGES: 600.0, VIDEO: 900.0}
# The source of a price that is Segmind's average over its users' jobs (its index), not a page's price.
CATALOGUE_AVERAGE = "Segmind's average per job"


@dataclass(frozen=True)
class Price:
    usd: float  # at the page's default inputs
    # PER_GPU_SECOND: grows with the work asked for; PER_GENERATION: flat per image; PER_MEGAPIXEL: grows with
    # the megapixels of the output and of the input images (`usd`: a one-megapixel job without inputs);
    # PER_VIDEO_SECOND: per second of video at the lowest resolution (`usd`: one such second)
    billed_per: str
    source: str  # where the figure was read
    # PER_VIDEO_SECOND: (value of the request's `resolution`, price of its second relative to `usd`)
    per_resolution: tuple[tuple[str, float], ...] = ()

    def __post_init__(self):
        units = (PER_GPU_SECOND, PER_GENERATION, PER_MEGAPIXEL, PER_VIDEO_SECOND)
        if self.billed_per not in units or not self.usd > 0:
            raise ValueError(f"price {self.usd!r} per {self.billed_per!r}: a positive USD figure per one of "
                             f"{', '.join(units)}")


@dataclass(frozen=True)
class ModelSpec:
    node_id: str  # a public contract: saved workflows name it
    display_name: str
    slug: str
    description: str
    params: Sequence[Param]
    page: str  # the public page this spec was taken from (its facts: tests/page_sheets/<slug>.md)
    price: Price
    # Seconds a job typically takes, from the page: used to size time-outs and poll cadence.
    typical_seconds: float
    workflow: str  # the example workflow's file name (workflows/<workflow>.json), without .json
    # Valid values that differ from every default: what the end-to-end tests send and check.
    example: Mapping[str, Any]
    trigger_word: str | None = None  # the word a LoRA model's prompt must contain
    # Inputs that pick the model rather than fill the body (a fine-tune's slug and trigger word), before
    # the page parameters, and how they pick it: (this spec, their values) -> the spec the job runs.
    model_inputs: Sequence[Param] = ()
    choose: Callable[["ModelSpec", Mapping[str, Any]], "ModelSpec"] | None = None
    adds_trigger: bool = False  # a prompt without the trigger word gets it in front
    # Rules that tie fields together (specs/checks.py): (node id, body) -> raises SpecValidationError.
    checks: Sequence[Callable[[str, dict], None]] = ()
    output: str = IMAGES  # IMAGES or VIDEO: the node's first output
    # False: the fields are upstream's (Black Forest Labs' for FLUX 3), not seen on a stored Segmind page; a
    # refusal then points to the node for any model, which sends the fields the page shows.
    fields_confirmed: bool = True

    @property
    def deadline_seconds(self) -> float:
        return DEADLINE_S[self.output]

    def chosen(self, values: Mapping[str, Any]) -> "ModelSpec":
        """The spec a node with these `model_inputs` values runs (validated; this spec when it has none)."""
        if self.choose is None:
            return self
        picked = {param.name: param.validate(values.get(param.name, getattr(param, "default", None)), self.node_id)
                  for param in self.model_inputs}
        return self.choose(self, picked)

    def variant(self, **changes) -> "ModelSpec":
        return replace(self, choose=None, model_inputs=(), **changes)

    def with_trigger(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The body (or values) with the trigger word put in front of a prompt that lacks it (a chosen
        fine-tune's); applied to a body already checked, so that a refusal names the prompt as typed."""
        prompt, trigger = values.get("prompt"), self.trigger_word
        if not (self.adds_trigger and trigger and isinstance(prompt, str) and prompt.strip()) or \
                trigger.lower() in prompt.lower():
            return dict(values)
        return {**values, "prompt": f"{trigger} {prompt}"}

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
            if is_image_field(param) and not param.required and values[param.name] in (None, {}, []):
                if isinstance(param, ImageListParam) and param.when_empty == "send":
                    body[param.name] = []
                continue  # an optional image left unconnected: the page's default (none) applies
            body[param.name] = param.validate(values[param.name], self.node_id)
        check_masks(self.params, body, self.node_id)
        for check in self.checks:
            check(self.node_id, body)
        return body
