"""Parameters that several pages define the same way (only their defaults differ)."""
from .choices import ASPECT_RATIOS_LORA_PAGES, OUTPUT_FORMATS, SAMPLERS_LORA_PAGES, SCHEDULERS_LORA_PAGES
from .params import EnumParam, FloatParam, IntParam, PromptParam, SeedParam


def seed_param(default: int, required: bool = False) -> SeedParam:
    return SeedParam("seed", "Seed for random number generation; -1 lets the server pick one "
                     "(the seed used is reported in the info output).", required=required, default=default)


def output_params() -> tuple:
    """flux-dev / flux-pro: the file the server encodes the images into."""
    return (
        EnumParam("output_format", "File format of the output images.", default="webp", allowed=OUTPUT_FORMATS),
        IntParam("output_quality", "Quality when saving the output images, from 0 to 100. 100 is best "
                 "quality, 0 is lowest quality. Not relevant for .png outputs.", default=80, minimum=0, maximum=100),
    )


def lora_page_params(prompt: str, lora_strength: float, seed: int, all_required: bool) -> tuple:
    """The two Flux LoRA pages (mybmwlora, Simple Vector Flux): the same parameters, other defaults."""
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
        seed_param(seed, required=all_required),
        IntParam("steps", "Number of steps for generating the image.", required=all_required,
                 default=20, minimum=1, maximum=100),
    )
