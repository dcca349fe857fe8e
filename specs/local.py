"""The local twins: which parameters of each remote model they take, and how they map to sampling.

Same names, ranges and defaults as the remote twin; server-only parameters (output_format,
output_quality) are left out. Flux Pro has closed weights and no twin.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .choices import SAMPLERS_LORA_PAGES, SCHEDULERS_LORA_PAGES
from .flux_dev import FLUX_DEV
from .flux_schnell import FLUX_SCHNELL
from .lora_pages import FLUX_BMW_LORA, SIMPLE_VECTOR_FLUX
from .model import ModelSpec
from .params import EnumParam, Param

SERVER_ONLY = ("output_format", "output_quality")
# ComfyUI's FluxGuidance default; the LoRA pages expose no guidance, so their twins sample with this.
DEFAULT_FLUX_GUIDANCE = 3.5

# flux-dev's page names no sampler: the twin offers the LoRA pages' lists (euler / simple by default).
LOCAL_ONLY_SAMPLING = (
    EnumParam("sampler_name", "Sampler (local only: the hosted flux-dev has none to choose).",
              default="euler", allowed=SAMPLERS_LORA_PAGES),
    EnumParam("scheduler", "Scheduler (local only: the hosted flux-dev has none to choose).",
              default="simple", allowed=SCHEDULERS_LORA_PAGES),
)


@dataclass(frozen=True)
class LocalTwin:
    node_id: str
    remote: ModelSpec
    description: str
    # The parameter that sets how much of an input image is redrawn (None: always full denoise).
    strength_param: str | None
    # Whether `strength_param` also applies without an input image (schnell's `denoise` does, as on the server).
    strength_without_image: bool = False
    uses_guidance_param: bool = True
    takes_lora: bool = False
    extra_params: Sequence[Param] = ()

    @property
    def params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.remote.params if p.name not in SERVER_ONLY) + tuple(self.extra_params)


FLUX_DEV_LOCAL = LocalTwin(
    node_id="SegmindFluxDevLocal", remote=FLUX_DEV, strength_param="prompt_strength",
    description="Flux.1 [dev] on your own GPU, with the parameters of the Segmind Flux.1 Dev node. Connect "
                "the Flux dev MODEL (Load Diffusion Model), CLIP (DualCLIPLoader, type flux) and VAE (ae).",
    extra_params=LOCAL_ONLY_SAMPLING,
)
FLUX_SCHNELL_LOCAL = LocalTwin(
    node_id="SegmindFluxSchnellLocal", remote=FLUX_SCHNELL, strength_param="denoise",
    strength_without_image=True, uses_guidance_param=False,
    description="Flux.1 [schnell] on your own GPU, with the parameters of the Segmind Flux.1 Schnell node. "
                "Connect the Flux schnell MODEL, CLIP (DualCLIPLoader, type flux) and VAE (ae).",
)
FLUX_BMW_LORA_LOCAL = LocalTwin(
    node_id="SegmindFluxBMWLoRALocal", remote=FLUX_BMW_LORA, strength_param=None, uses_guidance_param=False,
    takes_lora=True,
    description="Flux dev + a LoRA file from models/loras on your own GPU, with the parameters of the "
                "Segmind mybmwlora node (guidance 3.5, as ComfyUI's Flux default).",
)
SIMPLE_VECTOR_FLUX_LOCAL = LocalTwin(
    node_id="SegmindSimpleVectorFluxLocal", remote=SIMPLE_VECTOR_FLUX, strength_param=None,
    uses_guidance_param=False, takes_lora=True,
    description="Flux dev + a LoRA file from models/loras on your own GPU, with the parameters of the "
                "Segmind Simple Vector Flux node (guidance 3.5, as ComfyUI's Flux default).",
)

LOCAL_TWINS: tuple[LocalTwin, ...] = (FLUX_BMW_LORA_LOCAL, FLUX_DEV_LOCAL, FLUX_SCHNELL_LOCAL,
                                      SIMPLE_VECTOR_FLUX_LOCAL)
