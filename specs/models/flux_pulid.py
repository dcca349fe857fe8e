"""FLUX.1 PuLID, from its Segmind page (facts in tests/page_sheets/). The v1 copy's table ends inside
`id_weight`; `width`, `seed` and `true_cfg` are shown by an old layout without their flags, and the other
fields are known from the page's example only.

Page defects settled: the old layout's Python sample sends "True_cfg" (its JS sample and the v1 example send
`true_cfg`): `true_cfg`. `width` (256-1536, default 896) has no flag shown: optional, as `height` is. No
range is shown for `id_weight`, `true_cfg`, `num_steps`, `start_step`, `max_sequence_length`
and `output_quality`: any number from 0 up, the example's values as defaults (Replicate's zsxkib/flux-pulid,
with the same descriptions, has ranges, but they are not confirmed for Segmind; Segmind refuses what it does
not take, unbilled). `num_outputs`: 1 to 4, as on the pages that show a range. `output_format` shows no
list: any one word, the example's "webp" as default.
`negative_prompt` defaults to the example's text (it cannot be left empty: the pack has no optional text type
yet). The price shown has a tilde (an estimate at the example's inputs): taken as billed per GPU second, as
flux-img2img's tilde price is.

Open weights (PuLID for FLUX.1 [dev]); no local twin yet.
"""
from ..common import seed_param
from ..output_count import unstated_count
from ..image_params import ImageExample, ImageParam
from ..model import PER_GPU_SECOND, ModelSpec, Price
from ..params import FloatParam, IntParam, PromptParam, unstated_choice, unstated_float, unstated_int

MODEL = ModelSpec(
    node_id="SegmindFluxPuLID",
    display_name="Segmind FLUX.1 PuLID",
    slug="flux-pulid",
    description="FLUX.1 [dev] with PuLID on Segmind's servers: new images of the person in main_face_image, as "
                "the prompt says. About $0.036 per image at the page's defaults, billed to the account of "
                "SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-pulid/api",
    price=Price(0.036, PER_GPU_SECOND, "segmind.com/models/flux-pulid/api, 2026-12"),
    typical_seconds=13.11,
    workflow="segmind_flux_pulid",
    params=(
        PromptParam("prompt", "Enter a text prompt to guide image generation.", required=True,
                    default="portrait of woman, neon color, cinematic"),
        ImageParam("main_face_image", "The ID image: a photo of the face to keep (the node uploads it as png).",
                   required=True),
        FloatParam("guidance_scale", "Guidance scale, from 1 to 10.", default=4.0, minimum=1.0, maximum=10.0,
                   step=0.1),
        IntParam("height", "Height of the generated image, from 256 to 1536 pixels.", default=1152, minimum=256,
                 maximum=1536),
        unstated_float("id_weight", "How strongly the face of the ID image is kept.", 1.05),
        unstated_int("max_sequence_length", "Maximum length of the prompt's token sequence.", 128),
        PromptParam("negative_prompt", "What to keep out of the image.",
                    default="bad quality, worst quality, text, signature, watermark, extra limbs, low resolution, "
                            "partially rendered objects, deformed or partially rendered eyes, deformed, deformed "
                            "eyeballs, cross-eyed, blurry"),
        unstated_count("num_outputs"),
        unstated_int("num_steps", "Number of denoising steps.", 20),
        unstated_choice("output_format", "File format of the output images.", "webp"),
        unstated_int("output_quality", "Quality of the output images (not relevant for png).", 80),
        seed_param(720558),
        unstated_int("start_step", "The step at which the ID image starts to count.", 0),
        unstated_float("true_cfg", "1.0 uses standard CFG, while values >1.0 enable True CFG.", 1.0),
        IntParam("width", "Width of the generated image, from 256 to 1536 pixels.", default=896, minimum=256,
                 maximum=1536),
    ),
    example={"prompt": "portrait of a man, watercolor", "main_face_image": ImageExample(96, 128, 0xC08060),
             "guidance_scale": 3.5, "height": 1024, "id_weight": 0.8, "max_sequence_length": 256,
             "negative_prompt": "blurry, text", "num_outputs": 2, "num_steps": 12, "output_format": "png",
             "output_quality": 90, "seed": 909, "start_step": 2, "true_cfg": 1.5, "width": 768},
)
