"""The LoRA step of the local LoRA twins: the file from models/loras, applied to the model only, as
ComfyUI's LoraLoaderModelOnly does (the converter for other LoRA formats comes with lora/)."""
from __future__ import annotations

import os

_loaded: dict[str, tuple[float, dict]] = {}


def lora_choices() -> list[str]:
    import folder_paths

    return folder_paths.get_filename_list("loras")


def _load(path: str) -> dict:
    """Loaded once per file and modification time: a changed file is read again."""
    import comfy.utils

    mtime = os.path.getmtime(path)
    cached = _loaded.get(path)
    if cached is None or cached[0] != mtime:
        _loaded.clear()  # keep one LoRA in memory, as the stock loader does
        _loaded[path] = (mtime, comfy.utils.load_torch_file(path, safe_load=True))
    return _loaded[path][1]


def apply_lora(model, lora_name: str, strength: float, node_id: str):
    import comfy.sd
    import folder_paths

    if strength == 0:
        return model
    path = folder_paths.get_full_path("loras", lora_name) if lora_name else None
    if path is None:
        raise ValueError(f"{node_id}: input 'lora_name' {lora_name!r} is not a file in models/loras "
                         f"(found: {', '.join(lora_choices()) or 'none'}).")
    patched, _ = comfy.sd.load_lora_for_models(model, None, _load(path), strength, 0)
    return patched
