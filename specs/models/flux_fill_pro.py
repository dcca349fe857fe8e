"""FLUX.1 Fill [pro], from its Segmind page (facts in tests/page_sheets/). The stored copies end inside
`guidance`'s description; the five fields after it are known from the page's example only.

Page defects settled: `mask` is marked required, but its text says an alpha channel in `image` may stand in
for it; ComfyUI hands images without alpha, so the node takes the mask as its own input (required). The
mask must have the image's size (the page's words), checked before anything is sent. `output_format`
takes the values of Black Forest Labs' other pages on Segmind (jpg, png); `guidance`, `safety_tolerance`
and `steps` have no range the page shows: any number from 0 up, the example's values as defaults. `seed`
defaults to the example's 965222. Whether the page has `outpaint` is not in the stored copy: not offered.
Closed weights: no local twin.
"""
from ..choices import OUTPUT_FORMATS_BFL
from ..common import seed_param
from ..image_params import ImageExample, ImageParam, MaskParam
from ..model import PER_GENERATION, ModelSpec, Price
from ..params import BoolParam, EnumParam, PromptParam, unstated_float, unstated_int

MODEL = ModelSpec(
    node_id="SegmindFluxFillPro",
    display_name="Segmind FLUX.1 Fill [pro]",
    slug="flux-fill-pro",
    description="FLUX.1 Fill [pro] on Segmind's servers: redraws the white part of the mask as the prompt says "
                "(inpainting). $0.063 per image, billed to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-fill-pro/api",
    price=Price(0.063, PER_GENERATION, "segmind.com/models/flux-fill-pro/api, 2026-12"),
    typical_seconds=23.06,
    workflow="segmind_flux_fill_pro",
    params=(
        PromptParam("prompt", "What to paint in the masked area.", required=True, default="flower pot on the table"),
        ImageParam("image", "The image to inpaint.", required=True),
        MaskParam("mask", "Black-and-white mask of the image's size: white is redrawn, black is kept (a ComfyUI "
                  "MASK: 1 is redrawn).", required=True, matches="image"),
        unstated_float("guidance", "Guidance: higher follows the prompt more closely, at some cost in image "
                       "quality and variety.", 3.0),
        EnumParam("output_format", "Output format for the generated image.", default="jpg", allowed=OUTPUT_FORMATS_BFL),
        BoolParam("prompt_upsampling", "Let the server rewrite the prompt for more creative results."),
        unstated_int("safety_tolerance", "Safety tolerance: higher is more permissive.", 2),
        seed_param(965222),
        unstated_int("steps", "Number of diffusion steps.", 50),
    ),
    example={"prompt": "a red vase", "image": ImageExample(128, 96, 0x996633), "mask": ImageExample(128, 96, 0xFF),
             "guidance": 4.5, "output_format": "png", "prompt_upsampling": True, "safety_tolerance": 3,
             "seed": 606, "steps": 20},
)
