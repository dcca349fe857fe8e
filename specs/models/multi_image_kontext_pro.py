"""Multi-image Kontext [pro], from its Segmind page (facts in tests/page_sheets/; the stored copies end inside
`safety_tolerance`): FLUX.1 Kontext [pro] combining two images as the prompt says.

Page defects settled: `aspect_ratio` lists 14 values and shows 10 (the Kontext pages' list); the range and
default of `safety_tolerance` are cut: 0-2, default 2 (the page's example; 2 is Black Forest Labs' maximum
with input images). No `seed` is shown on this page or in its example: the node sends none, claiming no
field the page does not show. Closed weights: no local twin.
"""
from ..image_params import ImageExample
from ..model import PER_GENERATION, ModelSpec, Price
from ..multi_kontext import multi_kontext_params

MODEL = ModelSpec(
    node_id="SegmindFluxMultiImageKontextPro",
    display_name="Segmind Multi-Image Kontext [pro]",
    slug="multi-image-kontext-pro",
    description="FLUX.1 Kontext [pro] with two input images on Segmind's servers: combines them as the prompt "
                "says. $0.05 per image, billed to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/multi-image-kontext-pro/api",
    price=Price(0.05, PER_GENERATION, "segmind.com/models/multi-image-kontext-pro/api, 2026-12"),
    typical_seconds=22.91,
    workflow="segmind_flux_multi_image_kontext_pro",
    params=multi_kontext_params("A woman is taking a selfie with the man in front of the Taj Mahal.",
                                "match_input_image", "png"),
    example={"prompt": "the two of them on a beach", "input_image_1": ImageExample(96, 64, 0x4477AA),
             "input_image_2": ImageExample(64, 96, 0xAA7744), "aspect_ratio": "3:2", "output_format": "jpg",
             "safety_tolerance": 1},
)
