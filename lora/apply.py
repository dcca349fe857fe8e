"""Load a Flux LoRA file of any common format and apply it through ComfyUI's own loader, with a report.

Loading is cached by file and modification time (and that of a PEFT adapter_config.json beside it). ComfyUI
only logs keys that match no layer; here zero matches, an unreadable file and shapes that do not fit the
model are errors that name the file. The report counts and names the file's own keys, whatever conversion
they went through.
"""
from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from .convert import file_key_names, peft_config_path, to_comfy_layout
from .formats import NEEDS_CONVERSION, detect_algorithm, detect_format, ranks
from .report import LoRAError, LoRAReport
from .shapes import check_shapes, weight_key

log = logging.getLogger("comfyui-segmind-flux")


@dataclass(frozen=True)
class LoadedLoRA:
    state_dict: dict              # in ComfyUI's key layout, for comfy.lora.load_lora
    file_format: str
    file_shapes: dict             # the file's own keys -> shapes
    file_key: dict                # key of state_dict -> the file's key it came from (added keys have none)


def _modified(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def read_lora(path: str) -> LoadedLoRA:
    """The file in ComfyUI's layout, its format and its own key names; cached by path and mtimes."""
    stamp = (_modified(Path(path)), _modified(peft_config_path(Path(path))))
    if stamp[0] is None:
        raise LoRAError(f"LoRA file {os.path.basename(path)} cannot be read (it does not exist).")
    return _read_lora(path, stamp)


@functools.lru_cache(maxsize=1)  # one LoRA in memory is enough for a chain; the rest reload from disk
def _read_lora(path: str, stamp: tuple) -> LoadedLoRA:
    import comfy.lora_convert
    import comfy.utils

    name = os.path.basename(path)
    try:
        state_dict = comfy.utils.load_torch_file(path, safe_load=True)
    except Exception as exc:  # safetensors and torch raise many types for a damaged file
        raise LoRAError(f"LoRA file {name} is not a readable safetensors file ({type(exc).__name__}: "
                        f"{str(exc)[:200]}).") from None
    if not state_dict:
        raise LoRAError(f"LoRA file {name} holds no weights.")
    file_format = detect_format(state_dict)
    # Then ComfyUI's own conversions, exactly as its loader makes them (BFL control LoRAs, ...).
    converted = comfy.lora_convert.convert_lora(to_comfy_layout(state_dict, file_format, Path(path)))
    return LoadedLoRA(converted, file_format, {k: tuple(v.shape) for k, v in state_dict.items()},
                      file_key_names(state_dict, converted))


def apply_lora(model, clip, path: str, strength_model: float, strength_clip: float):
    """Returns the patched (model, clip) and the report; a zero-match load is an error."""
    import comfy.lora

    name = os.path.basename(path)
    loaded = read_lora(path)
    file_format = loaded.file_format
    key_map = comfy.lora.model_lora_keys_unet(model.model, {}) if model is not None else {}
    if clip is not None:
        key_map = comfy.lora.model_lora_keys_clip(clip.cond_stage_model, key_map)
    patches = comfy.lora.load_lora(loaded.state_dict, key_map, log_missing=False)
    matched_prefixes = {prefix for prefix, target in key_map.items() if target in patches}
    # a key matches when it is "<prefix>.<anything>": its dotted prefixes are looked up (not keys x prefixes)
    matched = {file_key for key, file_key in loaded.file_key.items()
               if any(char == "." and key[:index] in matched_prefixes for index, char in enumerate(key))}
    unmatched = sorted(set(loaded.file_shapes) - matched)
    if not patches:
        raise LoRAError(f"LoRA file {name} ({file_format} format) matched no layer of this model: none of its "
                        f"{len(loaded.file_shapes)} weights fit (first: {', '.join(unmatched[:3])}). "
                        "Is it a Flux LoRA?")
    model_state = model.model.state_dict() if model is not None else {}
    unet_patches = {t: a for t, a in patches.items() if weight_key(t).startswith("diffusion_model.")}
    check_shapes(unet_patches, model_state, name, file_format)

    clip_patches = {t: a for t, a in patches.items() if t not in unet_patches}
    if clip is not None and clip_patches:
        check_shapes(clip_patches, clip.cond_stage_model.state_dict(), name, file_format)
    new_model = model.clone() if model is not None else None
    if new_model is not None and strength_model != 0:
        new_model.add_patches(unet_patches, strength_model)
    new_clip = clip.clone() if clip is not None else None
    if new_clip is not None and clip_patches and strength_clip != 0:
        new_clip.add_patches(clip_patches, strength_clip)
    report = LoRAReport(
        file=name, file_format=file_format + (" (converted)" if file_format in NEEDS_CONVERSION else ""),
        algorithm=detect_algorithm(loaded.file_shapes), ranks=ranks(loaded.file_shapes),
        strength_model=strength_model, strength_clip=strength_clip if clip_patches else 0.0,
        lora_keys=len(loaded.file_shapes), matched_keys=len(matched),
        patched_model_weights=len({weight_key(t) for t in unet_patches}),
        patched_clip_weights=len({weight_key(t) for t in clip_patches}), unmatched=unmatched)
    log.info("[comfyui-segmind-flux] %s", report.text())
    return new_model, new_clip, report
