"""FLUX.1 Redux [schnell], from its Segmind page (facts in tests/page_sheets/; the stored table ends at
`output_format`, the two fields after it are known from the page's example only). Defects settled in
specs/redux.py. No v2 copy of the page is stored; Segmind's v2 queue takes every slug. Open weights: the local
twin runs ComfyUI's Redux graph with Flux schnell, without guidance (specs/redux.py).
"""
from ..image_params import ImageExample
from ..model import PER_GENERATION, ModelSpec, Price
from ..local import LOCAL_ONLY_SAMPLING, REDUX, LocalTwin
from ..params import IntParam
from ..redux import REDUX_LINK_INPUTS, redux_description, redux_params

MODEL = ModelSpec(
    node_id="SegmindFluxReduxSchnell",
    display_name="Segmind FLUX.1 Redux [schnell]",
    slug="flux-redux-schnell",
    description="FLUX.1 Redux [schnell] on Segmind's servers: fast variations of an image, with no prompt. $0.004 "
                "per image, billed to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-redux-schnell/api",
    price=Price(0.004, PER_GENERATION, "segmind.com/models/flux-redux-schnell/api, 2026-12"),
    typical_seconds=7.61,
    workflow="segmind_flux_redux_schnell",
    params=redux_params(
        IntParam("num_inference_steps", "Number of denoising steps; 4 is recommended, fewer are faster and "
                 "lower in quality.", default=4, minimum=1, maximum=4),
        seed=98566),
    example={"redux_image": ImageExample(64, 96, 0xCC6633), "aspect_ratio": "3:4", "disable_safety_checker": True,
             "megapixels": "0.25", "num_inference_steps": 2, "num_outputs": 3, "output_format": "webp",
             "output_quality": 60, "seed": 909},
)

LOCAL = LocalTwin(
    node_id="SegmindFluxReduxSchnellLocal", remote=MODEL, strength_param=None, workflow="local_flux_redux_schnell",
    graph=REDUX, link_inputs=REDUX_LINK_INPUTS, steps_param="num_inference_steps", base_model="schnell",
    uses_guidance_param=False, description=redux_description("schnell"), extra_params=LOCAL_ONLY_SAMPLING,
)
