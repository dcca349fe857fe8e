"""Bring the formats ComfyUI 0.3.75 does not read for Flux into its key layout (in memory only)."""
from __future__ import annotations

import json
from pathlib import Path

PEFT_PREFIX = "base_model.model."


def peft_config_path(lora_path: Path) -> Path:
    """PEFT keeps lora_alpha in adapter_config.json beside the weights, not in the file."""
    return lora_path.with_name("adapter_config.json")


def _peft_alpha(lora_path: Path) -> float | None:
    try:
        return float(json.loads(peft_config_path(lora_path).read_text(encoding="utf-8"))["lora_alpha"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def peft_to_diffusers(state_dict: dict, lora_path: Path) -> dict:
    """base_model.model.<diffusers name> -> transformer.<diffusers name>, which ComfyUI reads."""
    import torch

    out = {"transformer." + key[len(PEFT_PREFIX):] if key.startswith(PEFT_PREFIX) else key: value
           for key, value in state_dict.items()}
    alpha = _peft_alpha(lora_path)
    if alpha is not None:  # PEFT scales by lora_alpha / r: folded into lora_B (float32), so that the
        # file's key count stays what the report shows (no made-up .alpha keys)
        for key in [k for k in out if k.endswith(".lora_B.weight")]:
            down = out.get(key[: -len(".lora_B.weight")] + ".lora_A.weight")
            if down is not None and down.dim() >= 1 and down.shape[0] > 0:
                out[key] = out[key].to(torch.float32) * (alpha / down.shape[0])
    return out


def xlabs_to_comfy(state_dict: dict) -> dict:
    """XLabs' processor keys: ComfyUI ships the mapping (for USO) but applies it only to full files."""
    import comfy.lora_convert

    return comfy.lora_convert.convert_uso_lora(state_dict)


def to_comfy_layout(state_dict: dict, file_format: str, lora_path: Path) -> dict:
    if file_format == "xlabs":
        return xlabs_to_comfy(state_dict)
    if file_format == "peft":
        return peft_to_diffusers(state_dict, lora_path)
    return state_dict
