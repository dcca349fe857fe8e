"""FLUX.2 [flex], from its Segmind page (facts in tests/page_sheets/); its fields and settled defects are
specs/flux2.py's, plus its own guidance, steps and prompt upsampling (known from the example only: no
range shown). Closed weights: no local twin."""
from ..flux2 import flux2_params
from ..image_params import ImageExample
from ..model import PER_MEGAPIXEL, ModelSpec, Price
from ..params import BoolParam, unstated_float, unstated_int

MODEL = ModelSpec(
    node_id="SegmindFlux2Flex",
    display_name="Segmind FLUX.2 [flex]",
    slug="flux-2-flex",
    description="FLUX.2 [flex] on Segmind's servers: FLUX.2 with its steps and guidance to tune, best at text "
                "and fine detail; takes reference images. About $0.172 a megapixel, billed to the account of "
                "SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-2-flex/api",
    price=Price(0.172, PER_MEGAPIXEL, "segmind.com/models/flux-2-flex/api, 2026-12 (~, no unit)"),
    typical_seconds=48.88,
    workflow="segmind_flux_2_flex",
    params=flux2_params("Soft, weightless 3D letters of glowing aurora mist spelling 'Flex', in an ice cave",
                        safety_tolerance=2, extra=(
                            unstated_float("guidance", "Guidance: how closely the image follows the prompt.", 5.0),
                            BoolParam("prompt_upsampling", "Let the server rewrite the prompt for more detail.",
                                      default=True),
                            unstated_int("steps", "Number of sampling steps.", 50))),
    example={"prompt": "a poster that says flex", "image_urls": (ImageExample(72, 56, 0x55AA55),),
             "guidance": 3.5, "height": 640, "output_format": "jpg", "prompt_upsampling": False,
             "safety_tolerance": 4, "seed": 808, "steps": 20, "width": 640},
)
