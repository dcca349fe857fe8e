"""Load a Flux LoRA file of any common format and apply it through ComfyUI's own loader, with a report.

Loading is cached by file and modification time (and that of a PEFT adapter_config.json beside it). ComfyUI only logs keys that match no layer; here zero
matches, an unreadable file and shapes that do not fit the model are errors that name the file.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from .convert import peft_config_path, to_comfy_layout
from .formats import NEEDS_CONVERSION, detect_algorithm, detect_format, ranks
from .report import LoRAError, LoRAReport

log = logging.getLogger("comfyui-segmind-flux")
_cache: dict[str, tuple[tuple, dict, str]] = {}


def _modified(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def read_lora(path: str) -> tuple[dict, str]:
    """The state dict in ComfyUI's layout and the detected format; cached by path and mtimes."""
    import comfy.utils

    name = os.path.basename(path)
    stamp = (_modified(Path(path)), _modified(peft_config_path(Path(path))))
    if stamp[0] is None:
        raise LoRAError(f"LoRA file {name} cannot be read (it does not exist).")
    cached = _cache.get(path)
    if cached and cached[0] == stamp:
        return cached[1], cached[2]
    try:
        state_dict = comfy.utils.load_torch_file(path, safe_load=True)
    except Exception as exc:  # safetensors and torch raise many types for a damaged file
        raise LoRAError(f"LoRA file {name} is not a readable safetensors file ({type(exc).__name__}: "
                        f"{str(exc)[:200]}).") from None
    if not state_dict:
        raise LoRAError(f"LoRA file {name} holds no weights.")
    import comfy.lora_convert

    file_format = detect_format(state_dict)
    # Then ComfyUI's own conversions, exactly as its loader makes them (BFL control LoRAs, ...).
    converted = comfy.lora_convert.convert_lora(to_comfy_layout(state_dict, file_format, Path(path)))
    _cache.clear()  # one LoRA per process in memory is enough for a chain, the rest reload from disk
    _cache[path] = (stamp, converted, file_format)
    return converted, file_format


def _target_shape(model_state: dict, target):
    """Shape of the weight a patch writes to; a (key, (dim, offset, size)) target is a slice of it."""
    if isinstance(target, tuple):
        key, (dim, _offset, size) = target[0], target[1]
        shape = list(model_state[key].shape)
        shape[dim] = size
        return key, tuple(shape)
    return target, tuple(model_state[target].shape)


def _product(a, b):
    """Shape of a @ b for two matrices, or None where they are missing or do not multiply."""
    if a is None or b is None or a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[0]:
        return None
    return (a.shape[0], b.shape[1])


def _patch_shape(adapter):
    """(rows, columns) of the change a plain 2-D LoRA / LoHa / LoKr patch makes; "bad" where its own
    matrices do not fit each other (ComfyUI would only log an error and leave the weight unpatched);
    None for patches not checked here (diff / set, conv, Tucker, BFL's padding reshape)."""
    name, v = getattr(adapter, "name", ""), getattr(adapter, "weights", None)
    if not v:
        return None
    if name == "lora" and v[3] is None and v[5] is None:  # up @ down
        return _product(v[0], v[1]) or "bad"
    if name == "loha" and v[5] is None:  # (w1_a @ w1_b) * (w2_a @ w2_b)
        first, second = _product(v[0], v[1]), _product(v[3], v[4])
        return first if first is not None and first == second else "bad"
    if name == "lokr" and v[7] is None:  # kron(w1 or w1_a @ w1_b, w2 or w2_a @ w2_b)
        w1 = tuple(v[0].shape) if v[0] is not None else _product(v[3], v[4])
        w2 = tuple(v[1].shape) if v[1] is not None else _product(v[5], v[6])
        if w1 is None or w2 is None or len(w1) != 2 or len(w2) != 2:
            return "bad"
        return (w1[0] * w2[0], w1[1] * w2[1])
    return None


def _check_shapes(patches: dict, model_state: dict, name: str, file_format: str) -> None:
    for target, adapter in patches.items():
        key, shape = _target_shape(model_state, target)
        makes = _patch_shape(adapter) if len(shape) == 2 else None
        if makes is not None and makes != shape:
            makes = "matrices that do not multiply" if makes == "bad" else str(tuple(makes))
            raise LoRAError(f"LoRA file {name} ({file_format}) does not fit this model: {key} is "
                            f"{tuple(shape)} but the LoRA makes {makes}. Is it a LoRA "
                            "for another architecture or model size?")


def _weight_key(target) -> str:
    """The model weight a patch target writes to (diffusers' q / k / v are slices of one qkv weight)."""
    return target[0] if isinstance(target, tuple) else target


def apply_lora(model, clip, path: str, strength_model: float, strength_clip: float):
    """Returns the patched (model, clip) and the report; a zero-match load is an error."""
    import comfy.lora

    name = os.path.basename(path)
    state_dict, file_format = read_lora(path)
    key_map = comfy.lora.model_lora_keys_unet(model.model, {}) if model is not None else {}
    if clip is not None:
        key_map = comfy.lora.model_lora_keys_clip(clip.cond_stage_model, key_map)
    patches = comfy.lora.load_lora(state_dict, key_map, log_missing=False)
    matched_prefixes = {prefix for prefix, target in key_map.items() if target in patches}
    # a key matches when it is "<prefix>.<anything>": its dotted prefixes are looked up (not keys x prefixes)
    matched = {key for key in state_dict
               if any(char == "." and key[:index] in matched_prefixes for index, char in enumerate(key))}
    unmatched = sorted(set(state_dict) - matched)
    if not patches:
        raise LoRAError(f"LoRA file {name} ({file_format} format) matched no layer of this model: none of its "
                        f"{len(state_dict)} weights fit (first: {', '.join(unmatched[:3])}). Is it a Flux LoRA?")
    model_state = model.model.state_dict() if model is not None else {}
    unet_patches = {t: a for t, a in patches.items() if _weight_key(t).startswith("diffusion_model.")}
    _check_shapes(unet_patches, model_state, name, file_format)

    clip_patches = {t: a for t, a in patches.items() if t not in unet_patches}
    if clip is not None and clip_patches:
        _check_shapes(clip_patches, clip.cond_stage_model.state_dict(), name, file_format)
    new_model = model.clone() if model is not None else None
    if new_model is not None and strength_model != 0:
        new_model.add_patches(unet_patches, strength_model)
    new_clip = clip.clone() if clip is not None else None
    if new_clip is not None and clip_patches and strength_clip != 0:
        new_clip.add_patches(clip_patches, strength_clip)
    report = LoRAReport(
        file=name, file_format=file_format + (" (converted)" if file_format in NEEDS_CONVERSION else ""),
        algorithm=detect_algorithm(state_dict),
        ranks=ranks({k: tuple(v.shape) for k, v in state_dict.items()}),
        strength_model=strength_model, strength_clip=strength_clip if clip_patches else 0.0,
        lora_keys=len(state_dict), matched_keys=len(matched),
        patched_model_weights=len({_weight_key(t) for t in unet_patches}),
        patched_clip_weights=len({_weight_key(t) for t in clip_patches}), unmatched=unmatched)
    log.info("[comfyui-segmind-flux] %s", report.text())
    return new_model, new_clip, report
