"""Bring the formats ComfyUI 0.3.75 does not read for Flux into its key layout (in memory only)."""
from __future__ import annotations

import json
from pathlib import Path

PEFT_PREFIX = "base_model.model."
# The top-level modules of BFL's own Flux implementation; diffusers' FluxTransformer2DModel has none of these names.
FLUX_MODULES = frozenset({"double_blocks", "single_blocks", "final_layer", "img_in", "txt_in", "time_in", "vector_in",
                          "guidance_in"})


def peft_config_path(lora_path: Path) -> Path:
    """PEFT keeps lora_alpha in adapter_config.json beside the weights, not in the file."""
    return lora_path.with_name("adapter_config.json")


def _peft_alpha(lora_path: Path) -> float | None:
    try:
        return float(json.loads(peft_config_path(lora_path).read_text(encoding="utf-8"))["lora_alpha"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _comfy_name(module: str) -> str:
    """ComfyUI reads Flux's own names under diffusion_model. and diffusers' names under transformer."""
    return ("diffusion_model." if module.split(".", 1)[0] in FLUX_MODULES else "transformer.") + module


def peft_to_comfy(state_dict: dict, lora_path: Path) -> dict:
    """base_model.model.<module> -> a name ComfyUI reads, whichever model (BFL's Flux or diffusers') PEFT
    wrapped; lora_alpha from adapter_config.json becomes <module>.alpha keys (tensors stay the file's own)."""
    import torch

    out = {_comfy_name(key[len(PEFT_PREFIX):]) if key.startswith(PEFT_PREFIX) else key: value
           for key, value in state_dict.items()}
    alpha = _peft_alpha(lora_path)
    if alpha is not None:  # PEFT scales by lora_alpha / r, as ComfyUI does with an .alpha key (r: lora_A's rows)
        for key in [k for k in out if k.endswith(".lora_A.weight")]:
            out[key[: -len(".lora_A.weight")] + ".alpha"] = torch.tensor(alpha)
    return out


def xlabs_to_comfy(state_dict: dict) -> dict:
    """XLabs' processor keys: ComfyUI ships the mapping (for USO) but applies it only to full files."""
    import comfy.lora_convert

    return comfy.lora_convert.convert_uso_lora(state_dict)


def to_comfy_layout(state_dict: dict, file_format: str, lora_path: Path) -> dict:
    if file_format == "xlabs":
        return xlabs_to_comfy(state_dict)
    if file_format == "peft":
        return peft_to_comfy(state_dict, lora_path)
    return state_dict


def file_key_names(file_state: dict, converted: dict) -> dict[str, str]:
    """Key after conversion -> the file's own key. Conversions (the pack's and ComfyUI's) rename keys and
    keep their tensors, so the tensor tells the origin; keys a conversion adds (.alpha, BFL's
    img_in.reshape_weight) have none."""
    by_tensor = {id(tensor): key for key, tensor in file_state.items()}
    return {key: by_tensor[id(tensor)] for key, tensor in converted.items() if id(tensor) in by_tensor}
