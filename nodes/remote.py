"""The remote node classes, generated from the model specs (classic ComfyUI node API)."""
from __future__ import annotations

import asyncio

from ..specs import MODELS, ModelSpec, any_model
from ..specs.image_params import ImageListParam
from ..specs.model import VIDEO
from ..specs.pack_options import PACK_OPTIONS
from ..specs.params import widget_problems
from .credits import CREDITS_DISPLAY_NAMES, CREDITS_NODES
from .image_inputs import attachments_of, encode_image_inputs
from .paid_run import run_paid
from .prompt_check import HIDDEN_REFUSED_INPUT, WidgetRules, refusals

CATEGORY = "segmind/flux/remote"
# The whole prompt (ComfyUI's hidden PROMPT input): its remote nodes are estimated together, once.
GRAPH_INPUT = "segmind_graph"
# What Save Image nodes of the prompt write into their PNGs (ComfyUI's hidden EXTRA_PNGINFO): the receipts.
PNGINFO_INPUT = "extra_pnginfo"


def node_inputs(params) -> tuple[dict, dict]:
    """(required, optional) ComfyUI inputs of page parameters: a list field of images has several sockets,
    of which only the first can be required."""
    required, optional = {}, {}
    for param in params:
        if isinstance(param, ImageListParam):
            first, *more = param.sockets()
            (required if param.required else optional)[first] = param.comfy_input()
            optional.update({socket: param.comfy_input() for socket in more})
        else:
            (required if param.required else optional)[param.name] = param.comfy_input()
    return required, optional


INFO_TOOLTIP = ("JSON: model, request id, seed used, cost, remaining credits and inference time as far as the "
                "server reports them, and whether the result came from the cache.")
VIDEO_OUTPUTS = {"RETURN_TYPES": ("VIDEO", "STRING"), "RETURN_NAMES": ("video", "info"),
                 "OUTPUT_TOOLTIPS": ("The generated video with its sound (Save Video keeps both; Get Video "
                                     "Components splits it into images, audio and frame rate).", INFO_TOOLTIP)}


class RemoteNodeBase:
    """What every remote model node shares: its outputs, its category and when it runs again."""
    CATEGORY = CATEGORY
    RETURN_TYPES = ("IMAGE", "STRING")
    RETURN_NAMES = ("images", "info")
    OUTPUT_TOOLTIPS = ("The generated images, as a batch.", INFO_TOOLTIP)
    FUNCTION = "generate"
    # The node's id, its place in the prompt, and what Save Image nodes write (the receipts).
    HIDDEN = {"unique_id": "UNIQUE_ID", GRAPH_INPUT: "PROMPT", PNGINFO_INPUT: "EXTRA_PNGINFO", **HIDDEN_REFUSED_INPUT}

    @classmethod
    def IS_CHANGED(cls, force_refresh=False, **kwargs):
        return float("nan") if force_refresh is True else ""  # NaN never equals itself: run again


def all_rules(spec: ModelSpec) -> tuple:
    """Every input of the node that has a rule: the model's, the page's and the pack's."""
    return tuple(spec.model_inputs) + tuple(spec.params) + PACK_OPTIONS


def make_remote_node(spec: ModelSpec, runtime) -> type:
    def page_values(kwargs: dict) -> dict:
        # Optional inputs left out of an API prompt take the page default, like the widget would.
        return {p.name: kwargs.get(p.name, getattr(p, "default", None)) for p in spec.params}

    class RemoteNode(RemoteNodeBase):
        DESCRIPTION = spec.description
        SPEC = spec

        @classmethod
        def INPUT_TYPES(cls):
            required, optional = node_inputs(all_rules(spec))
            return {"required": required, "optional": optional, "hidden": cls.HIDDEN}

        @classmethod
        def VALIDATE_INPUTS(cls, **kwargs):
            """Checks widget values when the prompt is queued; linked values are checked at run time."""
            problems = refusals(kwargs) + widget_problems(all_rules(spec), kwargs, spec.node_id)
            return " ".join(problems) if problems else True

        async def generate(self, unique_id=None, transport="v2", force_refresh=False, on_failure="error",
                           **kwargs):
            # Everything is validated before any money is spent, values arriving over links included.
            for option, value in zip(PACK_OPTIONS, (transport, force_refresh, on_failure)):
                option.validate(value, spec.node_id)
            chosen = spec.chosen(kwargs)  # a fine-tune node: the model its slug names
            # Input images are checked and encoded (CPU work) off the loop, before anything is sent or paid.
            images = await asyncio.get_running_loop().run_in_executor(runtime.job_pool(), encode_image_inputs,
                                                                      spec, kwargs)
            body = chosen.with_trigger(chosen.build_body({**page_values(kwargs), **images}))
            return await run_paid(runtime, chosen, body, transport, force_refresh, on_failure, unique_id,
                                  kwargs.get(GRAPH_INPUT), attachments_of(images), kwargs.get(PNGINFO_INPUT))

    if spec.output == VIDEO:
        for name, value in VIDEO_OUTPUTS.items():
            setattr(RemoteNode, name, value)
    RemoteNode.__name__ = RemoteNode.__qualname__ = spec.node_id
    return RemoteNode


REMOTE_DISPLAY_NAMES = {**{spec.node_id: spec.display_name for spec in MODELS}, **CREDITS_DISPLAY_NAMES}


def node_group(runtime) -> tuple[dict, dict]:
    """The remote nodes, each running its jobs with the runtime, their widget values under its prompt check."""
    from .any_model import ANY_MODEL_DISPLAY_NAMES, make_any_model_node, widget_rules  # it builds on this module

    runtime.watch([WidgetRules(spec.node_id, all_rules(spec), link_only={}) for spec in MODELS] + [widget_rules()])
    classes = {**{spec.node_id: make_remote_node(spec, runtime) for spec in MODELS}, **CREDITS_NODES}
    classes[any_model.NODE_ID] = make_any_model_node(runtime)
    return classes, {**REMOTE_DISPLAY_NAMES, **ANY_MODEL_DISPLAY_NAMES}
