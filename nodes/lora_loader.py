"""SegmindFluxLoRALoader: any common Flux LoRA format, strength -10..10, and a report of what matched."""
from __future__ import annotations

from ..lora.apply import apply_lora
from ..lora.report import LoRAError

STRENGTH_RANGE = {"min": -10.0, "max": 10.0, "step": 0.01}


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
        import folder_paths

        return {
            "required": {
                "model": ("MODEL", {"tooltip": "The Flux model to patch."}),
                "lora_name": (folder_paths.get_filename_list("loras"), {"tooltip": "The LoRA file, from models/loras."}),
                "strength": ("FLOAT", {"default": 1.0, **STRENGTH_RANGE,
                                       "tooltip": "How strongly to apply the LoRA (the Segmind range, -10 to 10)."}),
            },
            "optional": {
                "clip": ("CLIP", {"tooltip": "Flux's text encoders, patched too when the file has weights for them."}),
                "strength_clip": ("FLOAT", {"default": 1.0, **STRENGTH_RANGE,
                                            "tooltip": "Strength for the text-encoder weights of the file."}),
            },
        }

    def load(self, model, lora_name, strength, clip=None, strength_clip=1.0):
        import folder_paths

        path = folder_paths.get_full_path("loras", lora_name)
        if path is None:
            raise LoRAError(f"SegmindFluxLoRALoader: input 'lora_name' {lora_name!r} is not a file in models/loras.")
        for name, value in (("strength", strength), ("strength_clip", strength_clip)):
            if not -10.0 <= value <= 10.0:
                raise LoRAError(f"SegmindFluxLoRALoader: input '{name}' must be a number from -10 to 10; got {value!r}.")
        new_model, new_clip, report = apply_lora(model, clip, path, strength, strength_clip)
        return new_model, new_clip, report.text()


LORA_NODES = {"SegmindFluxLoRALoader": SegmindFluxLoRALoader}
LORA_DISPLAY_NAMES = {"SegmindFluxLoRALoader": "Segmind Flux LoRA Loader (any format)"}
