"""FLUX.1 Depth [dev], from its Segmind page (facts in tests/page_sheets/). The v1 table copy ends after
`control_image`; the page's older "Attributes" layout shows `prompt`, `guidance`, `megapixels`,
`num_outputs`, `output_format` and `seed`, and the three other fields come from the page's example only.

Page defects settled: `megapixels` is a string list whose values the stored copy leaves empty (its text
names match_input), and `output_format`'s values are cut: any one word for each, the page's "1" and "jpg"
as defaults (Replicate's schema for the FLUX.1 Fill and Canny [dev] models, with the same description,
lists "1", "0.25", match_input and webp, jpg, png; not confirmed here). `num_inference_steps` and
`output_quality` have no range the page shows: any number from 0 up, the example's 28 and 80 as defaults.
`guidance` 0-100 (default 10) and `num_outputs` 1-4 (default 1) are the old layout's, and `seed` defaults
to its 85412; `disable_safety_checker` to the example's false. No stored copy shows a price: the price is
Segmind's index average per job ($0.03125, 2026-08-19), counted per image as `num_outputs` says.

Open weights (FLUX.1 Depth [dev]): the local twin runs ComfyUI's own Depth graph (FluxGuidance with
`guidance`, InstructPixToPixConditioning). The server makes the depth map of `control_image` itself; the twin
cannot: ComfyUI has no depth estimator node of its own (only its Lotus depth template, a graph of its own
models), so the twin's `control_image` must already be a depth map, from a depth preprocessor node or that
template. `megapixels` sizes it as on Fill [dev]: a number scales the depth map to about that many megapixels
first, `match_input` keeps its size. It runs FLUX.1 Depth [dev] weights, or Flux dev with BFL's Depth LoRA.
"""
from ..common import seed_param
from ..image_params import ImageExample, ImageParam
from ..local import DEPTH, LOCAL_ONLY_SAMPLING, LinkInput, LocalTwin
from ..model import CATALOGUE_AVERAGE, PER_GENERATION, ModelSpec, Price
from ..params import BoolParam, FloatParam, IntParam, PromptParam, unstated_choice, unstated_int

# Segmind's index (www.segmind.com/llms.txt, copy of 2026-08-19): the page copies show no price.
INDEX_AVG_COST_USD = 0.03125

MODEL = ModelSpec(
    node_id="SegmindFluxDepthDev",
    display_name="Segmind FLUX.1 Depth [dev]",
    slug="flux-depth-dev",
    description="FLUX.1 Depth [dev] on Segmind's servers: the open-weight Depth; the server makes a depth map of "
                "the control image and draws the prompt in its 3D layout. About $0.031 per image (Segmind's "
                "average; the page shows no price), billed to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-depth-dev/api",
    price=Price(INDEX_AVG_COST_USD, PER_GENERATION, f"{CATALOGUE_AVERAGE} (index of 2026-08-19)"),
    typical_seconds=16.20,
    workflow="segmind_flux_depth_dev",
    params=(
        PromptParam("prompt", "Prompt for generated image.", required=True,
                    default="spiderman lecture, photorealistic"),
        ImageParam("control_image", "Image used to control the generation: the server generates its depth map "
                   "(the node sends png).", required=True),
        BoolParam("disable_safety_checker", "Turn off the safety checker of the generated images."),
        FloatParam("guidance", "Guidance for generated image: how closely it follows the prompt.",
                   default=10.0, minimum=0.0, maximum=100.0, step=0.1),
        unstated_choice("megapixels", "Approximate size of the output in megapixels, sent as text (such as 1); "
                        "the page's text names match_input: the control image's size, at most 1440x1440.", "1"),
        unstated_int("num_inference_steps", "Number of denoising steps.", 28),
        IntParam("num_outputs", "Number of images to generate (the IMAGE output is a batch of this many).",
                 default=1, minimum=1, maximum=4),
        unstated_choice("output_format", "Format of the output images, such as jpg or png.", "jpg"),
        unstated_int("output_quality", "Quality when saving jpg or webp output images (100 is best); not "
                     "relevant for png.", 80),
        seed_param(85412),
    ),
    example={"prompt": "a robot teaching a class", "control_image": ImageExample(128, 96, 0x5599CC),
             "disable_safety_checker": True, "guidance": 15.5, "megapixels": "0.25", "num_inference_steps": 12,
             "num_outputs": 2, "output_format": "png", "output_quality": 70, "seed": 1234},
)

LOCAL = LocalTwin(
    node_id="SegmindFluxDepthDevLocal", remote=MODEL, strength_param=None, workflow="local_flux_depth_dev",
    graph=DEPTH, model_channels=32, steps_param="num_inference_steps",
    link_inputs=(LinkInput("control_image", "IMAGE", (
        "A depth map (one image; near is light, far is dark), not a photo: Segmind's server makes the depth map "
        "itself, this node cannot, and would take a photo for a depth map. Make it with a depth preprocessor node "
        "(such as Depth Anything of comfyui_controlnet_aux) or ComfyUI's Lotus depth template.")),),
    example_unet_file="flux1-depth-dev.safetensors",
    description="FLUX.1 Depth [dev] on your own GPU, with the parameters of the Segmind Depth [dev] node: draws the "
                "prompt in the 3D layout of a depth map, as ComfyUI's Depth graph does "
                "(InstructPixToPixConditioning). control_image must already be a depth map. Connect the Depth dev "
                "MODEL (Load Diffusion Model, flux1-depth-dev; or Flux dev with the Depth LoRA), CLIP "
                "(DualCLIPLoader, type flux) and VAE (ae).",
    extra_params=LOCAL_ONLY_SAMPLING,
)
