"""Flux ControlNets, from its Segmind page (facts in tests/page_sheets/). The stored v1 table ends inside
`sampler`; an older layout of the page adds `base64` and `cn_stop`; the other twelve fields are known from the
page's example only.

Page defects settled: the value lists of `sampler` (its row is cut), `scheduler`, `cn_type` and `image_format`
are not shown anywhere, so the node claims none: each is a one-word text, the example's value as default (the
shared lists of specs/choices.py are not used: this page names its field `sampler`, not `sampler_name`, and
shows none of its names). No number shows a range: `cn_stop`, `cn_strength`, `custom_height`, `custom_width`,
`guidance`, `quality` and `steps` take any number from 0 up, the example's values (`cn_stop`: the old
layout's 0.5) as defaults. `samples` has no range either: it gets flux-dev's 1-4, as flux-schnell's. `base64`:
the old layout's default is 1 (true) while every example sends false; the node defaults to false (the answer
as the image file) and offers the flag as the page has it: the pack reads either answer. `seed` shows no range:
the range of every seed of the pack. `use_input_img_dimension` defaults to the example's true; whether
`custom_width`/`custom_height` then count is not known. The page does not name its ControlNet weights (Flux
dev's are open, the ControlNet's unknown): no local twin.
"""
from ..common import seed_param
from ..image_params import ImageExample, ImageParam
from ..model import PER_GPU_SECOND, ModelSpec, Price
from ..params import BoolParam, IntParam, PromptParam, unstated_choice, unstated_float, unstated_int

MODEL = ModelSpec(
    node_id="SegmindFluxControlNet",
    display_name="Segmind Flux ControlNet",
    slug="flux-controlnet",
    description="Flux with a ControlNet on Segmind's servers: draws the prompt following the structure of the "
                "input image (a pose, by default). About $0.048 per image at the page's defaults, billed to the "
                "account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-controlnet/api",
    price=Price(0.048, PER_GPU_SECOND, "segmind.com/models/flux-controlnet/api, 2026-12"),
    typical_seconds=49.03,
    workflow="segmind_flux_controlnet",
    params=(
        PromptParam("prompt", "The prompt describing the image.", required=True, default=(
            "Young woman in leather jacket and black mini skirt, busy city street, bokeh background, Kodak film, "
            "sunglasses on head, high quality photo, photorealistic, sharp focus, vibrant colors, urban fashion, "
            "street style, natural lighting, 35mm lens")),
        ImageParam("image", "Input image: the control the output follows (the node uploads it as png).",
                   required=True),
        unstated_choice("sampler", "Sampling method.", "euler", required=True),
        BoolParam("base64", "Segmind answers with base64 text instead of the image file; the node reads "
                  "either, so the IMAGE output is the same."),
        unstated_float("cn_stop", "ControlNet stop: when in the sampling the control stops acting.", 0.5),
        unstated_float("cn_strength", "ControlNet strength: how strongly the output follows the control.", 0.4),
        unstated_choice("cn_type", "Kind of control the input image is read as.", "pose"),
        unstated_int("custom_height", "Output height, when the input image's size is not used.", 1024),
        unstated_int("custom_width", "Output width, when the input image's size is not used.", 1024),
        unstated_float("guidance", "Guidance: how closely the image follows the prompt.", 3.5),
        unstated_choice("image_format", "File format of the output image.", "jpeg"),
        unstated_int("quality", "Quality of the output image file.", 95),
        IntParam("samples", "Number of samples to generate (the IMAGE output is a batch of this many).",
                 default=1, minimum=1, maximum=4),
        unstated_choice("scheduler", "Scheduler of the sampling.", "simple"),
        seed_param(652889),
        unstated_int("steps", "Number of sampling steps.", 20),
        BoolParam("use_input_img_dimension", "Give the output the input image's size.", default=True),
    ),
    example={"prompt": "a dancer on a rooftop at dusk", "image": ImageExample(96, 128, 0x5577AA),
             "sampler": "euler_ancestral", "base64": True, "cn_stop": 0.8, "cn_strength": 0.6, "cn_type": "canny",
             "custom_height": 768, "custom_width": 512, "guidance": 4.5, "image_format": "png", "quality": 90,
             "samples": 2, "scheduler": "karras", "seed": 4242, "steps": 12, "use_input_img_dimension": False},
)
