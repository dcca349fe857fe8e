"""Chroma, from its Segmind page (facts in tests/page_sheets/). The stored copies (v1, v2, an old layout and a
preview) name only `prompt`, `aspect_ratio` and `base64`; the preview's ranges are matched to the other fields
by their order and wording, and every field's name is in the page's example.

Page defects settled: `aspect_ratio` takes the labelled strings the API takes ("1:1 square 1024x1024": each
names its size), plus "custom"; whether `width` / `height` count only with "custom" is not stated: the node
sends them as the page's example does. Most defaults are not shown: `width`, `height`, `cfg`, `steps`,
`image_quality`, `seed` and `negative_prompt` take the example's values within the preview's ranges (a
negative prompt cannot be left empty: the pack has no optional text type yet). `sampler_name`,
`scheduler` and `image_format` show "Allowed values:" without the list: any one word, the example's as
default (Segmind refuses what it does not take, unbilled). `samples` has no range shown: 1 to 4, as on the
pages that show one (specs/output_count.py). `base64` (the answer as base64 text) is offered as the page has it, default
the example's false (its own default is cut): the pack reads either answer. Required flags other than
`prompt`'s are not shown: the rest are optional. The price shown has a tilde (an estimate at the example's
inputs): taken as billed per GPU second, as flux-img2img's tilde price is.

Open weights (Chroma, derived from FLUX.1 [schnell]); no local twin yet.
"""
from ..common import seed_param
from ..output_count import unstated_count
from ..model import PER_GPU_SECOND, ModelSpec, Price
from ..params import BoolParam, EnumParam, FloatParam, IntParam, PromptParam, unstated_choice, unstated_int

# The page's 10 values, as the API takes them (each label names its size); "custom" uses width and height.
ASPECT_RATIOS_CHROMA = (
    "custom", "1:1 square 1024x1024", "3:4 portrait 896x1152", "5:8 portrait 832x1216", "9:16 portrait 768x1344",
    "9:21 portrait 640x1536", "4:3 landscape 1152x896", "3:2 landscape 1216x832", "16:9 landscape 1344x768",
    "21:9 landscape 1536x640",
)

MODEL = ModelSpec(
    node_id="SegmindChroma",
    display_name="Segmind Chroma",
    slug="chroma",
    description="Chroma on Segmind's servers: an open-weight text-to-image model derived from FLUX.1 [schnell]. "
                "About $0.055 per image at the page's defaults, billed to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/chroma/api",
    price=Price(0.055, PER_GPU_SECOND, "segmind.com/models/chroma/api, 2026-12"),
    typical_seconds=53.11,
    workflow="segmind_chroma",
    params=(
        PromptParam("prompt", "Describes the imagery scene; specific details yield rich images.", required=True,
                    default="Close-up portrait of a young knight in shining armor, holding a sword, set against "
                            "a medieval castle background, dramatic lighting."),
        PromptParam("negative_prompt", "What to keep out of the image.",
                    default="low quality, ugly, deformed, blurry, bad anatomy, distorted, unrealistic"),
        IntParam("width", "Image width in pixels, from 768 to 2048 (default: the page example's; the page does not "
                 "say whether it counts with a labelled aspect_ratio).", default=1024, minimum=768, maximum=2048),
        IntParam("height", "Image height in pixels, from 768 to 2048 (default: the page example's; the page does "
                 "not say whether it counts with a labelled aspect_ratio).", default=1024, minimum=768, maximum=2048),
        EnumParam("aspect_ratio", "Aspect ratio and size of the image; custom: width and height.",
                  default="1:1 square 1024x1024", allowed=ASPECT_RATIOS_CHROMA),
        FloatParam("cfg", "Guides prompt adherence, from 1 to 20 (default: the page example's).", default=7.0,
                   minimum=1.0, maximum=20.0, step=0.1),
        unstated_choice("sampler_name", "Sampler of the diffusion.", "euler"),
        unstated_choice("scheduler", "Scheduler of the diffusion.", "beta"),
        IntParam("steps", "Number of diffusion steps, from 10 to 75 (default: the page example's).", default=40,
                 minimum=10, maximum=75),
        seed_param(123456789),
        unstated_count("samples"),
        unstated_choice("image_format", "File format of the output image.", "png"),
        IntParam("image_quality", "Quality of the output image, from 1 to 100 (default: the page example's).",
                 default=95, minimum=1, maximum=100),
        BoolParam("base64", "Segmind answers with base64 text instead of the image file; the node reads either, "
                  "so the IMAGE output is the same."),
    ),
    example={"prompt": "a lighthouse at dusk, oil painting", "negative_prompt": "text, watermark", "width": 832,
             "height": 1216, "aspect_ratio": "custom", "cfg": 4.5, "sampler_name": "dpmpp_2m",
             "scheduler": "karras", "steps": 20, "seed": 808, "samples": 2, "image_format": "jpeg",
             "image_quality": 80, "base64": True},
)
