"""Any Flux fine-tune on Segmind, by its slug. Segmind no longer trains fine-tunes, but the existing ones stay
callable under their slugs, `<finetune id>-<name>`, with the page shape of mybmwlora (one of them;
its facts in tests/page_sheets/): the same parameters, all required. A fine-tune's own page
states no other price or time, so mybmwlora's stand in for the estimate.

The slug and the trigger word pick the model; they are not body fields. A trigger word missing from the
prompt is put in front of it, as a fine-tune only reacts to its own word.
"""
from __future__ import annotations

from ..model import ModelSpec
from ..params import PatternParam
from . import flux_bmw_lora

# "<finetune id>-<name>": a UUID, then the name the fine-tune was given (mybmwlora's slug has this shape).
SLUG_PATTERN = (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-[A-Za-z0-9_.]"
                r"[A-Za-z0-9_.-]{0,99}")
TRIGGER_PATTERN = r"[^\s,]{0,60}"

MODEL_INPUTS = (
    PatternParam("finetune_slug", "The fine-tune's slug, as on its Segmind page: <finetune id>-<name>, e.g. "
                 "40174048-1b49-48f3-ad7e-8384098f22d2-mybmwlora.", required=True, default=flux_bmw_lora.SLUG,
                 pattern=SLUG_PATTERN, wording="a fine-tune slug: a lower-case UUID, '-', then its name "
                 "(letters, digits, '_', '.', '-')"),
    PatternParam("trigger_word", "The word the fine-tune was trained on; put in front of the prompt when the "
                 "prompt lacks it. Empty: none.", required=True, default=flux_bmw_lora.MODEL.trigger_word,
                 pattern=TRIGGER_PATTERN, wording="one word of at most 60 characters (no spaces or commas), or empty"),
)


def _choose(spec: ModelSpec, values: dict) -> ModelSpec:
    name = values["finetune_slug"][37:]
    return spec.variant(slug=values["finetune_slug"], display_name=f"Segmind Flux fine-tune ({name})",
                        trigger_word=values["trigger_word"] or None, adds_trigger=True)


MODEL = ModelSpec(
    node_id="SegmindFluxFinetune",
    display_name="Segmind Flux Fine-tune (by slug)",
    slug="<finetune id>-<name>",
    description="Any existing Flux fine-tune on Segmind's servers, named by its slug, with the parameters of "
                "its page (the mybmwlora page's). Billed per image to the account of SEGMIND_API_KEY; the "
                "estimate uses mybmwlora's page price.",
    page=flux_bmw_lora.MODEL.page,
    price=flux_bmw_lora.MODEL.price,
    typical_seconds=flux_bmw_lora.MODEL.typical_seconds,
    workflow="segmind_flux_finetune",
    params=flux_bmw_lora.MODEL.params,  # the page shape's defaults: those of mybmwlora, the default slug
    model_inputs=MODEL_INPUTS,
    choose=_choose,
    example={"prompt": "TOK car on a beach", "aspect_ratio": "21:9", "lora_strength": 0.7,
             "sampler_name": "heun", "scheduler": "karras", "seed": 1002, "steps": 9},
)
