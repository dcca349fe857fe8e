"""FLUX.1 Depth [pro], from its Segmind page (facts in tests/page_sheets/). The v1 table copy ends at
`output_format`; `seed` and `steps` come from the page's older "Attributes" layout, `prompt_upsampling` and
`safety_tolerance` from the page's example only.

Page defects settled: `output_format` is cut before its values and default: any one word, the example's
"jpg" as default (Fill [pro] offers jpg and png, Black Forest Labs' values on its other pages; this page
shows none). `safety_tolerance` has no range the page shows: any number from 0 up, the example's 2 as
default. `guidance` is 1-50, default 7; `steps` the old layout's 15-50, default 40. `seed` defaults to the
old layout's 96522, `prompt_upsampling` to the example's false.
Closed weights: no local twin.
"""
from ..common import seed_param
from ..image_params import ImageExample, ImageParam
from ..model import PER_GENERATION, ModelSpec, Price
from ..params import BoolParam, FloatParam, IntParam, PromptParam, unstated_choice, unstated_int

MODEL = ModelSpec(
    node_id="SegmindFluxDepthPro",
    display_name="Segmind FLUX.1 Depth [pro]",
    slug="flux-depth-pro",
    description="FLUX.1 Depth [pro] on Segmind's servers: draws the prompt while keeping the depth (3D layout) "
                "of the control image. $0.063 per image, billed to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-depth-pro/api",
    price=Price(0.063, PER_GENERATION, "segmind.com/models/flux-depth-pro/api, 2026-12"),
    typical_seconds=25.66,
    workflow="segmind_flux_depth_pro",
    params=(
        PromptParam("prompt", "Text prompt for image generation.", required=True,
                    default="American man, smiling, waving, eyeglasses, casual clothing, sitting at desk, laptop, "
                            "home office, indoor, daylight, modern decor, house plants, bookshelf, natural lighting"),
        ImageParam("control_image", "Image to use as control input (jpeg, png or webp on the page; the node "
                   "sends png).", required=True),
        FloatParam("guidance", "Guidance: higher follows the prompt more closely, at some cost in image quality "
                   "and variety.", default=7.0, minimum=1.0, maximum=50.0, step=0.1),
        unstated_choice("output_format", "Format of the output images, such as jpg or png.", "jpg"),
        BoolParam("prompt_upsampling", "Let the server rewrite the prompt for more creative results."),
        unstated_int("safety_tolerance", "Safety tolerance: higher is more permissive.", 2),
        seed_param(96522),
        IntParam("steps", "Number of diffusion steps: more give finer details but take longer.",
                 default=40, minimum=15, maximum=50),
    ),
    example={"prompt": "a knight in armour at the desk", "control_image": ImageExample(96, 128, 0x6688AA),
             "guidance": 12.5, "output_format": "png", "prompt_upsampling": True, "safety_tolerance": 1,
             "seed": 909, "steps": 20},
)
