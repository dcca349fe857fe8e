"""FLUX.1 Fill [dev], from its Segmind page (facts in tests/page_sheets/). The stored copies end inside
`megapixels`' description; the five fields after it are known from the page's example only.

Page defects settled: `mask` is marked required, but the text of `image` says it may carry an alpha mask;
ComfyUI hands images without alpha, so the node takes the mask as its own input (required). The page does
not say the mask must have the image's size; the node asks it (as on Fill [pro]): the server rescales the
image (multiples of 32, at most 1440x1440), and a mask of another size could not line up. `megapixels` is
cut before its values and `output_format` has none shown: any one word for each, the example's "1" and
"jpg" as defaults (Replicate's schema for this model lists "1", "0.25", match_input and webp, jpg, png; not
confirmed here). `num_inference_steps` and `output_quality` have no range the page shows: any number from
0 up, the example's 28 and 80 as defaults; `num_outputs` 1 to 4, as on the pages that show a range.
`guidance` 0-100, default 30, and `disable_safety_checker`, default false, are the page's; `seed` defaults
to the example's 985266.

Open weights (FLUX.1 Fill [dev]): the local twin runs ComfyUI's own Fill graph (its template
flux_fill_inpaint_example): DifferentialDiffusion on the model, FluxGuidance with `guidance`, and
InpaintModelConditioning with its noise mask, so the part the mask keeps stays the image's own (its latent) and
soft mask edges are redrawn gradually. `megapixels` sizes the input locally: a number (0.01 to 4) scales the image
(and so its mask) to about that many megapixels first, as the server sizes its output; `match_input` keeps its
size (cut to multiples of 8 by InpaintModelConditioning).
"""
from ..common import seed_param
from ..output_count import unstated_count
from ..image_params import ImageExample, ImageParam, MaskParam
from ..local import FILL, LOCAL_ONLY_SAMPLING, LinkInput, LocalTwin
from ..model import PER_GENERATION, ModelSpec, Price
from ..params import BoolParam, FloatParam, PromptParam, unstated_choice, unstated_int

MODEL = ModelSpec(
    node_id="SegmindFluxFillDev",
    display_name="Segmind FLUX.1 Fill [dev]",
    slug="flux-fill-dev",
    description="FLUX.1 Fill [dev] on Segmind's servers: the open-weight Fill; redraws the white part of the mask "
                "as the prompt says (inpainting). $0.05 per image, billed to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-fill-dev/api",
    price=Price(0.05, PER_GENERATION, "segmind.com/models/flux-fill-dev/api, 2026-12"),
    typical_seconds=17.30,
    workflow="segmind_flux_fill_dev",
    params=(
        PromptParam("prompt", "What to paint in the masked area.", required=True, default="Green hair"),
        ImageParam("image", "The image to inpaint; the server scales its sides to multiples of 32 and fits it "
                   "within 1440x1440.", required=True),
        MaskParam("mask", "Black-and-white mask of the image's size: white is inpainted, black is kept (a ComfyUI "
                  "MASK: 1 is inpainted).", required=True, matches="image"),
        BoolParam("disable_safety_checker", "Turn off the safety checker of the generated images."),
        FloatParam("guidance", "Guidance for generated image: how closely it follows the prompt.",
                   default=30.0, minimum=0.0, maximum=100.0, step=0.1),
        unstated_choice("megapixels", "Approximate size of the output in megapixels, sent as text (such as 1).",
                        "1"),
        unstated_int("num_inference_steps", "Number of denoising steps.", 28),
        unstated_count("num_outputs"),
        unstated_choice("output_format", "Format of the output images, such as jpg or png.", "jpg"),
        unstated_int("output_quality", "Quality when saving jpg or webp output images (100 is best); not "
                     "relevant for png.", 80),
        seed_param(985266),
    ),
    example={"prompt": "blue hair", "image": ImageExample(128, 96, 0x886644), "mask": ImageExample(128, 96, 0xFF),
             "disable_safety_checker": True, "guidance": 20.5, "megapixels": "0.25", "num_inference_steps": 12,
             "num_outputs": 2, "output_format": "png", "output_quality": 70, "seed": 4321},
)

LOCAL = LocalTwin(
    node_id="SegmindFluxFillDevLocal", remote=MODEL, strength_param=None, workflow="local_flux_fill_dev",
    graph=FILL, model_channels=96, steps_param="num_inference_steps",
    link_inputs=(
        LinkInput("image", "IMAGE", "The image to inpaint (one image)."),
        LinkInput("mask", "MASK", "What to redraw, of the image's size: 1 (white) is redrawn as the prompt says, 0 is "
                  "kept. Load Image's mask of a transparent area, or any mask node."),
    ),
    example_unet_file="flux1-fill-dev.safetensors",
    description="FLUX.1 Fill [dev] on your own GPU, with the parameters of the Segmind Fill [dev] node: redraws the "
                "white part of the mask as the prompt says, as ComfyUI's Fill graph does (DifferentialDiffusion, "
                "InpaintModelConditioning). Connect the Fill dev MODEL (Load Diffusion Model, flux1-fill-dev), "
                "CLIP (DualCLIPLoader, type flux) and VAE (ae).",
    extra_params=LOCAL_ONLY_SAMPLING,
)
