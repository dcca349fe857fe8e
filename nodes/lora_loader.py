"""SegmindFluxLoRALoader: any common Flux LoRA format, strength -10..10, and a report of what matched."""
from __future__ import annotations

from ..lora.apply import apply_lora
from ..specs.params import FloatParam
from .local_lora import LORA_FILE
from .prompt_check import HIDDEN_REFUSED_INPUT, WidgetRules, refusals

NODE_ID = "SegmindFluxLoRALoader"
# The Segmind range of lora_strength.
STRENGTHS = (
    FloatParam("strength", "How strongly to apply the LoRA (the Segmind range, -10 to 10).",
               default=1.0, minimum=-10.0, maximum=10.0),
    FloatParam("strength_clip", "Strength for the text-encoder weights of the file.",
               default=1.0, minimum=-10.0, maximum=10.0),
)


class SegmindFluxLoRALoader:
    DESCRIPTION = ("Loads a Flux LoRA of any common format (ComfyUI, kohya, diffusers / PEFT, ai-toolkit, "
                   "SimpleTuner, OneTrainer, XLabs) and reports how many of its weights matched this model. "
                   "A LoRA that matches nothing is an error, never a silent no-op. Chain several to stack them.")
    CATEGORY = "segmind/flux/lora"
    RETURN_TYPES = ("MODEL", "CLIP", "STRING")
    RETURN_NAMES = ("model", "clip", "report")
    OUTPUT_TOOLTIPS = ("The patched model.", "The patched text encoders (unchanged if the file has none).",
                       "What was applied: format, rank, matched and unmatched weights.")
    FUNCTION = "load"

    @classmethod
    def INPUT_TYPES(cls):
        return {
            "required": {
                "model": ("MODEL", {"tooltip": "The Flux model to patch."}),
                "lora_name": LORA_FILE.comfy_input(),
                "strength": STRENGTHS[0].comfy_input(),
            },
            "optional": {
                "clip": ("CLIP", {"tooltip": "Flux's text encoders, patched too when the file has weights for them."}),
                "strength_clip": STRENGTHS[1].comfy_input(),
            },
            "hidden": HIDDEN_REFUSED_INPUT,
        }

    @classmethod
    def VALIDATE_INPUTS(cls, segmind_refused=None):
        # Named arguments only: ComfyUI keeps its own checks of every other input (lora_name's list).
        problems = refusals({"segmind_refused": segmind_refused})
        return " ".join(problems) if problems else True

    def load(self, model, lora_name, strength, clip=None, strength_clip=1.0, segmind_refused=None):
        import folder_paths

        # Values over links: ComfyUI checks none of them.
        for param, value in zip((LORA_FILE, *STRENGTHS), (lora_name, strength, strength_clip)):
            param.validate(value, NODE_ID)
        path = folder_paths.get_full_path("loras", lora_name)
        new_model, new_clip, report = apply_lora(model, clip, path, strength, strength_clip)
        return new_model, new_clip, report.text()


LORA_NODES = {NODE_ID: SegmindFluxLoRALoader}
LORA_DISPLAY_NAMES = {NODE_ID: "Segmind Flux LoRA Loader (any format)"}


def node_group(runtime) -> tuple[dict, dict]:
    """The LoRA loader, its strengths under the runtime's prompt check."""
    runtime.watch([WidgetRules(NODE_ID, STRENGTHS, link_only=("model", "clip"))])
    return LORA_NODES, LORA_DISPLAY_NAMES
