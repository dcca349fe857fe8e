"""FLUX.1 Kontext [dev], from its Segmind page (facts in tests/page_sheets/). The stored copies end inside
`aspect_ratio`'s allowed values; the six fields after it are known from the page's example only.

Page defects settled: `aspect_ratio` takes the Kontext pages' 14 values (its list is cut, its default is
theirs); `output_format` / `output_quality` are the pair of the flux-dev page, with its values (webp, jpg,
png) and range (0-100); `guidance` and `num_inference_steps` have no range the page shows: any number from
0 up, the example's values as defaults (Segmind refuses what it does not take, unbilled). `seed` defaults
to the example's 42. `input_image` is required here, unlike on [pro] and [max].

Open weights: the local twin runs FLUX.1 Kontext [dev] as ComfyUI's own Kontext graph does (the input image
scaled to a Kontext resolution, encoded, and given as the reference latent; FluxGuidance with `guidance`).
"""
from dataclasses import replace

from ..choices import ASPECT_RATIOS_KONTEXT, OUTPUT_FORMATS
from ..common import output_params, seed_param
from ..image_params import ImageExample, ImageParam
from ..local import KONTEXT, LOCAL_ONLY_SAMPLING, LinkInput, LocalTwin
from ..model import PER_GENERATION, ModelSpec, Price
from ..params import BoolParam, EnumParam, PromptParam, unstated_float, unstated_int

output_format, output_quality = output_params()

MODEL = ModelSpec(
    node_id="SegmindFluxKontextDev",
    display_name="Segmind FLUX.1 Kontext [dev]",
    slug="flux-kontext-dev",
    description="FLUX.1 Kontext [dev] on Segmind's servers: the open-weight Kontext; edits the input image as "
                "the prompt says. $0.04 per image, billed to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-kontext-dev/api",
    price=Price(0.04, PER_GENERATION, "segmind.com/models/flux-kontext-dev/api, 2026-12"),
    typical_seconds=10.81,
    workflow="segmind_flux_kontext_dev",
    params=(
        PromptParam("prompt", "The edit to make, or what to generate; be clear and specific.", required=True,
                    default="Replace the background with a bokeh light effect, keeping the person's pose, position, "
                            "scale, and camera angle identical. Only change the surrounding environment."),
        ImageParam("input_image", "The image to edit (jpeg, png, gif or webp on the page; the node sends png).",
                   required=True),
        EnumParam("aspect_ratio", "Width-to-height ratio of the output; match_input_image keeps the input's.",
                  default="match_input_image", allowed=ASPECT_RATIOS_KONTEXT),
        BoolParam("disable_safety_checker", "Turn off the safety checker of the generated images."),
        unstated_float("guidance", "Guidance: how closely the edit follows the prompt.", 7.0),
        unstated_int("num_inference_steps", "Number of denoising steps.", 35),
        EnumParam("output_format", output_format.description, default="png", allowed=OUTPUT_FORMATS),
        replace(output_quality, default=90),
        seed_param(42),
    ),
    example={"prompt": "make the sky green", "input_image": ImageExample(64, 96, 0x22AA44), "aspect_ratio": "3:2",
             "disable_safety_checker": True, "guidance": 2.5, "num_inference_steps": 12, "output_format": "jpg",
             "output_quality": 70, "seed": 505},
)

LOCAL = LocalTwin(
    node_id="SegmindFluxKontextDevLocal", remote=MODEL, strength_param=None, workflow="local_flux_kontext_dev",
    graph=KONTEXT, steps_param="num_inference_steps",
    link_inputs=(LinkInput("input_image", "IMAGE", "The image to edit (one image): scaled to the nearest Kontext "
                           "resolution and given to the model as its reference, as ComfyUI's Kontext graph does."),),
    example_unet_file="flux1-dev-kontext_fp8_scaled.safetensors",
    description="FLUX.1 Kontext [dev] on your own GPU, with the parameters of the Segmind Kontext [dev] node: "
                "edits input_image as the prompt says. Connect the Kontext dev MODEL (Load Diffusion Model), "
                "CLIP (DualCLIPLoader, type flux) and VAE (ae).",
    extra_params=LOCAL_ONLY_SAMPLING,
)
