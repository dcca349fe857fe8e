"""The parameters of the Kontext [pro] and [max] pages: the same six fields, other defaults and words."""
from __future__ import annotations

from .checks import AtMostWithImage
from .choices import ASPECT_RATIOS_KONTEXT, OUTPUT_FORMATS_BFL
from .common import seed_param
from .image_params import ImageParam
from .params import EnumParam, IntParam, PromptParam

# "2 is currently the maximum allowed when input images are used" (both pages).
SAFETY_WITH_IMAGE = AtMostWithImage("safety_tolerance", 2, "input_image")


def kontext_params(prompt: str, aspect_ratio: str, strictest: int, seed: int) -> tuple:
    """`strictest`: the lowest safety tolerance the page names (pro: 0, max: 1)."""
    return (
        PromptParam("prompt", "Describes the desired output or the edit, e.g. 'Turn this into a cyberpunk "
                    "cityscape.'", required=True, default=prompt),
        EnumParam("aspect_ratio", "Width-to-height ratio of the output; match_input_image keeps the input's.",
                  default=aspect_ratio, allowed=ASPECT_RATIOS_KONTEXT),
        ImageParam("input_image", "Image to edit or to guide the generation (high resolution is best). Left "
                   "unconnected, Segmind uses its page's sample photo."),
        EnumParam("output_format", "Output format for the generated image.", default="png",
                  allowed=OUTPUT_FORMATS_BFL),
        IntParam("safety_tolerance", f"Safety tolerance, {strictest} is most strict and 6 is most permissive. 2 is "
                 "the maximum allowed when an input image is used.", default=2, minimum=strictest, maximum=6),
        seed_param(seed),
    )
