"""FLUX 3 Extend Video (flux-3-extend-video): continues a clip, with its sound. No Segmind page is stored: the
fields are Black Forest Labs' (specs/flux3.py); BFL's video field is `start_video` (an MP4, up to 50 MB; BFL's
skill: input and output up to 15 s). Whether Segmind answers with the continuation alone or the joined clip is
not known. Closed weights: no local twin."""
from ..flux3 import FLUX3_TYPICAL_SECONDS, flux3_params, flux3_price, start_video_param
from ..model import VIDEO, ModelSpec
from ..video_params import VideoExample

# Segmind's index (www.segmind.com/llms.txt, copy of 2026-08-19): average cost per job.
INDEX_AVG_COST_USD = 2.6875

MODEL = ModelSpec(
    node_id="SegmindFlux3ExtendVideo",
    display_name="Segmind FLUX 3 Extend Video",
    slug="flux-3-extend-video",
    description="FLUX 3 on Segmind's servers: continues a video (the VIDEO input, uploaded once) as the prompt "
                "says, with native sound. About $2.69 for 5 s in HD (Segmind's average; no page price is known), "
                "more for longer or Full-HD clips, billed to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-3-extend-video/api",
    price=flux3_price(INDEX_AVG_COST_USD, hd_per_s=0.5863, fhd_per_s=0.7579),
    typical_seconds=FLUX3_TYPICAL_SECONDS,
    workflow="segmind_flux_3_extend_video",
    params=flux3_params("The fox stops at the river and looks back at the camera.", media=(start_video_param(),)),
    output=VIDEO,
    fields_confirmed=False,
    example={"prompt": "the storm clears and the sun comes out", "start_video": VideoExample(96, 64, 0x336699),
             "aspect_ratio": "21:9", "duration": "8", "generate_audio": False, "resolution": "fhd",
             "safety_tolerance": 0},
)
