"""Which trainer wrote a LoRA file, told from its key names alone (pure Python)."""
from __future__ import annotations

import re
from typing import Iterable

# Key shapes, checked in order; the first that matches any key names the format.
FORMAT_PATTERNS = (
    ("xlabs", re.compile(r"^(double|single)_blocks\.\d+\.processor\.")),
    ("peft", re.compile(r"^base_model\.model\.")),
    ("comfyui", re.compile(r"^diffusion_model\.")),
    ("onetrainer", re.compile(r"^lora_transformer_")),  # before kohya: OneTrainer names its text encoders lora_te*_
    ("kohya", re.compile(r"^lora_(unet|te\d?)_")),
    ("lycoris", re.compile(r"^lycoris_")),
    ("diffusers", re.compile(r"^transformer\.")),  # diffusers, ai-toolkit and SimpleTuner write these
    ("text_encoder_only", re.compile(r"^(text_encoders?|te\d?)\.")),
)
# ComfyUI converts a file as a BFL control LoRA (FLUX.1 Canny / Depth dev) when it holds both keys
# (comfy.lora_convert.convert_lora): Flux's own names, no prefix, lora_B.bias and norm scales as whole weights.
BFL_CONTROL_KEYS = frozenset({"img_in.lora_A.weight", "single_blocks.0.norm.key_norm.scale"})
# Formats ComfyUI 0.3.75 cannot load for Flux without a conversion first.
NEEDS_CONVERSION = {"xlabs", "peft"}
ALGORITHM_MARKERS = (("loha", ".hada_w1_a"), ("lokr", ".lokr_w1"), ("lora", ""))
DOWN_SUFFIXES = (".lora_down.weight", ".lora_A.weight", ".down.weight", "_lora.down.weight", ".lora.down.weight")
# LyCORIS: the rank is the first dimension of LoHa's hada_w*_b and of LoKr's low-rank lokr_w*_b
RANK_SUFFIXES = DOWN_SUFFIXES + (".hada_w1_b", ".hada_w2_b", ".lokr_w1_b", ".lokr_w2_b")


def detect_format(keys: Iterable[str]) -> str:
    keys = list(keys)
    if BFL_CONTROL_KEYS <= set(keys):
        return "bfl_control"
    for name, pattern in FORMAT_PATTERNS:
        if any(pattern.search(key) for key in keys):
            return name
    return "unknown"


def detect_algorithm(keys: Iterable[str]) -> str:
    keys = list(keys)
    for name, marker in ALGORITHM_MARKERS:
        if not marker or any(marker in key for key in keys):
            return name
    return "lora"


def ranks(shapes: dict[str, tuple]) -> list[int]:
    """The distinct ranks: the first dimension of every down (A) matrix (LoHa / LoKr: their *_b matrices)."""
    return sorted({shape[0] for key, shape in shapes.items() if key.endswith(RANK_SUFFIXES) and shape})
