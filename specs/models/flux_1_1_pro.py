"""FLUX1.1 [pro], from its Segmind page (facts in tests/page_sheets/). No stored copy shows the whole table:
a preview copy shows `seed`, `width` and `height` (cut inside `height`), with no required flags; the six
other fields are known from the page's example only.

Page defects settled: no required flag is shown, so only `prompt` is required (a job needs one; the node
refuses an empty prompt anyway). `width` has the page's 256-1440 in multiples of 16; `height`'s row is cut
after its default, so it claims no range (not width's: the page does not say they match). `aspect_ratio` and
`output_format` list no values on the stored copies: any one word (such as "16:9", or "custom", which the
width text names; "jpg"), the example's "1:1" and "png" as defaults; Segmind refuses what it does not take
(unbilled). `output_quality` and `safety_tolerance` show no range: any whole number from 0 up, the example's
80 and 2 as defaults; `prompt_upsampling` defaults to the example's false. Whether the page takes
`image_prompt` is not stored: not offered. The page shows no price: the price is Segmind's index average per
job ($0.0499, 2026-08-19), as the catalogue node uses it. Closed weights: no local twin.
"""
from ..common import seed_param
from ..model import CATALOGUE_AVERAGE, PER_GENERATION, ModelSpec, Price
from ..params import BoolParam, IntParam, PromptParam, unstated_choice, unstated_int

# Segmind's index (www.segmind.com/llms.txt, copy of 2026-08-19): the page copies show no price.
INDEX_AVG_COST_USD = 0.049941616963406175

MODEL = ModelSpec(
    node_id="SegmindFlux11Pro",
    display_name="Segmind FLUX1.1 [pro]",
    slug="flux-1.1-pro",
    description="FLUX1.1 [pro] on Segmind's servers: Black Forest Labs' fast, high-quality text-to-image model. "
                "About $0.05 per image (Segmind's average; the page shows no price), billed to the account of "
                "SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-1.1-pro/api",
    price=Price(INDEX_AVG_COST_USD, PER_GENERATION, f"{CATALOGUE_AVERAGE} (index of 2026-08-19)"),
    typical_seconds=14.05,
    workflow="segmind_flux_1_1_pro",
    params=(
        PromptParam("prompt", "Text prompt for generating the image.", required=True, default=(
            "A photo of an astronaut with a mirrored helmet standing in a field of sunflowers. The spacesuit has a "
            "NASA logo on it. The astronaut is covered in dirt and has vines wrapped around his body. The sky is "
            "dark and cloudy.")),
        seed_param(1),
        IntParam("width", "Image width, from 256 to 1440 in multiples of 16. Only used when aspect_ratio is "
                 "custom.", default=1024, minimum=256, maximum=1440, multiple_of=16),
        unstated_int("height", "Image height (the page's row is cut after its default; width's text says the "
                     "size is only used when aspect_ratio is custom).", 1024),
        unstated_choice("aspect_ratio", "Aspect ratio of the image, such as 16:9, or custom to use width and "
                        "height (the width text names custom).", "1:1"),
        unstated_choice("output_format", "File format of the output image, such as png or jpg.", "png"),
        unstated_int("output_quality", "Quality of the saved image (not used for png).", 80),
        BoolParam("prompt_upsampling", "Let the server rewrite the prompt for more creative results."),
        unstated_int("safety_tolerance", "Safety tolerance: higher is more permissive.", 2),
    ),
    example={"prompt": "an astronaut among sunflowers", "seed": 707, "width": 768, "height": 512,
             "aspect_ratio": "custom", "output_format": "jpg", "output_quality": 70, "prompt_upsampling": True,
             "safety_tolerance": 3},
)
