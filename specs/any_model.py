"""The node for any model of the catalogue (specs/segmind_index.py): the model by its slug, its request as
one JSON object, and images that the object names where they go: a value "{image_1}" (or a list of them,
["{image_1}", "{image_2}"]) is the image on that input, "{mask}" the mask, "{video}" the video. A video
model's answer comes out as a VIDEO (and its first frame as the images). A model with a typed spec is
checked by that spec (its defaults fill what the object leaves out); any other model's fields go as given,
and Segmind refuses what it does not take (a refused job is not billed). Its price is Segmind's average
for the model, marked as such. Plain Python: no comfy, no torch."""
from __future__ import annotations

import json
import re
from typing import Any, Mapping

from .catalog import MODELS
from .image_params import URI, ImageListParam, ImageParam, MaskParam, is_image_field
from .flux3 import FLUX3_TYPICAL_SECONDS
from .model import CATALOGUE_AVERAGE, IMAGES, PER_GENERATION, VIDEO, ModelSpec, Price
from .params import Param, SpecValidationError, shown
from .segmind_index import IndexedModel, ModelIndex
from .video_params import VideoParam

NODE_ID = "SegmindFluxAnyModel"
PARAMETERS = "parameters"
IMAGE_SOCKETS = ("image_1", "image_2", "image_3", "image_4")
MASK_SOCKET, VIDEO_SOCKET = "mask", "video"
SOCKETS = IMAGE_SOCKETS + (MASK_SOCKET, VIDEO_SOCKET)
REFERENCE = re.compile(r"^\{(image_[1-4]|mask|video)\}$")
SOCKET_KINDS = {MASK_SOCKET: "MASK", VIDEO_SOCKET: "VIDEO"}  # the others: IMAGE
EXAMPLE_PARAMETERS = '{"prompt": "a red fox in fresh snow, soft morning light"}'
# A model whose index row shows no average latency (too new to have one) is expected to take this long.
UNKNOWN_LATENCY_S = 60.0
# Typed specs by slug (the fine-tune node picks its slug by other inputs: it is no catalogue model).
TYPED = {spec.slug: spec for spec in MODELS if not spec.model_inputs}


class PassThroughParam(Param):
    """A field the pack knows nothing about: sent as the JSON object gives it."""

    def validate(self, value: Any, node: str) -> Any:
        return value


def parse_parameters(text: Any, node: str = NODE_ID) -> dict:
    """The request object as typed in the node, or a refusal that says what was wrong."""
    if isinstance(text, dict):
        return dict(text)
    if not isinstance(text, str):
        raise SpecValidationError(f"{node}: input '{PARAMETERS}' must be a JSON object as text; got {shown(text)}.")
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise SpecValidationError(f"{node}: input '{PARAMETERS}' is not valid JSON ({exc.msg} at line "
                                  f"{exc.lineno}, column {exc.colno}); write one object such as "
                                  f"{EXAMPLE_PARAMETERS}.") from None
    if not isinstance(value, dict):
        raise SpecValidationError(f"{node}: input '{PARAMETERS}' must be a JSON object ({{...}}); got "
                                  f"{shown(value)}.")
    return value


def references(values: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """field -> the socket (or sockets, for a list) its value names; fields of plain values are left out."""
    found = {}
    for name, value in values.items():
        if isinstance(value, str) and REFERENCE.match(value):
            found[name] = REFERENCE.match(value).group(1)
        elif isinstance(value, list) and value and all(isinstance(item, str) and REFERENCE.match(item)
                                                       for item in value):
            found[name] = [REFERENCE.match(item).group(1) for item in value]
    return found


def check_references(values: Mapping[str, Any], connected: set[str], node: str = NODE_ID) -> dict:
    """Every connected image named by a field, every named image connected: the references, checked."""
    refs = references(values)
    named = [socket for sockets in refs.values() for socket in (sockets if isinstance(sockets, list) else [sockets])]
    for field, sockets in refs.items():
        for socket in sockets if isinstance(sockets, list) else [sockets]:
            if socket not in connected:
                raise SpecValidationError(f"{node}: '{PARAMETERS}' puts {{{socket}}} into '{field}', but nothing is "
                                          f"connected to input '{socket}': connect a "
                                          f"{SOCKET_KINDS.get(socket, 'IMAGE')} there or remove it.")
        for single in (MASK_SOCKET, VIDEO_SOCKET):
            if isinstance(sockets, list) and single in sockets:
                raise SpecValidationError(f"{node}: '{field}' lists {{{single}}}: a {single} goes into a field of "
                                          "its own.")
    for socket in sorted(connected - set(named)):
        raise SpecValidationError(f"{node}: input '{socket}' is connected but no field of '{PARAMETERS}' names it: "
                                  f"write \"{{{socket}}}\" as the value of the request field it fills, e.g. "
                                  f"{{\"image\": \"{{{socket}}}\"}}.")
    return refs


def _catalogue_price(model: IndexedModel, index: ModelIndex) -> Price:
    if not model.avg_cost_usd:
        raise SpecValidationError(f"{NODE_ID}: Segmind's index of {index.date} shows no average cost for "
                                  f"'{model.slug}', so the pack cannot estimate or cap its jobs; refresh the "
                                  f"catalogue, or use a typed node.")
    return Price(model.avg_cost_usd, PER_GENERATION, f"{CATALOGUE_AVERAGE} (index of {index.date})")


def _untyped_params(values: Mapping[str, Any], refs: Mapping[str, Any]) -> tuple[Param, ...]:
    params = []
    for name in values:
        sockets = refs.get(name)
        about = f"'{name}', as the parameters give it"
        if isinstance(sockets, list):
            params.append(ImageListParam(name, about, sends=URI, slots=len(IMAGE_SOCKETS)))
        elif sockets == MASK_SOCKET:
            params.append(MaskParam(name, about, sends=URI))
        elif sockets == VIDEO_SOCKET:
            params.append(VideoParam(name, about, sends=URI))
        elif sockets:
            params.append(ImageParam(name, about, sends=URI))
        else:
            params.append(PassThroughParam(name, about))
    return tuple(params)


def job_spec(slug: str, index: ModelIndex, values: Mapping[str, Any], refs: Mapping[str, Any],
             retired: tuple[str, ...] = ()) -> ModelSpec:
    """The spec one job of the node runs: the typed spec of the slug, else one made from the index row
    and the fields the parameters give."""
    typed = TYPED.get(slug)
    # A typed spec whose fields are not confirmed on Segmind's page checks only a request in its own fields:
    # other fields go as given (the way round a field Segmind names otherwise).
    if typed is not None and (typed.fields_confirmed or set(values) <= set(typed.param_names)):
        return typed.variant(node_id=NODE_ID, fields_confirmed=True)
    model = index.by_slug().get(slug)
    if model is None:
        state = "retired by Segmind" if slug in retired else "not in Segmind's index"
        raise SpecValidationError(f"{NODE_ID}: model '{slug}' is {state} (catalogue of {index.date}): pick "
                                  f"another model, or refresh the catalogue.")
    video = is_video_model(model)
    return ModelSpec(node_id=NODE_ID, display_name=model.title, slug=slug, description=model.description,
                     params=_untyped_params(values, refs), page=f"https://www.segmind.com/models/{slug}/api",
                     price=_catalogue_price(model, index), output=VIDEO if video else IMAGES,
                     typical_seconds=model.avg_latency_s or (FLUX3_TYPICAL_SECONDS if video else UNKNOWN_LATENCY_S),
                     workflow="segmind_flux_any_model", example={})


def is_video_model(model: IndexedModel) -> bool:
    """The index's modality says it (Text-to-Video Generation, videoToVideo, ...): its answer is an MP4."""
    return "video" in model.modality.lower()


def job_values(spec: ModelSpec, values: Mapping[str, Any], refs: Mapping[str, Any],
               images: Mapping[str, Any]) -> dict:
    """The values `spec.build_body` takes: each reference replaced by the encoded images of its socket(s)
    (None where not known yet), a typed spec's defaults for the fields the parameters leave out."""
    out = {param.name: None if is_image_field(param) else getattr(param, "default", None) for param in spec.params
           if param.name not in values}
    for name, value in values.items():
        sockets = refs.get(name)
        if isinstance(sockets, list):
            out[name] = {socket: images.get(socket) for socket in sockets}
        elif sockets:
            out[name] = images.get(sockets)
        else:
            out[name] = value
    return out
