"""The parameters of the two FLUX.1 Redux pages (flux-redux-dev and -schnell): no prompt (the image replaces
it), the image, the shown 10 of 11 aspect ratios, megapixels, steps, the number of images, the output file
and the seed; [dev] adds guidance. Both stored tables end at `num_outputs` / `output_format`.

Page defects settled: the 11th aspect ratio is not shown (an upstream derivative ends its list with 9:21;
unconfirmed), so the node offers the 10 shown; `megapixels` is labelled a number but lists "1" and "0.25"
and the examples send the string "1": the node sends those strings (the text's `match_input` is not in the
list: not offered). `output_format` / `output_quality` are past the cut: the flux-dev page's pair (webp, jpg,
png; 0-100), defaulting to the examples' jpg and 80. The seed's range is not shown: any seed, the example's
as default.

Open weights: the local twins run ComfyUI's own Redux graph (its template flux_redux_model_example):
CLIPVisionEncode (crop center) of `redux_image` with the SigLIP vision model, StyleModelApply (strength 1,
multiply) of the Redux style model onto the conditioning of an empty prompt (the pages take no prompt), then
Flux dev (FluxGuidance with `guidance`) or schnell (no guidance); `aspect_ratio` and `megapixels` size the
image."""
from __future__ import annotations

from .choices import OUTPUT_FORMATS
from .common import output_params, seed_param
from .image_params import ImageParam
from .local import LinkInput
from .output_count import MAX_OUTPUTS
from .params import BoolParam, EnumParam, FloatParam, IntParam

# The 10 values the stored tables show, in their order; the 11th is cut.
ASPECT_RATIOS_REDUX_SHOWN = ("1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16")
MEGAPIXELS_REDUX = ("1", "0.25")


def redux_params(steps: IntParam, seed: int, guidance: FloatParam | None = None) -> tuple:
    output_format, output_quality = output_params()
    return (
        ImageParam("redux_image", "The image to condition the output on: Redux makes variations of it (it "
                   "replaces the prompt).", required=True),
        EnumParam("aspect_ratio", "Aspect ratio of the output. The page lists 11 values and shows 10; the 11th "
                  "is not offered.", default="1:1", allowed=ASPECT_RATIOS_REDUX_SHOWN),
        BoolParam("disable_safety_checker", "Turn off the safety checker of the generated images."),
        *((guidance,) if guidance is not None else ()),
        EnumParam("megapixels", "Approximate size of the output in megapixels.", default="1",
                  allowed=MEGAPIXELS_REDUX),
        steps,
        IntParam("num_outputs", "Number of images to generate (the IMAGE output is a batch of this many).",
                 default=1, minimum=1, maximum=MAX_OUTPUTS),
        EnumParam("output_format", output_format.description + " Past the cut of the stored page: the flux-dev "
                  "page's values.", default="jpg", allowed=OUTPUT_FORMATS),
        output_quality,
        seed_param(seed),
    )


# The two models ComfyUI's Redux graph loads beside Flux, then the image (the twins' link inputs).
REDUX_LINK_INPUTS = (
    LinkInput("clip_vision", "CLIP_VISION", "The SigLIP vision encoder (Load CLIP Vision: "
              "sigclip_vision_patch14_384.safetensors).", example_file="sigclip_vision_patch14_384.safetensors"),
    LinkInput("style_model", "STYLE_MODEL", "The FLUX.1 Redux model (Load Style Model: flux1-redux-dev.safetensors; "
              "the same file for dev and schnell).", example_file="flux1-redux-dev.safetensors"),
    LinkInput("redux_image", "IMAGE", "The image to make variations of (one image; centre-cropped to a square, as "
              "ComfyUI's CLIPVisionEncode does)."),
)


def redux_description(base: str) -> str:
    return (f"FLUX.1 Redux [{base}] on your own GPU, with the parameters of the Segmind Redux [{base}] node: variations "
            "of redux_image, as ComfyUI's Redux graph does (CLIPVisionEncode, StyleModelApply on an empty prompt). "
            f"Connect the Flux {base} MODEL (Load Diffusion Model), CLIP (DualCLIPLoader, type flux), VAE (ae), the "
            "SigLIP CLIP_VISION (Load CLIP Vision) and the Redux STYLE_MODEL (Load Style Model).")
