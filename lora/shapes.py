"""Does a LoRA's change fit the weight it patches? ComfyUI would only log a mismatch and leave the weight
as it was; here it is an error naming the file and the weight."""
from __future__ import annotations

from .report import LoRAError


def weight_key(target) -> str:
    """The model weight a patch target writes to (diffusers' q / k / v are slices of one qkv weight)."""
    return target[0] if isinstance(target, tuple) else target


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


def check_shapes(patches: dict, model_state: dict, name: str, file_format: str) -> None:
    for target, adapter in patches.items():
        key, shape = _target_shape(model_state, target)
        makes = _patch_shape(adapter) if len(shape) == 2 else None
        if makes is not None and makes != shape:
            makes = "matrices that do not multiply" if makes == "bad" else str(tuple(makes))
            raise LoRAError(f"LoRA file {name} ({file_format}) does not fit this model: {key} is "
                            f"{tuple(shape)} but the LoRA makes {makes}. Is it a LoRA "
                            "for another architecture or model size?")
