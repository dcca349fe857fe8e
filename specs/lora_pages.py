"""The two Flux LoRA pages (mybmwlora, Simple Vector Flux): the same parameters, other defaults.

From shared/segmind-api/000_2eedad9e76e6ec2e.txt and 004_9f24e2fefd4a52fb.txt. On the mybmwlora page
every parameter is required; on the Simple Vector page only `prompt` is.
"""
from .choices import ASPECT_RATIOS_LORA_PAGES, SAMPLERS_LORA_PAGES, SCHEDULERS_LORA_PAGES
from .common import seed_param
from .model import ModelSpec
from .params import EnumParam, FloatParam, IntParam, PromptParam


def lora_page_params(prompt: str, lora_strength: float, all_required: bool) -> tuple:
    return (
        PromptParam("prompt", "Text prompt for generating the image.", required=True, default=prompt),
        EnumParam("aspect_ratio", "Aspect ratio for the generated image.", required=all_required,
                  default="2:3", allowed=ASPECT_RATIOS_LORA_PAGES),
        FloatParam("lora_strength", "Strength of the LoRA (Low-Rank Adaptation) for fine-tuning.",
                   required=all_required, default=lora_strength, minimum=-10.0, maximum=10.0),
        EnumParam("sampler_name", "Sampler type for image generation.", required=all_required,
                  default="euler", allowed=SAMPLERS_LORA_PAGES),
        EnumParam("scheduler", "Scheduler type for image generation.", required=all_required,
                  default="simple", allowed=SCHEDULERS_LORA_PAGES),
        seed_param(6652105, required=all_required),
        IntParam("steps", "Number of steps for generating the image.", required=all_required,
                 default=20, minimum=1, maximum=100),
    )


FLUX_BMW_LORA = ModelSpec(
    node_id="SegmindFluxBMWLoRA",
    display_name="Segmind Flux LoRA (mybmwlora)",
    slug="40174048-1b49-48f3-ad7e-8384098f22d2-mybmwlora",
    description="Flux dev with the 'mybmwlora' BMW car LoRA on Segmind's servers; put the trigger word "
                "mybmwlora in the prompt. Billed per image to the account of SEGMIND_API_KEY.",
    page="000_2eedad9e76e6ec2e.txt",
    typical_seconds=23.0,
    params=lora_page_params("mybmwlora car in the streets of new york", 1.2, all_required=True),
)

SIMPLE_VECTOR_FLUX = ModelSpec(
    node_id="SegmindSimpleVectorFlux",
    display_name="Segmind Simple Vector Flux LoRA",
    slug="Simple_Vector_Flux",
    description="Flux dev with the Simple Vector LoRA (flat vector clip art) on Segmind's servers; start "
                "the prompt with the trigger word v3ct0r. Billed per image to the account of "
                "SEGMIND_API_KEY.",
    page="004_9f24e2fefd4a52fb.txt",
    typical_seconds=36.0,
    params=lora_page_params("v3ct0r style, simple vector art, salesman giving a thumbs up in front of "
                            "a car, character asset, clip art", 1.0, all_required=False),
)
