"""The LoRA step of the local LoRA twins: the file from models/loras, applied to the model only (as
ComfyUI's LoraLoaderModelOnly does), through the pack's loader, so every common format works."""
from __future__ import annotations

from ..lora.apply import apply_lora as apply_lora_file


def lora_choices() -> list[str]:
    import folder_paths

    return folder_paths.get_filename_list("loras")


def apply_lora(model, lora_name: str, strength: float, node_id: str):
    import folder_paths

    if strength == 0:
        return model
    path = folder_paths.get_full_path("loras", lora_name) if lora_name else None
    if path is None:
        raise ValueError(f"{node_id}: input 'lora_name' {lora_name!r} is not a file in models/loras "
                         f"(found: {', '.join(lora_choices()) or 'none'}).")
    patched, _clip, _report = apply_lora_file(model, None, path, strength, 0.0)
    return patched
