"""Flux.1 Image To Image, from the stored copies of segmind.com/models/flux-img2img/api (the fact sheet
of the other Flux pages, completed by the one table copy that reaches the page's end: ~24.74 s, ~$0.026,
denoise 0-1, steps 1-50, the seven schedulers; see the note on issue 21).

Page defects settled: `sampler_name` counts 26 values and shows 10, two of them split by the page's
rendering ("euler_ancestra", "leuler_ancestral_cfg_pp"): the node offers the 10 shown, mended, and no
name the page does not show. `seed` shows no range: the range of every seed of the pack (-1 for the
server's pick, up to 2^64 - 1). `prompt` defaults to the example's "anime style" (the table's default,
"3d pixar style", disagrees with its own example). `base64` (the answer as base64 text) is offered as the
page has it, default false: the pack reads either answer. The output has the input image's size (the page
has no size field). The fuller copy's facts are transcribed in tests/page_sheets/flux-img2img.md.
"""
from ..choices import SCHEDULERS_LORA_PAGES
from ..common import seed_param
from ..image_params import ImageExample, ImageParam
from ..model import PER_GPU_SECOND, ModelSpec, Price
from ..params import BoolParam, EnumParam, FloatParam, IntParam, PromptParam

# The 10 names the page shows of its 26, in its order.
SAMPLERS_SHOWN = ("euler", "euler_cfg_pp", "euler_ancestral", "euler_ancestral_cfg_pp", "heun", "heunpp2",
                  "dpm_2", "dpm_2_ancestral", "lms", "dpm_fast")

MODEL = ModelSpec(
    node_id="SegmindFluxImg2Img",
    display_name="Segmind Flux.1 Image To Image",
    slug="flux-img2img",
    description="Flux.1 image-to-image on Segmind's servers: redraws the input image as the prompt says; "
                "denoise sets how much. About $0.026 per image at the page's defaults, billed to the account "
                "of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-img2img/api",
    price=Price(0.026, PER_GPU_SECOND, "segmind.com/models/flux-img2img/api, 2026-12"),
    typical_seconds=24.74,
    workflow="segmind_flux_img2img",
    params=(
        PromptParam("prompt", "What the image should become.", required=True, default="anime style"),
        FloatParam("denoise", "How much of the input image is redrawn: 0 keeps it, 1 redraws it all.",
                   required=True, default=0.75, minimum=0.0, maximum=1.0),
        ImageParam("image", "The image to start from (the node uploads it as png).", required=True),
        EnumParam("sampler_name", "Sampler of the denoising (the 10 names the page shows of its 26).",
                  required=True, default="euler", allowed=SAMPLERS_SHOWN),
        EnumParam("scheduler", "Scheduler of the denoising.", required=True, default="simple",
                  allowed=SCHEDULERS_LORA_PAGES),
        IntParam("steps", "Number of denoising steps.", required=True, default=20, minimum=1, maximum=50),
        BoolParam("base64", "Segmind answers with base64 text instead of the image file; the node reads "
                  "either, so the IMAGE output is the same."),
        seed_param(46588),
    ),
    example={"denoise": 0.4, "image": ImageExample(112, 80, 0x7755AA), "prompt": "a watercolor painting",
             "sampler_name": "dpm_2_ancestral", "scheduler": "beta", "steps": 31, "base64": True, "seed": 707},
)
