"""What a local twin is: which parameters of its remote model it takes, and how they map to sampling.
Each twin is defined next to its model, in specs/models/.

Same names, ranges and defaults as the remote twin; server-only parameters (output_format,
output_quality, disable_safety_checker) are left out, and an image field is an IMAGE input of its own.
Flux Pro, Kontext [pro]/[max], Fill [pro] and FLUX.2 [pro]/[flex] have closed weights and no twin.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .choices import SAMPLERS_LORA_PAGES, SCHEDULERS_LORA_PAGES
from .image_params import is_image_field
from .model import ModelSpec
from .params import EnumParam, Param

SERVER_ONLY = ("output_format", "output_quality", "disable_safety_checker", "go_fast")
# ComfyUI's FluxGuidance default; the LoRA pages expose no guidance, so their twins sample with this.
DEFAULT_FLUX_GUIDANCE = 3.5

# For a page that names no sampler (flux-dev, Krea [dev]): the LoRA pages' lists (euler / simple by default).
LOCAL_ONLY_SAMPLING = (
    EnumParam("sampler_name", "Sampler (local only: the hosted model has none to choose).",
              default="euler", allowed=SAMPLERS_LORA_PAGES),
    EnumParam("scheduler", "Scheduler (local only: the hosted model has none to choose).",
              default="simple", allowed=SCHEDULERS_LORA_PAGES),
)


@dataclass(frozen=True)
class LocalTwin:
    node_id: str  # a public contract: saved workflows name it
    remote: ModelSpec
    description: str
    # The parameter that sets how much of an input image is redrawn (None: always full denoise).
    strength_param: str | None
    workflow: str  # the example workflow's file name, without .json
    base_model: str = "dev"  # which Flux weights it runs: "dev" or "schnell"
    # The LoRA file name its example workflow picks (the user picks their own in the node).
    example_lora_file: str | None = None
    # Whether `strength_param` also applies without an input image (schnell's `denoise` does, as on the server).
    strength_without_image: bool = False
    uses_guidance_param: bool = True
    takes_lora: bool = False
    extra_params: Sequence[Param] = ()
    # The image field the model edits (Kontext's input_image): an IMAGE input, encoded as the reference
    # latent (ComfyUI's ReferenceLatent) instead of an image-to-image start. None: the twin has an optional
    # `image` input for image-to-image.
    reference_param: str | None = None
    steps_param: str = "steps"  # the page's name for the number of steps
    # The diffusion model file its example workflow loads (None: the official Flux file of base_model).
    example_unet_file: str | None = None

    @property
    def params(self) -> tuple[Param, ...]:
        """The widget parameters, in the remote node's order."""
        return tuple(p for p in self.remote.params if p.name not in SERVER_ONLY and not is_image_field(p)) + \
            tuple(self.extra_params)
