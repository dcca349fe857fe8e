"""ComfyUI's on-prompt hook: checks the pack's widget values as they were sent, before ComfyUI converts them.

ComfyUI converts widget values with int()/float()/str()/bool() before VALIDATE_INPUTS sees them, so 12.7
would become 12 steps, null the prompt "None", "false" a forced (paid) refresh, and NaN passes every
range check. A value that a node's rules refuse is replaced by the rule's default and the refusal goes
to VALIDATE_INPUTS through the hidden input REFUSED_INPUT, which fails the prompt with the pack's
message. Valid prompts are left untouched. Values over links are checked when the node runs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..specs.params import Param, SpecValidationError, shown

REFUSED_INPUT = "segmind_refused"
HIDDEN_REFUSED_INPUT = {REFUSED_INPUT: "SEGMIND_REFUSED"}
# Inputs that only a link can fill, and the node that usually feeds each.
LINK_SOURCES = {"model": "Load Diffusion Model (UNETLoader)", "clip": "DualCLIPLoader (type flux)",
                "vae": "Load VAE (VAELoader)", "image": "an IMAGE output such as Load Image",
                "input_image": "an IMAGE output such as Load Image", "mask": "a MASK output such as Load Image's",
                "control_image": "an IMAGE output holding a depth map (a depth preprocessor's)",
                "redux_image": "an IMAGE output such as Load Image",
                "clip_vision": "Load CLIP Vision (CLIPVisionLoader)", "style_model": "Load Style Model (StyleModelLoader)"}


@dataclass(frozen=True)
class WidgetRules:
    node_id: str
    params: Sequence[Param]
    # Inputs of LINK_SOURCES this node has: a widget value there is refused.
    link_only: Sequence[str] = ()

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def problem(self, name: str, value) -> str | None:
        if name in self.link_only:
            return (f"{self.node_id}: input '{name}' must be a link from {LINK_SOURCES[name]}; "
                    f"got the value {shown(value)}.")
        param = self.param(name)
        if param is None:
            return None  # inputs without a rule here (the loader's lora_name, hidden ones): ComfyUI checks them
        try:
            param.validate(value, self.node_id)
        except SpecValidationError as exc:
            return str(exc)
        return None


def refusals(kwargs: dict) -> list[str]:
    """For VALIDATE_INPUTS: what the prompt check refused in this node."""
    return [str(kwargs[REFUSED_INPUT])] if kwargs.get(REFUSED_INPUT) else []


def _is_link(value) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[1], int)


def check_prompt_values(json_data, widget_rules: dict[str, WidgetRules]):
    """Refuses the bad widget values of the nodes under `widget_rules` (node id -> rules) in a queued
    prompt: each is put back to its default and the node is told why, so VALIDATE_INPUTS refuses it."""
    prompt = json_data.get("prompt") if isinstance(json_data, dict) else None
    for node in prompt.values() if isinstance(prompt, dict) else ():
        rules = widget_rules.get(node.get("class_type")) if isinstance(node, dict) else None
        inputs = node.get("inputs") if rules else None
        if not isinstance(inputs, dict):
            continue
        problems = []
        for name, sent in list(inputs.items()):
            value = sent["__value__"] if isinstance(sent, dict) and "__value__" in sent else sent
            if _is_link(value):
                continue
            problem = rules.problem(name, value)
            if problem is None:
                continue
            problems.append(problem)
            if name not in rules.link_only:  # ComfyUI checks no MODEL / CLIP / VAE value: leave it
                inputs[name] = rules.param(name).default
        if problems:
            inputs[REFUSED_INPUT] = " ".join(problems)
    return json_data
