"""The parameters of the two-image Kontext pages (multi-image-kontext-pro and -max): two required images,
the prompt, the Kontext aspect ratios and output formats, and a safety tolerance whose range both stored
copies cut: 0 to 2, as Black Forest Labs allows with input images (both images are always sent)."""
from __future__ import annotations

from .choices import ASPECT_RATIOS_KONTEXT, OUTPUT_FORMATS_BFL
from .image_params import ImageParam
from .params import EnumParam, IntParam, PromptParam

MAX_SAFETY_WITH_IMAGES = 2


def multi_kontext_params(prompt: str, aspect_ratio: str, output_format: str) -> tuple:
    return (
        PromptParam("prompt", "How to combine the two images, e.g. 'A woman is taking a selfie with the man in "
                    "front of the Taj Mahal.'", required=True, default=prompt),
        ImageParam("input_image_1", "The first image (jpeg, png or webp on the page; the node sends png).",
                   required=True),
        ImageParam("input_image_2", "The second image.", required=True),
        EnumParam("aspect_ratio", "Width-to-height ratio of the output; match_input_image keeps the input's.",
                  default=aspect_ratio, allowed=ASPECT_RATIOS_KONTEXT),
        EnumParam("output_format", "Output format for the generated image.", default=output_format,
                  allowed=OUTPUT_FORMATS_BFL),
        IntParam("safety_tolerance", "Safety filtering, 0 strictest. The page's range is cut off in every stored "
                 "copy; 2 is the most Black Forest Labs allows with input images.", default=MAX_SAFETY_WITH_IMAGES,
                 minimum=0, maximum=MAX_SAFETY_WITH_IMAGES),
    )
