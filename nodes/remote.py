"""The remote node classes, generated from the model specs (classic ComfyUI node API)."""
from __future__ import annotations

import sys

from ..client.jobs import TRANSPORTS
from ..specs import MODELS, ModelSpec, SpecValidationError
from ..specs.params import widget_problems
from .remote_run import info_text, run_remote

CATEGORY = "segmind/flux/remote"
# Pack options come after every page parameter and never reuse a page name (flux-pro has `interval`).
PACK_OPTIONS = {
    "transport": (list(TRANSPORTS), {"default": "v2", "tooltip": (
        "v2: submit the job and poll for it (recommended; a cancelled or timed-out job can be collected "
        "later). v1: one synchronous request (in maintenance at Segmind).")}),
    "force_refresh": ("BOOLEAN", {"default": False, "tooltip": (
        "Call the API even when these exact inputs were already generated (and paid for). Off: the "
        "earlier result is reused from the cache.")}),
}
# A hidden input that carries what the prompt check refused into VALIDATE_INPUTS (see check_prompt_values).
REFUSED_INPUT = "segmind_refused"


def _check_pack_options(node_id: str, transport, force_refresh) -> None:
    if transport not in TRANSPORTS:
        raise SpecValidationError(f"{node_id}: input 'transport' must be one of {', '.join(TRANSPORTS)}; "
                                  f"got {transport!r}.")
    if not isinstance(force_refresh, bool):
        raise SpecValidationError(f"{node_id}: input 'force_refresh' must be true or false; "
                                  f"got {force_refresh!r}.")


def make_remote_node(spec: ModelSpec) -> type:
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
            optional = {p.name: p.comfy_input() for p in spec.params if not p.required}
            return {"required": required, "optional": {**optional, **PACK_OPTIONS},
                    "hidden": {"unique_id": "UNIQUE_ID", REFUSED_INPUT: "SEGMIND_REFUSED"}}

        @classmethod
        def VALIDATE_INPUTS(cls, **kwargs):
            """Checks widget values when the prompt is queued; linked values are checked at run time."""
            problems = [str(kwargs[REFUSED_INPUT])] if kwargs.get(REFUSED_INPUT) else []
            problems += widget_problems(spec.params, kwargs, spec.node_id)
            try:
                _check_pack_options(spec.node_id, kwargs.get("transport", "v2"), kwargs.get("force_refresh", False))
            except SpecValidationError as exc:
                problems.append(str(exc))
            return " ".join(problems) if problems else True

        @classmethod
        def IS_CHANGED(cls, force_refresh=False, **kwargs):
            return float("nan") if force_refresh is True else ""  # NaN never equals itself: run again

        async def generate(self, unique_id=None, transport="v2", force_refresh=False, **kwargs):
            # Everything is validated before any money is spent, values arriving over links included.
            _check_pack_options(spec.node_id, transport, force_refresh)
            body = spec.build_body(page_values(kwargs))
            outcome = await run_remote(spec, body, transport, force_refresh, unique_id)
            return (outcome.images, info_text(outcome.info))

    RemoteNode.__name__ = RemoteNode.__qualname__ = spec.node_id
    return RemoteNode


REMOTE_NODES = {spec.node_id: make_remote_node(spec) for spec in MODELS}
REMOTE_DISPLAY_NAMES = {spec.node_id: spec.display_name for spec in MODELS}
PACK_OPTION_DEFAULTS = {name: options["default"] for name, (_, options) in PACK_OPTIONS.items()}


def _check_value(spec: ModelSpec, name: str, value) -> None:
    if name in spec.param_names:
        spec.param(name).validate(value, spec.node_id)
    elif name in PACK_OPTIONS:
        _check_pack_options(spec.node_id, **{**PACK_OPTION_DEFAULTS, name: value})


def check_prompt_values(json_data):
    """ComfyUI's on-prompt hook: checks the widget values of the remote nodes as they were sent.

    ComfyUI converts widget values with int()/float()/str()/bool() before VALIDATE_INPUTS sees them, so
    12.7 would become 12 steps, null the prompt "None" and "false" a forced (paid) refresh. A value that
    the page does not allow is replaced by its default and the refusal goes to VALIDATE_INPUTS through
    the hidden input REFUSED_INPUT, which fails the prompt with the pack's message. Valid prompts are
    left untouched."""
    prompt = json_data.get("prompt") if isinstance(json_data, dict) else None
    for node in prompt.values() if isinstance(prompt, dict) else ():
        node_class = REMOTE_NODES.get(node.get("class_type")) if isinstance(node, dict) else None
        inputs = node.get("inputs") if node_class else None
        if not isinstance(inputs, dict):
            continue
        spec, problems = node_class.SPEC, []
        for name, sent in list(inputs.items()):
            value = sent["__value__"] if isinstance(sent, dict) and "__value__" in sent else sent
            if isinstance(value, list):
                continue  # a link: checked when the node runs
            try:
                _check_value(spec, name, value)
            except SpecValidationError as exc:
                problems.append(str(exc))
                inputs[name] = PACK_OPTION_DEFAULTS[name] if name in PACK_OPTIONS else spec.param(name).default
        if problems:
            inputs[REFUSED_INPUT] = " ".join(problems)
    return json_data


def _register_prompt_check() -> None:
    """Only inside a running ComfyUI, whose `server` module is loaded before any custom node."""
    instance = getattr(getattr(sys.modules.get("server"), "PromptServer", None), "instance", None)
    handlers = getattr(instance, "on_prompt_handlers", None)
    if isinstance(handlers, list) and not any(getattr(h, "__name__", "") == check_prompt_values.__name__
                                              and getattr(h, "__module__", "") == __name__ for h in handlers):
        instance.add_on_prompt_handler(check_prompt_values)


_register_prompt_check()
