"""Flux Dev Finetuned, from its Segmind page (facts in tests/page_sheets/). One endpoint for every Flux fine-tune,
picked by the required body field `finetune_id` (unlike SegmindFluxFinetune, which calls a fine-tune's own
slug). Segmind no longer trains fine-tunes; the existing ones stay available for inference. The stored table
ends at `sampler_name`; `hardware`, `scheduler`, `seed` and `steps` are known from the page's example only
(listed alphabetically, as the page orders each group: their order is not shown).

Page defects settled: `finetune_id` is required, but the page's own example omits it; its format is not
shown, so the node takes any one word, the table's placeholder "my-finetune-id" as default. `aspect_ratio`
lists 13 values and shows the same 10 as the LoRA pages' 13: their list (specs/choices.py). `sampler_name`
shows 10 names, then a cut list of unknown length: the node offers the 10 shown (the same first ten as the
LoRA pages', whose count this page does not confirm). `scheduler` and `hardware` show no values: any one
word, the example's "simple" and "cost" as defaults. `steps` shows no range: any number from 0 up, the
example's 25 as default. `seed` shows no range: the range of every seed of the pack, the example's as default.
The page shows no price: the estimate uses Segmind's index average ($0.034, 2026-08-19). The fine-tune's
weights live on Segmind (Flux dev's are open): no local twin.
"""
from ..choices import ASPECT_RATIOS_LORA_PAGES, SAMPLERS_LORA_PAGES
from ..common import seed_param
from ..model import CATALOGUE_AVERAGE, PER_GPU_SECOND, ModelSpec, Price
from ..params import (ONE_WORD, ONE_WORD_WORDING, EnumParam, FloatParam, PatternParam, PromptParam, unstated_choice,
                      unstated_int)

# The 10 names the page shows, in its order: the LoRA pages' first ten.
SAMPLERS_SHOWN = SAMPLERS_LORA_PAGES[:10]
# A fine-tune's id, e.g. the UUID that starts a fine-tune's slug (mybmwlora's); its format is not shown.
EXAMPLE_FINETUNE_ID = "40174048-1b49-48f3-ad7e-8384098f22d2"

MODEL = ModelSpec(
    node_id="SegmindFluxDevFinetuned",
    display_name="Segmind Flux Dev fine-tuned",
    slug="flux-dev-finetuned",
    description="An existing Flux dev fine-tune on Segmind's servers, named by its fine-tune id; put its trigger "
                "word in the prompt. About $0.034 per image (Segmind's average: the page shows no price), billed "
                "to the account of SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/flux-dev-finetuned/api",
    price=Price(0.034, PER_GPU_SECOND, f"{CATALOGUE_AVERAGE} (index of 2026-08-19)"),
    typical_seconds=22.15,
    workflow="segmind_flux_dev_finetuned",
    params=(
        PromptParam("prompt", "Text prompt for generating the image, with the fine-tune's trigger word.",
                    required=True, default="TOK TOK"),
        EnumParam("aspect_ratio", "Aspect ratio for the generated image.", required=True, default="1:1",
                  allowed=ASPECT_RATIOS_LORA_PAGES),
        PatternParam("finetune_id", "ID of the fine-tuned model you want to use. Its format is not shown on the "
                     "page; the default is the page's placeholder.", required=True, default="my-finetune-id",
                     pattern=ONE_WORD, wording=ONE_WORD_WORDING),
        FloatParam("lora_strength", "Strength of the fine-tune's LoRA.", required=True, default=1.0,
                   minimum=-10.0, maximum=10.0),
        EnumParam("sampler_name", "Sampler type for image generation (the 10 names the page shows).",
                  required=True, default="euler", allowed=SAMPLERS_SHOWN),
        unstated_choice("hardware", "Hardware the job runs on (may change its price and speed).", "cost"),
        unstated_choice("scheduler", "Scheduler type for image generation.", "simple"),
        seed_param(6652105),
        unstated_int("steps", "Number of steps for generating the image.", 25),
    ),
    example={"prompt": "TOK car on a beach at sunset", "aspect_ratio": "16:9", "finetune_id": EXAMPLE_FINETUNE_ID,
             "lora_strength": 0.7, "sampler_name": "heun", "hardware": "speed", "scheduler": "karras",
             "seed": 1003, "steps": 12},
)
