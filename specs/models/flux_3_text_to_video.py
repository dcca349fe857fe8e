"""FLUX 3 Text to Video (flux-3-text-to-video): a clip of 5-20 s with its sound, from a prompt. No Segmind page
is stored: the fields are Black Forest Labs' (specs/flux3.py says why and how it is priced). Closed weights:
no local twin."""
from ..flux3 import FLUX3_TYPICAL_SECONDS, flux3_params, flux3_price
from ..model import VIDEO, ModelSpec

# Segmind's index (www.segmind.com/llms.txt, copy of 2026-08-19): average cost per job.
INDEX_AVG_COST_USD = 1.0625

MODEL = ModelSpec(
    node_id="SegmindFlux3TextToVideo",
    display_name="Segmind FLUX 3 Text to Video",
    slug="flux-3-text-to-video",
    description="FLUX 3 on Segmind's servers: a video of 5 to 20 seconds with native, lip-synced sound, from a "
                "prompt. About $1.06 for a 5 s HD clip (Segmind's average; no page price is known), more for longer "
                "or Full-HD clips, billed to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-3-text-to-video/api",
    price=flux3_price(INDEX_AVG_COST_USD, hd_per_s=0.2431, fhd_per_s=0.4147),
    typical_seconds=FLUX3_TYPICAL_SECONDS,
    workflow="segmind_flux_3_text_to_video",
    params=flux3_params("A low tracking shot of a fox sprinting through wet pine undergrowth at dawn. Mist drifts "
                        "between the trees as the camera keeps pace beside it."),
    output=VIDEO,
    fields_confirmed=False,
    example={"prompt": "a lighthouse keeper says 'storm tonight' as waves crash", "aspect_ratio": "16:9",
             "duration": "6", "generate_audio": False, "resolution": "fhd", "safety_tolerance": 1},
)
