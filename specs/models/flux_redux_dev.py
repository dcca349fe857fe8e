"""FLUX.1 Redux [dev], from its Segmind page (facts in tests/page_sheets/; the stored table ends inside
`num_outputs`, the three fields after it are known from the page's example only). Defects settled in
specs/redux.py. Open weights: the local twin runs ComfyUI's Redux graph (SigLIP CLIP vision and the Redux
style model) with Flux dev and FluxGuidance (specs/redux.py).
"""
from ..image_params import ImageExample
from ..model import PER_GENERATION, ModelSpec, Price
from ..local import LOCAL_ONLY_SAMPLING, REDUX, LocalTwin
from ..params import FloatParam, IntParam
from ..redux import REDUX_LINK_INPUTS, redux_description, redux_params

MODEL = ModelSpec(
    node_id="SegmindFluxReduxDev",
    display_name="Segmind FLUX.1 Redux [dev]",
    slug="flux-redux-dev",
    description="FLUX.1 Redux [dev] on Segmind's servers: variations of an image, with no prompt. $0.031 per "
                "image, billed to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-redux-dev/api",
    price=Price(0.031, PER_GENERATION, "segmind.com/models/flux-redux-dev/api, 2026-12"),
    typical_seconds=15.75,
    workflow="segmind_flux_redux_dev",
    params=redux_params(
        IntParam("num_inference_steps", "Number of denoising steps; the page recommends 28 to 50.", default=28,
                 minimum=1, maximum=50),
        seed=30255,
        guidance=FloatParam("guidance", "Guidance for the generated image.", default=3.0, minimum=0.0,
                            maximum=10.0, step=0.1)),
    example={"redux_image": ImageExample(96, 64, 0x3366CC), "aspect_ratio": "16:9", "disable_safety_checker": True,
             "guidance": 4.5, "megapixels": "0.25", "num_inference_steps": 20, "num_outputs": 2,
             "output_format": "png", "output_quality": 95, "seed": 808},
)

LOCAL = LocalTwin(
    node_id="SegmindFluxReduxDevLocal", remote=MODEL, strength_param=None, workflow="local_flux_redux_dev",
    graph=REDUX, link_inputs=REDUX_LINK_INPUTS, steps_param="num_inference_steps",
    description=redux_description("dev"), extra_params=LOCAL_ONLY_SAMPLING,
)
