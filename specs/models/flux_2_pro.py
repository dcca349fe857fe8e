"""FLUX.2 [pro], from its Segmind page (facts in tests/page_sheets/); its fields and settled defects are
specs/flux2.py's. Closed weights: no local twin."""
from ..flux2 import flux2_params
from ..image_params import ImageExample
from ..model import PER_MEGAPIXEL, ModelSpec, Price

MODEL = ModelSpec(
    node_id="SegmindFlux2Pro",
    display_name="Segmind FLUX.2 [pro]",
    slug="flux-2-pro",
    description="FLUX.2 [pro] on Segmind's servers: photorealistic images that keep the subjects and style of "
                "up to several reference images. About $0.073 a megapixel, billed to the account of "
                "SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-2-pro/api",
    price=Price(0.073, PER_MEGAPIXEL, "segmind.com/models/flux-2-pro/api, 2026-12 (~, no unit)"),
    typical_seconds=26.19,
    workflow="segmind_flux_2_pro",
    params=flux2_params("Iridescent neon 3D letters spelling 'Try FLUX.2 Pro on Segmind!' against a futuristic "
                        "dusk skyline", safety_tolerance=3),
    example={"prompt": "the cat in a spacesuit", "image_urls": (ImageExample(64, 64, 0x4477AA),
                                                                 ImageExample(48, 80, 0xAA7744, frames=2)),
             "height": 512, "output_format": "jpg", "safety_tolerance": 1, "seed": 707, "width": 768},
)
