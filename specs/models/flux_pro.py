"""Flux.1 Pro, from its Segmind page (facts in tests/page_sheets/).

Page defects settled: `guidance` (typed integer, range 2-5) is a float like flux-dev's;
`aspect_ratio` defaults to the example's "1:1". Flux Pro has closed weights, so it has no local twin.
"""
from ..choices import ASPECT_RATIOS_DEV_PRO
from ..common import output_params, seed_param
from ..model import PER_GENERATION, ModelSpec, Price
from ..params import EnumParam, FloatParam, IntParam, PromptParam

MODEL = ModelSpec(
    node_id="SegmindFluxPro",
    display_name="Segmind Flux.1 Pro",
    slug="flux-pro",
    description="Flux.1 [pro] on Segmind's servers. Its weights are closed, so this model runs only "
                "remotely (there is no local twin). Billed per image to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-pro/api",
    price=Price(0.069, PER_GENERATION, "segmind.com/models/flux-pro/api, 2026-11"),
    typical_seconds=20.0,
    workflow="segmind_flux_pro",
    params=(
        PromptParam("prompt", "Text prompt for image generation.", required=True, default=(
            "A mesmerizing 4D rendering illustration masterpiece, capturing the name '1 million users "
            "congratulations'under in a captivating, dripping, melting style. The bright, bold white "
            "letters are illuminated with vivid hues and emit a whimsical, fun movement. The "
            "surrounding abstract shapes, splashes, and drops in various bright colors add to the "
            "dynamic atmosphere. The pristine white background contrasts with the bold, striking colors "
            "of the text and its surroundings, showcasing the artist's exceptional skills in 3D "
            "rendering and illustration. The artist's innovative fusion of typography, 3D rendering, "
            "and illustration results in an awe-inspiring piece that is visually stunning, "
            "transcending the boundaries of painting, 3D rendering, and vibrant typography., 3d render")),
        EnumParam("aspect_ratio", "Aspect ratio of the generated image.", default="1:1",
                  allowed=ASPECT_RATIOS_DEV_PRO),
        FloatParam("guidance", "Guidance: how closely the image follows the prompt.",
                   default=3.0, minimum=2.0, maximum=5.0, step=0.1),
        IntParam("interval", "Interval: variety of possible outputs (higher is more varied).",
                 default=2, minimum=1, maximum=4),
        *output_params(),
        IntParam("safety_tolerance", "Safety tolerance: 1 is the strictest, 5 the most permissive.",
                 default=2, minimum=1, maximum=5),
        seed_param(46588),
        IntParam("steps", "Number of steps.", default=25, minimum=1, maximum=50),
    ),
    example={"prompt": "melting letters", "aspect_ratio": "3:2", "guidance": 4.5, "interval": 3,
             "output_format": "jpg", "output_quality": 70, "safety_tolerance": 5, "seed": 300, "steps": 30},
)
