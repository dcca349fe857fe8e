"""Flux.1 Dev, from its Segmind page (facts in tests/page_sheets/).

Page defects settled: `guidance` is typed integer but the example sends 3.5, so it is a float
(default 3, as the page says); `aspect_ratio` has an empty default and a copied description, so it
defaults to the example's "1:1". The page names no sampler: the local twin offers the LoRA pages' lists.
"""
from ..choices import ASPECT_RATIOS_DEV_PRO
from ..common import output_params, seed_param
from ..local import LOCAL_ONLY_SAMPLING, LocalTwin
from ..model import PER_GPU_SECOND, ModelSpec, Price
from ..params import EnumParam, FloatParam, IntParam, PromptParam

MODEL = ModelSpec(
    node_id="SegmindFluxDev",
    display_name="Segmind Flux.1 Dev",
    slug="flux-dev",
    description="Flux.1 [dev] on Segmind's servers: a 12 billion parameter guidance-distilled "
                "text-to-image model. Billed per image to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-dev/api",
    price=Price(0.02, PER_GPU_SECOND, "segmind.com/models/flux-dev/api, 2026-11"),
    typical_seconds=20.0,
    workflow="segmind_flux_dev",
    params=(
        PromptParam("prompt", "Text prompt for image generation.", required=True, default=(
            "detailed cinematic dof render of an old dusty detailed CRT monitor on a wooden desk in a "
            "dim room with items around, messy dirty room. On the screen are the letters \u201cFLUX dev\u201d "
            "glowing softly. High detail hard surface render")),
        EnumParam("aspect_ratio", "Aspect ratio of the generated image.", default="1:1",
                  allowed=ASPECT_RATIOS_DEV_PRO),
        FloatParam("guidance", "Guidance: how closely the image follows the prompt.",
                   default=3.0, minimum=0.0, maximum=10.0, step=0.1),
        *output_params(),
        FloatParam("prompt_strength", "Prompt strength.", default=0.8, minimum=0.0, maximum=1.0),
        IntParam("samples", "Number of samples to generate (the IMAGE output is a batch of this many).",
                 default=1, minimum=1, maximum=4),
        seed_param(46588),
        IntParam("steps", "Number of steps.", default=25, minimum=1, maximum=50),
    ),
    example={"prompt": "a crt monitor", "aspect_ratio": "9:16", "guidance": 3.5, "output_format": "png",
             "output_quality": 95, "prompt_strength": 0.55, "samples": 2, "seed": 77, "steps": 12},
)

LOCAL = LocalTwin(
    node_id="SegmindFluxDevLocal", remote=MODEL, strength_param="prompt_strength",
    workflow="local_flux_dev",
    description="Flux.1 [dev] on your own GPU, with the parameters of the Segmind Flux.1 Dev node. Connect "
                "the Flux dev MODEL (Load Diffusion Model), CLIP (DualCLIPLoader, type flux) and VAE (ae).",
    extra_params=LOCAL_ONLY_SAMPLING,
)
