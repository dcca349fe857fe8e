"""FLUX.1 Kontext [pro], from its Segmind page (facts in tests/page_sheets/; the page's stored copies end
inside `seed`; its fields are specs/kontext.py's).

Page defects settled: `aspect_ratio` lists 14 values and shows 10 (specs/choices.ASPECT_RATIOS_KONTEXT);
`safety_tolerance` runs 0-6 by its text, and "2 is currently the maximum allowed when input images are
used", which two of the page's examples break by sending 6 with an image: the node refuses more than 2
with an image, before anything is sent. `seed`'s default is cut off: 42 (the Kontext [dev] page's example
seed). `input_image` is optional and defaults to the page's sample photo: left unconnected, Segmind edits
that photo. Closed weights: no local twin.
"""
from ..image_params import ImageExample
from ..kontext import SAFETY_WITH_IMAGE, kontext_params
from ..model import PER_GENERATION, ModelSpec, Price

MODEL = ModelSpec(
    node_id="SegmindFluxKontextPro",
    display_name="Segmind FLUX.1 Kontext [pro]",
    slug="flux-kontext-pro",
    description="FLUX.1 Kontext [pro] on Segmind's servers: edits the input image as the prompt says. "
                "$0.05 per image, billed to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-kontext-pro/api",
    price=Price(0.05, PER_GENERATION, "segmind.com/models/flux-kontext-pro/api, 2026-12"),
    typical_seconds=20.69,
    workflow="segmind_flux_kontext_pro",
    params=kontext_params("make this a real photograph", "match_input_image", strictest=0, seed=42),
    checks=(SAFETY_WITH_IMAGE,),
    example={"prompt": "make it night", "aspect_ratio": "4:3", "input_image": ImageExample(96, 64, 0x3366CC),
             "output_format": "jpg", "safety_tolerance": 0, "seed": 303},
)
