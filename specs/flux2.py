"""The parameters of the FLUX.2 [pro] and [flex] pages. Their stored copies end inside `prompt`; every field
after it is known from the page's example only.

Page defects settled: `image_urls` is marked required, but both pages' examples (text to image) leave it
out: it is optional, and left out when no reference image is connected. Width, height, safety tolerance
(and [flex]'s guidance and steps) have no range the page shows: any number from 0 up, the example's
values as defaults (Segmind refuses what it does not take, unbilled). `output_format` takes the values of
Black Forest Labs' other pages on Segmind (jpg, png). The price has a tilde and no unit: it is taken as
the page example's job (one megapixel out, no reference), and grows with the megapixels in and out, as
Black Forest Labs bills FLUX.2.
"""
from __future__ import annotations

from .choices import OUTPUT_FORMATS_BFL
from .common import seed_param
from .image_params import ImageListParam
from .params import EnumParam, PromptParam, unstated_int

# Reference-image inputs a node shows; each may carry a batch (the page states no limit on the count).
REFERENCE_SLOTS = 4


def flux2_params(prompt: str, safety_tolerance: int, extra: tuple = ()) -> tuple:
    """`extra`: a page's own optional fields; optional fields follow the pages' order (alphabetical)."""
    optional = (
        unstated_int("height", "Output height in pixels.", 1024),
        EnumParam("output_format", "Output format for the generated image.", default="png", allowed=OUTPUT_FORMATS_BFL),
        unstated_int("safety_tolerance", "Safety tolerance: higher is more permissive.", safety_tolerance),
        seed_param(42),
        unstated_int("width", "Output width in pixels.", 1024),
        *extra,
    )
    return (
        PromptParam("prompt", "The main idea or theme of the image.", required=True, default=prompt),
        ImageListParam("image_urls", "Reference images: the output keeps their subjects and style. Each input "
                       "may be a batch; all its images count, in order.", slots=REFERENCE_SLOTS,
                       socket_prefix="reference_image"),
        *sorted(optional, key=lambda param: param.name),
    )
