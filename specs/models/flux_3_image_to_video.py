"""FLUX 3 Image to Video (flux-3-image-to-video): a clip of 5-20 s with its sound that starts from an image.
No Segmind page is stored: the fields are Black Forest Labs' (specs/flux3.py); BFL's image field is
`keyframes`, sent here as one image URL (BFL also takes a list of timed keyframes, which this node does not
send). Closed weights: no local twin."""
from ..flux3 import FLUX3_TYPICAL_SECONDS, flux3_params, flux3_price, keyframe_param, keyframe_size_check
from ..image_params import ImageExample
from ..model import VIDEO, ModelSpec

# Segmind's index (www.segmind.com/llms.txt, copy of 2026-08-19): average cost per job.
INDEX_AVG_COST_USD = 1.0625

MODEL = ModelSpec(
    node_id="SegmindFlux3ImageToVideo",
    display_name="Segmind FLUX 3 Image to Video",
    slug="flux-3-image-to-video",
    description="FLUX 3 on Segmind's servers: brings an image to life as a video of 5 to 20 seconds with native "
                "sound. About $1.06 for a 5 s HD clip (Segmind's average; no page price is known), more for longer "
                "or Full-HD clips, billed to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-3-image-to-video/api",
    price=flux3_price(INDEX_AVG_COST_USD, hd_per_s=0.2431, fhd_per_s=0.4147),
    typical_seconds=FLUX3_TYPICAL_SECONDS,
    workflow="segmind_flux_3_image_to_video",
    params=flux3_params("The camera pushes forward as wind begins moving the trees.", media=(keyframe_param(),)),
    checks=(keyframe_size_check,),
    output=VIDEO,
    fields_confirmed=False,
    example={"prompt": "the house's lights switch on one by one", "keyframes": ImageExample(320, 256, 0x4477AA),
             "aspect_ratio": "4:3", "duration": "7", "generate_audio": False, "resolution": "fhd",
             "safety_tolerance": 1},
)
