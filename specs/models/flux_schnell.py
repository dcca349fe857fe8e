"""Flux.1 Schnell, from its Segmind page (facts in tests/page_sheets/).

Page defects settled: `samples` has no range on the page; it gets flux-dev's 1-4. The 27 sampler names
are ComfyUI's mid-2024 list (specs/choices.py).
"""
from ..choices import SAMPLERS_MID_2024, SCHEDULERS_SCHNELL
from ..common import seed_param
from ..local import LocalTwin
from ..model import PER_GPU_SECOND, ModelSpec, Price
from ..params import EnumParam, FloatParam, IntParam, PromptParam

MODEL = ModelSpec(
    node_id="SegmindFluxSchnell",
    display_name="Segmind Flux.1 Schnell",
    slug="flux-schnell",
    description="Flux.1 [schnell] on Segmind's servers: the fast, few-step Flux model. "
                "Billed per image to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-schnell/api",
    price=Price(0.008, PER_GPU_SECOND, "segmind.com/models/flux-schnell/api, 2026-11"),
    typical_seconds=10.0,
    workflow="segmind_flux_schnell",
    params=(
        PromptParam("prompt", "Text prompt for generating the image.", required=True, default=(
            "a bengal tiger in an astronaut suit on mars, cubist style holding a sign saying "
            "'awesome text gen'")),
        FloatParam("denoise", "Denoise level for the generated image.", default=1.0,
                   minimum=0.0, maximum=1.0),
        IntParam("height", "Image height, from 512 to 2048 in multiples of 8.",
                 default=1024, minimum=512, maximum=2048, multiple_of=8),
        EnumParam("sampler_name", "Sampler for the image generation process.", default="euler",
                  allowed=SAMPLERS_MID_2024),
        IntParam("samples", "Number of samples to generate (the IMAGE output is a batch of this many).",
                 default=1, minimum=1, maximum=4),
        EnumParam("scheduler", "Scheduler for the image generation process.", default="normal",
                  allowed=SCHEDULERS_SCHNELL),
        seed_param(123456789),
        IntParam("steps", "Number of inference steps for image generation.", default=4,
                 minimum=1, maximum=8),
        IntParam("width", "Image width, from 512 to 2048 in multiples of 8.",
                 default=1024, minimum=512, maximum=2048, multiple_of=8),
    ),
    example={"prompt": "a tiger on mars", "denoise": 0.75, "height": 512, "sampler_name": "uni_pc_bh2",
             "samples": 3, "scheduler": "ddim_uniform", "seed": 5, "steps": 8, "width": 768},
)

LOCAL = LocalTwin(
    node_id="SegmindFluxSchnellLocal", remote=MODEL, strength_param="denoise",
    strength_without_image=True, uses_guidance_param=False, base_model="schnell",
    workflow="local_flux_schnell",
    description="Flux.1 [schnell] on your own GPU, with the parameters of the Segmind Flux.1 Schnell node. "
                "Connect the Flux schnell MODEL, CLIP (DualCLIPLoader, type flux) and VAE (ae).",
)
