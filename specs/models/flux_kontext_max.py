"""FLUX.1 Kontext [max], from its Segmind page (facts in tests/page_sheets/; the page's stored copies end
inside `seed`; its fields are specs/kontext.py's, as on the [pro] page).

Page defects settled as for [pro]: the 14 ratios, more than 2 of safety tolerance refused with an image
(the example sends 6 with one). Its text makes 1 the strictest tolerance (the [pro] page says 0). `seed`'s
default is cut off: the page example's 30699. Closed weights: no local twin.
"""
from ..image_params import ImageExample
from ..kontext import SAFETY_WITH_IMAGE, kontext_params
from ..model import PER_GENERATION, ModelSpec, Price

MODEL = ModelSpec(
    node_id="SegmindFluxKontextMax",
    display_name="Segmind FLUX.1 Kontext [max]",
    slug="flux-kontext-max",
    description="FLUX.1 Kontext [max] on Segmind's servers: the strongest Kontext, best with typography; edits "
                "the input image as the prompt says. $0.10 per image, billed to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-kontext-max/api",
    price=Price(0.1, PER_GENERATION, "segmind.com/models/flux-kontext-max/api, 2026-12"),
    typical_seconds=24.34,
    workflow="segmind_flux_kontext_max",
    params=kontext_params("Make her take a selfie in the streets of Freiburg, it's a lovely day out", "16:9",
                          strictest=1, seed=30699),
    checks=(SAFETY_WITH_IMAGE,),
    example={"prompt": "add a hat", "aspect_ratio": "match_input_image", "input_image": ImageExample(80, 120, 0xCC6633),
             "output_format": "jpg", "safety_tolerance": 1, "seed": 404},
)
