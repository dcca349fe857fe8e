"""Multi-image Kontext [max], from its Segmind page (facts in tests/page_sheets/; the stored copies end inside
`safety_tolerance`): FLUX.1 Kontext [max] combining two images as the prompt says.

Page defects settled: as for [pro] (specs/multi_kontext.py), with the defaults this page shows
(`aspect_ratio` "16:9", `output_format` "jpg"). `seed` is past the cut, known from the page's example (42):
the node takes it with the range of every seed of the pack. The page says $0.1 per generation; Segmind's
index averages $0.088 (the estimate uses the page). Closed weights: no local twin.
"""
from ..common import seed_param
from ..image_params import ImageExample
from ..model import PER_GENERATION, ModelSpec, Price
from ..multi_kontext import multi_kontext_params

MODEL = ModelSpec(
    node_id="SegmindFluxMultiImageKontextMax",
    display_name="Segmind Multi-Image Kontext [max]",
    slug="multi-image-kontext-max",
    description="FLUX.1 Kontext [max] with two input images on Segmind's servers: combines them as the prompt "
                "says. $0.1 per image, billed to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/multi-image-kontext-max/api",
    price=Price(0.1, PER_GENERATION, "segmind.com/models/multi-image-kontext-max/api, 2026-12"),
    typical_seconds=18.27,
    workflow="segmind_flux_multi_image_kontext_max",
    params=multi_kontext_params("put the green dress on the woman while maintaining the pose of the woman as it is",
                                "16:9", "jpg") + (seed_param(42),),
    example={"prompt": "swap their coats", "input_image_1": ImageExample(96, 64, 0x55AA77),
             "input_image_2": ImageExample(64, 96, 0x7755AA), "aspect_ratio": "4:3", "output_format": "png",
             "safety_tolerance": 0, "seed": 4711},
)
