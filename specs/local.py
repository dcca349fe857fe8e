"""What a local twin is: which parameters of its remote model it takes, and how they map to sampling.
Each twin is defined next to its model, in specs/models/.

Same names, ranges and defaults as the remote twin; server-only parameters (output_format,
output_quality, disable_safety_checker, go_fast) are left out, and an image field is an input of its own
that only a link fills (`link_inputs`), next to the extra models some graphs load (Redux's CLIP vision and
style model). Flux Pro, FLUX1.1 [pro], Kontext [pro]/[max], Fill [pro], Depth [pro] and FLUX.2 [pro]/[flex]
have closed weights and no twin.
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

# How a twin's image inputs enter ComfyUI's graph (samplers/image_graphs.py; None: text-to-image, with an
# optional `image` for image-to-image): Kontext's reference latent, Fill's InpaintModelConditioning, Depth's
# InstructPixToPixConditioning, Redux's CLIP vision features through the style model.
KONTEXT, FILL, DEPTH, REDUX = "kontext", "fill", "depth", "redux"
# Fill's and Depth's `megapixels` for the input image's size (the word of the pages' upstream schema).
MATCH_INPUT_MEGAPIXELS = "match_input"
# Flux's img_in reads its 16 latent channels, and what a graph concatenates to them: Depth's encoded depth
# map (32), Fill's encoded image and its 8 x 8 mask (96).
FLUX_CHANNELS = 16


@dataclass(frozen=True)
class LinkInput:
    """A required input that only a link fills (an image, a mask, a loaded model), after model, clip and vae."""
    name: str
    kind: str  # its ComfyUI type: IMAGE, MASK, CLIP_VISION, STYLE_MODEL
    tooltip: str
    # The file its loader picks in the example workflow (a model input; an image comes from the catalogue).
    example_file: str | None = None


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
    # How its images enter the graph (KONTEXT, FILL, DEPTH, REDUX); None: the optional `image` input is an
    # image-to-image start.
    graph: str | None = None
    link_inputs: Sequence[LinkInput] = ()
    # The input channels its diffusion model reads (FLUX_CHANNELS, or more where the graph concatenates latents).
    model_channels: int = FLUX_CHANNELS
    steps_param: str = "steps"  # the page's name for the number of steps
    # The diffusion model file its example workflow loads (None: the official Flux file of base_model).
    example_unet_file: str | None = None

    @property
    def params(self) -> tuple[Param, ...]:
        """The widget parameters, in the remote node's order."""
        return tuple(p for p in self.remote.params if p.name not in SERVER_ONLY and not is_image_field(p)) + \
            tuple(self.extra_params)
