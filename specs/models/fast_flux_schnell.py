"""Fast Flux.1 Schnell, from its Segmind page (facts in tests/page_sheets/): Segmind's optimised Flux.1
[schnell]. The stored table ends inside `steps`, its last row.

Page defects settled: `steps`'s default and range are cut: any whole number from 0 up, the example's 4 as
default (the flux-schnell page's 1-8 is another slug's; Segmind refuses what it does not take, unbilled).
`seed` shows no range: any seed, the page's 1184522 as default. `base64` (the answer as base64 text) is
offered as the page has it, default false: the pack reads either answer. `aspect_ratio` lists its 9 values
in full: the flux-dev / flux-pro pages' list, same order. The page copies show no time and no price: the time
is Segmind's index average (2.45 s) and the price its average per job ($0.0055, 2026-08-19). Open weights,
but Segmind's optimised build is its own: no local twin (the Flux.1 Schnell node's twin runs schnell).
"""
from ..choices import ASPECT_RATIOS_DEV_PRO
from ..common import seed_param
from ..model import CATALOGUE_AVERAGE, PER_GENERATION, ModelSpec, Price
from ..params import BoolParam, EnumParam, PromptParam, unstated_int

# Segmind's index (www.segmind.com/llms.txt, copy of 2026-08-19): the page copies show no time or price.
INDEX_AVG_COST_USD = 0.005469704305806988
INDEX_AVG_SECONDS = 2.45278

MODEL = ModelSpec(
    node_id="SegmindFastFluxSchnell",
    display_name="Segmind Fast Flux Schnell",
    slug="fast-flux-schnell",
    description="Fast Flux.1 Schnell on Segmind's servers: Segmind's optimised Flux.1 [schnell], a few-step "
                "text-to-image model for fast generation. About $0.0055 per image (Segmind's average; the page "
                "shows no price), billed to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/fast-flux-schnell/api",
    price=Price(INDEX_AVG_COST_USD, PER_GENERATION, f"{CATALOGUE_AVERAGE} (index of 2026-08-19)"),
    typical_seconds=INDEX_AVG_SECONDS,
    workflow="segmind_fast_flux_schnell",
    params=(
        PromptParam("prompt", "Text prompt for generating the image.", required=True, default=(
            "A wallpaper image of sports car with 'Flux' written on it, motion blur, side view, long shot")),
        EnumParam("aspect_ratio", "Aspect ratio of the generated image.", default="1:1",
                  allowed=ASPECT_RATIOS_DEV_PRO),
        BoolParam("base64", "Segmind answers with base64 text instead of the image file; the node reads "
                  "either, so the IMAGE output is the same."),
        seed_param(1184522),
        unstated_int("steps", "Number of inference steps.", 4),
    ),
    example={"prompt": "a red sports car at night", "aspect_ratio": "16:9", "base64": True, "seed": 909,
             "steps": 2},
)
