"""The remote node classes, generated from the model specs (classic ComfyUI node API)."""
from __future__ import annotations

from ..specs import MODELS, ModelSpec
from ..specs.pack_options import PACK_OPTIONS
from ..specs.params import widget_problems
from .credits import CREDITS_DISPLAY_NAMES, CREDITS_NODES
from .paid_run import run_paid
from .prompt_check import HIDDEN_REFUSED_INPUT, WidgetRules, refusals

CATEGORY = "segmind/flux/remote"
# The whole prompt (ComfyUI's hidden PROMPT input): its remote nodes are estimated together, once.
GRAPH_INPUT = "segmind_graph"


def make_remote_node(spec: ModelSpec, runtime) -> type:
    def page_values(kwargs: dict) -> dict:
        # Optional inputs left out of an API prompt take the page default, like the widget would.
        return {p.name: kwargs.get(p.name, getattr(p, "default", None)) for p in spec.params}

    class RemoteNode:
        DESCRIPTION = spec.description
        CATEGORY = CATEGORY
        RETURN_TYPES = ("IMAGE", "STRING")
        RETURN_NAMES = ("images", "info")
        OUTPUT_TOOLTIPS = ("The generated images, as a batch.",
                           "JSON: request id, seed used, cost, remaining credits and inference time "
                           "as far as the server reports them, and whether the result came from the cache.")
        FUNCTION = "generate"
        SPEC = spec

        @classmethod
        def INPUT_TYPES(cls):
            required = {p.name: p.comfy_input() for p in spec.params if p.required}
            optional = {p.name: p.comfy_input() for p in spec.params + PACK_OPTIONS if not p.required}
            return {"required": required, "optional": optional,
                    "hidden": {"unique_id": "UNIQUE_ID", GRAPH_INPUT: "PROMPT", **HIDDEN_REFUSED_INPUT}}

        @classmethod
        def VALIDATE_INPUTS(cls, **kwargs):
            """Checks widget values when the prompt is queued; linked values are checked at run time."""
            problems = refusals(kwargs) + widget_problems(spec.params + PACK_OPTIONS, kwargs, spec.node_id)
            return " ".join(problems) if problems else True

        @classmethod
        def IS_CHANGED(cls, force_refresh=False, **kwargs):
            return float("nan") if force_refresh is True else ""  # NaN never equals itself: run again

        async def generate(self, unique_id=None, transport="v2", force_refresh=False, on_failure="error",
                           **kwargs):
            # Everything is validated before any money is spent, values arriving over links included.
            for option, value in zip(PACK_OPTIONS, (transport, force_refresh, on_failure)):
                option.validate(value, spec.node_id)
            body = spec.build_body(page_values(kwargs))
            return await run_paid(runtime, spec, body, transport, force_refresh, on_failure, unique_id,
                                  kwargs.get(GRAPH_INPUT))

    RemoteNode.__name__ = RemoteNode.__qualname__ = spec.node_id
    return RemoteNode


REMOTE_DISPLAY_NAMES = {**{spec.node_id: spec.display_name for spec in MODELS}, **CREDITS_DISPLAY_NAMES}


def node_group(runtime) -> tuple[dict, dict]:
    """The remote nodes, each running its jobs with the runtime, their widget values under its prompt check."""
    runtime.watch([WidgetRules(spec.node_id, spec.params + PACK_OPTIONS, link_only={}) for spec in MODELS])
    classes = {**{spec.node_id: make_remote_node(spec, runtime) for spec in MODELS}, **CREDITS_NODES}
    return classes, REMOTE_DISPLAY_NAMES
