"""FLUX.2 [klein] 4B, from its Segmind page (facts in tests/page_sheets/). The stored copies' table
(alphabetical) ends inside `sampler`; `seed` and `steps` are known from the page's example only.

Page defects settled: `aspect_ratio` counts 11 values and shows 10: the node offers the 10 shown and no value
the page does not show (no documented FLUX.2 [klein] list with the same first values is stored; Gemini's
lists share them, but are not this model's). `sampler` is cut before its values and default: any one word,
the example's "euler" as default. `seed` and `steps` show no range: the example's 3425234 as the seed's
default (the pack's seed range), any number from 0 up for steps, default the example's 20 (Segmind refuses
what it does not take, unbilled). `image_urls` states no maximum count; with no image connected the body
sends an empty list, as the page's example does. `negative_prompt` cannot be left empty (the pack has no optional
text type yet). The two stored copies conflict on time and price
(~10.93 s / ~$0.033 and ~10.39 s / ~$0.032): the copy with the table gives the figures. The price has a
tilde (an estimate at the example's inputs): taken as billed per GPU second, as flux-img2img's tilde price is.

Open weights (FLUX.2 [klein] 4B); no local twin yet.
"""
from ..common import seed_param
from ..flux2 import REFERENCE_SLOTS
from ..image_params import ImageExample, ImageListParam
from ..model import PER_GPU_SECOND, ModelSpec, Price
from ..params import BoolParam, EnumParam, FloatParam, IntParam, PromptParam, unstated_choice, unstated_int

# The 10 values the page shows of its 11, in its order.
ASPECT_RATIOS_KLEIN_SHOWN = ("match_input_image", "1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9")
IMAGE_FORMATS_KLEIN = ("png", "jpeg", "webp")

MODEL = ModelSpec(
    node_id="SegmindFlux2Klein4B",
    display_name="Segmind FLUX.2 [klein] 4B",
    slug="flux-2-klein-4b",
    description="FLUX.2 [klein] 4B on Segmind's servers: fast text-to-image, or edits guided by reference "
                "images. About $0.033 per image at the page's defaults, billed to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-2-klein-4b/api",
    price=Price(0.033, PER_GPU_SECOND, "segmind.com/models/flux-2-klein-4b/api, 2026-12"),
    typical_seconds=10.93,
    workflow="segmind_flux_2_klein_4b",
    params=(
        PromptParam("prompt", "Prompt describing the image to generate.", required=True,
                    default="A humanoid figure with a vintage television for a head, its green screen displaying "
                            "'FLUX.2 Klein on Segmind' in ASCII text. Wearing a yellow raincoat with wires and "
                            "components trailing from the TV set"),
        EnumParam("aspect_ratio", "Width-to-height ratio of the output; match_input_image keeps the first "
                  "reference image's (the 10 values the page shows of its 11).", default="1:1",
                  allowed=ASPECT_RATIOS_KLEIN_SHOWN),
        FloatParam("cfg", "Classifier-free guidance scale, from 1 to 20.", default=5.0, minimum=1.0, maximum=20.0,
                   step=0.1),
        BoolParam("go_fast", "Enable fast generation mode.", default=True),
        EnumParam("image_format", "File format of the output image.", default="png", allowed=IMAGE_FORMATS_KLEIN),
        ImageListParam("image_urls", "Reference images to edit or follow; none: text to image. Each input may be "
                       "a batch; all its images count, in order.", slots=REFERENCE_SLOTS,
                       socket_prefix="reference_image", when_empty="send"),
        PromptParam("negative_prompt", "What to keep out of the image.", default="low quality, blurry, less details"),
        IntParam("quality", "Output image quality, from 10 to 100.", default=90, minimum=10, maximum=100),
        unstated_choice("sampler", "Sampler of the diffusion.", "euler"),
        seed_param(3425234),
        unstated_int("steps", "Number of diffusion steps.", 20),
    ),
    example={"prompt": "a paper boat on a pond", "aspect_ratio": "3:2", "cfg": 3.5, "go_fast": False,
             "image_format": "webp", "image_urls": (ImageExample(64, 64, 0x336699),),
             "negative_prompt": "text, watermark", "quality": 75, "sampler": "dpmpp_2m", "seed": 404, "steps": 8},
)
