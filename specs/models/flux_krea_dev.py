"""FLUX.1 Krea [dev], from its Segmind page (facts in tests/page_sheets/). No parameter table is stored: every
field is known from the page's example only, in the alphabetical order of the other pages' cut rows.

Page defects settled: no required flag is shown, so only `prompt` is required (a job needs one; the node
refuses an empty prompt anyway). No field shows a range or a list of values: `guidance`,
`num_inference_steps`, `output_quality` and `prompt_strength` take any number from 0 up, each the example's
value as default (3, 40, 90, 0.7); `num_outputs` 1 to 4 as on the pages that show a range, default the
example's 2; Segmind refuses what it does not take (unbilled). `megapixels` (a string, "1" in the example) and
`output_format` list no values: any one word, the example's "1" and "jpg" as defaults; `aspect_ratio` any
ratio a:b of whole numbers to 99 (the pack sizes its estimate and placeholder from it), the example's "16:9" as default.
`go_fast` defaults to the example's true, `disable_safety_checker` to its false. The example has no image
field, so the remote node takes none (whether the page has `image` for img2img is not stored);
`prompt_strength` is sent as the page example does. The page shows no price: the price is Segmind's index
average per job ($0.0319, 2026-08-19), counted per image as `num_outputs` says.

Open weights (FLUX.1 dev's architecture): the local twin runs them as the Flux.1 Dev twin does, with
`num_inference_steps` as its steps, `prompt_strength` as the strength of an optional input image, `num_outputs`
images and `megapixels` as the size (a number locally); `go_fast` is the server's own.
"""
from ..common import seed_param
from ..local import LOCAL_ONLY_SAMPLING, LocalTwin
from ..output_count import unstated_count
from ..model import CATALOGUE_AVERAGE, PER_GENERATION, ModelSpec, Price
from ..params import BoolParam, PatternParam, PromptParam, unstated_choice, unstated_float, unstated_int

# Segmind's index (www.segmind.com/llms.txt, copy of 2026-08-19): the page copies show no price.
INDEX_AVG_COST_USD = 0.031943892432432446
RATIO = r"[1-9][0-9]?:[1-9][0-9]?"

MODEL = ModelSpec(
    node_id="SegmindFluxKreaDev",
    display_name="Segmind FLUX.1 Krea [dev]",
    slug="flux-krea-dev",
    description="FLUX.1 Krea [dev] on Segmind's servers: the open-weight FLUX.1 [dev] fine-tuned with Krea for "
                "photorealistic, aesthetic images. About $0.032 per image (Segmind's average; the page shows no "
                "price), billed to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-krea-dev/api",
    price=Price(INDEX_AVG_COST_USD, PER_GENERATION, f"{CATALOGUE_AVERAGE} (index of 2026-08-19)"),
    typical_seconds=24.29,
    workflow="segmind_flux_krea_dev",
    params=(
        PromptParam("prompt", "Text prompt for generating the image.", required=True, default=(
            "A miniature raccoon explorer made of wool wearing all kinds of equipment, the whole world is made of "
            "felt textile, holding a signboard which says 'Flux krea dev on Segmind'")),
        # A ratio, not any word: the local twin sizes its latent from it (specs.choices.aspect_ratio_size).
        PatternParam("aspect_ratio", "Aspect ratio of the images, such as 16:9. The page's list of values is not "
                     "known; default: the page example's '16:9'.", default="16:9", pattern=RATIO,
                     wording="a ratio such as 16:9 (two whole numbers from 1 to 99)"),
        BoolParam("disable_safety_checker", "Turn off the safety checker of the generated images."),
        BoolParam("go_fast", "Let the server run a faster, optimised version of the model.", default=True),
        unstated_float("guidance", "Guidance: how closely the image follows the prompt.", 3.0),
        unstated_choice("megapixels", "Approximate size of the output in megapixels, sent as text (such as "
                        "1).", "1"),
        unstated_int("num_inference_steps", "Number of denoising steps.", 40),
        unstated_count("num_outputs", 2),
        unstated_choice("output_format", "File format of the output images, such as jpg or png.", "jpg"),
        unstated_int("output_quality", "Quality of the saved images (not used for png).", 90),
        unstated_float("prompt_strength", "Prompt strength (for image-to-image: how much of an input image is "
                       "redrawn).", 0.7),
        seed_param(42),
    ),
    example={"prompt": "a felt raccoon with a lantern", "aspect_ratio": "3:2", "disable_safety_checker": True,
             "go_fast": False, "guidance": 2.5, "megapixels": "0.25", "num_inference_steps": 28, "num_outputs": 3,
             "output_format": "png", "output_quality": 75, "prompt_strength": 0.85, "seed": 808},
)

LOCAL = LocalTwin(
    node_id="SegmindFluxKreaDevLocal", remote=MODEL, strength_param="prompt_strength",
    workflow="local_flux_krea_dev", steps_param="num_inference_steps",
    example_unet_file="flux1-krea-dev_fp8_scaled.safetensors",
    description="FLUX.1 Krea [dev] on your own GPU, with the parameters of the Segmind Krea [dev] node. Connect the "
                "Krea dev MODEL (Load Diffusion Model), CLIP (DualCLIPLoader, type flux) and VAE (ae).",
    extra_params=LOCAL_ONLY_SAMPLING,
)
