"""The local twins: the remote models' parameters, run on the user's GPU through ComfyUI's samplers."""
from __future__ import annotations

import importlib.util
import logging
import random

from ..samplers.flux_pipeline import SamplingRequest, generate
from ..samplers.names import comfy_sampler_name, comfy_scheduler_name, unsupported_names
from ..specs import LOCAL_TWINS, RANDOM_SEED
from ..specs.choices import aspect_ratio_size
from ..specs.local import DEFAULT_FLUX_GUIDANCE, REDUX, LocalTwin
from ..specs.output_count import COUNT_FIELDS, output_count
from ..specs.output_size import MATCH_INPUT
from ..specs.params import SEED_MAX, SpecValidationError, widget_problems
from .local_checks import check_flux_inputs, check_redux_models
from .local_images import SIZED_BY_INPUT, checked_links, image_graph, megapixels, scaled_size, sized_input
from .local_lora import LORA_FILE, apply_lora
from .prompt_check import HIDDEN_REFUSED_INPUT, WidgetRules, refusals

log = logging.getLogger("comfyui-segmind-flux")
CATEGORY = "segmind/flux/local"
SAMPLES_TOOLTIP = (" Image k of the batch is exactly a single run with seed + k, so any one image can be "
                   "made again on its own.")
MEGAPIXELS_BY_INPUT_TOOLTIP = (" Here: a number from 0.01 to 4 scales the input image to about that many megapixels "
                               "first (sides multiples of 16, lanczos), as the server sizes its output; match_input "
                               "keeps its size.")


def _strength_tooltip(twin: LocalTwin, text: str) -> str:
    if twin.strength_without_image:
        return text + " With an input image: how much of it is redrawn (1 = all of it)."
    return text + " Used with an input image only: how much of it is redrawn (1 = all of it)."


def _input_spec(twin: LocalTwin, param):
    kind, options = param.comfy_input()
    if param.name in COUNT_FIELDS:
        options = {**options, "tooltip": options["tooltip"] + SAMPLES_TOOLTIP}
    if param.name == twin.strength_param:
        options = {**options, "tooltip": _strength_tooltip(twin, options["tooltip"])}
    if param.name == "seed":
        options = {**options, "tooltip": "Seed of the noise; -1 picks a random one (written to the log)."}
    if param.name == "megapixels" and twin.graph in SIZED_BY_INPUT:
        options = {**options, "tooltip": options["tooltip"] + MEGAPIXELS_BY_INPUT_TOOLTIP}
    return kind, options


def make_local_node(twin: LocalTwin) -> type:
    node_id = twin.node_id

    class LocalNode:
        DESCRIPTION = twin.description
        CATEGORY = CATEGORY
        RETURN_TYPES = ("IMAGE", "LATENT")
        RETURN_NAMES = ("images", "latent")
        OUTPUT_TOOLTIPS = ("The generated images, as a batch.", "Their latents, for chaining.")
        FUNCTION = "generate"
        TWIN = twin

        @classmethod
        def INPUT_TYPES(cls):
            required = {"model": ("MODEL", {"tooltip": "The Flux diffusion model (Load Diffusion Model)."}),
                        "clip": ("CLIP", {"tooltip": "Flux's text encoders (DualCLIPLoader, type flux)."}),
                        "vae": ("VAE", {"tooltip": "Flux's VAE (ae.safetensors)."})}
            if twin.takes_lora:
                required["lora_name"] = LORA_FILE.comfy_input()
            required.update({link.name: (link.kind, {"tooltip": link.tooltip}) for link in twin.link_inputs})
            required.update({p.name: _input_spec(twin, p) for p in twin.params if p.required})
            optional = {p.name: _input_spec(twin, p) for p in twin.params if not p.required}
            if twin.graph is None:
                optional["image"] = ("IMAGE", {"tooltip": (
                    "Optional input image for image-to-image. A batch of n images gives n x samples images: "
                    "image k is the single run with seed + k on input image k // samples.")})
            return {"required": required, "optional": optional, "hidden": HIDDEN_REFUSED_INPUT}

        @classmethod
        def VALIDATE_INPUTS(cls, **kwargs):
            # A VALIDATE_INPUTS with **kwargs turns off ComfyUI's own checks of every input, the
            # lora_name list included: the pack checks them all.
            problems = refusals(kwargs) + widget_problems(widget_params(twin), kwargs, node_id)
            return " ".join(problems) if problems else True

        def generate(self, model, clip, vae, image=None, lora_name=None, segmind_refused=None, **kwargs):
            values = {p.name: p.validate(kwargs.get(p.name, p.default), node_id) for p in twin.params}
            links = checked_links(twin, {**kwargs, "image": image})
            if twin.graph is not None:  # `image` is then a link input of its graph (Fill's), not a start
                image = None
            check_flux_inputs(twin, model, clip, vae)
            if twin.graph == REDUX:
                check_redux_models(twin, links["clip_vision"], links["style_model"])
            if twin.takes_lora:
                model = apply_lora(model, lora_name, values["lora_strength"], node_id)
            sized = sized_input(twin, values, links)
            request = build_request(twin, values, image, sized)
            images, latent = generate(model, clip, vae, request, image, image_graph(twin, links, sized))
            return images, latent

    LocalNode.__name__ = LocalNode.__qualname__ = node_id
    return LocalNode


def link_only_inputs(twin: LocalTwin) -> tuple[str, ...]:
    """Beside model, clip and vae: the inputs a typed value never fills."""
    return tuple(link.name for link in twin.link_inputs) or ("image",)


def widget_params(twin: LocalTwin) -> tuple:
    return ((LORA_FILE,) if twin.takes_lora else ()) + tuple(twin.params)


def build_request(twin: LocalTwin, values: dict, image, reference=None) -> SamplingRequest:
    """`reference`: the image whose size the output takes where the page matches it (Kontext), or always
    (Fill, Depth: no aspect ratio)."""
    seed = values["seed"]
    if seed == RANDOM_SEED:
        seed = random.randrange(SEED_MAX + 1)
        log.info("%s: seed -1 -> %d", twin.node_id, seed)
    if "width" in values:
        width, height = values["width"], values["height"]
    elif reference is not None and values.get("aspect_ratio", MATCH_INPUT) == MATCH_INPUT:
        width, height = reference.shape[2], reference.shape[1]
    else:
        width, height = scaled_size(aspect_ratio_size(values["aspect_ratio"]), megapixels(twin, values))
    steps = values[twin.steps_param]
    if steps < 1:  # a page whose range is not shown allows 0, which ComfyUI's samplers cannot run
        raise SpecValidationError(f"{twin.node_id}: input '{twin.steps_param}' must be at least 1 to sample locally; "
                                  f"got {steps}.")
    strength = values.get(twin.strength_param, 1.0) if twin.strength_param else 1.0
    denoise = strength if (image is not None or twin.strength_without_image) else 1.0
    return SamplingRequest(
        # Redux's pages take no prompt: ComfyUI's Redux graph encodes the empty one.
        prompt=values.get("prompt", ""), seed=seed, steps=steps,
        sampler_name=comfy_sampler_name(values.get("sampler_name", "euler"), twin.node_id),
        scheduler=comfy_scheduler_name(values.get("scheduler", "simple"), twin.node_id),
        denoise=float(denoise),
        guidance=values["guidance"] if twin.uses_guidance_param else (
            DEFAULT_FLUX_GUIDANCE if twin.takes_lora else None),
        width=width, height=height, samples=output_count(values))


def _check_names_once() -> None:
    """At load time inside ComfyUI: say which offered names this ComfyUI lacks (outside it: nothing)."""
    if importlib.util.find_spec("comfy") is None:
        return
    samplers = sorted({n for twin in LOCAL_TWINS for p in twin.params if p.name == "sampler_name" for n in p.allowed})
    schedulers = sorted({n for twin in LOCAL_TWINS for p in twin.params if p.name == "scheduler" for n in p.allowed})
    missing = unsupported_names(samplers, schedulers)
    if missing:
        log.warning("[comfyui-segmind-flux] this ComfyUI lacks sampler/scheduler names the local nodes offer: "
                    "%s (choosing one gives an error, never a silent fall-back).", ", ".join(missing))


LOCAL_NODES = {twin.node_id: make_local_node(twin) for twin in LOCAL_TWINS}
LOCAL_DISPLAY_NAMES = {twin.node_id: twin.remote.display_name + " (local)" for twin in LOCAL_TWINS}


def node_group(runtime) -> tuple[dict, dict]:
    """The local nodes, their widget values under the runtime's prompt check."""
    _check_names_once()
    runtime.watch([WidgetRules(twin.node_id, widget_params(twin),
                               link_only=("model", "clip", "vae", *link_only_inputs(twin)))
                   for twin in LOCAL_TWINS])
    return LOCAL_NODES, LOCAL_DISPLAY_NAMES
