"""Flux LoRA "mybmwlora", from its Segmind page (facts in tests/page_sheets/). Every parameter is required
on this page; its parameters are the Simple Vector page's (specs/common.py), with other defaults."""
from ..common import lora_page_params
from ..local import LocalTwin
from ..model import PER_GPU_SECOND, ModelSpec, Price

SLUG = "40174048-1b49-48f3-ad7e-8384098f22d2-mybmwlora"

MODEL = ModelSpec(
    node_id="SegmindFluxBMWLoRA",
    display_name="Segmind Flux LoRA (mybmwlora)",
    slug=SLUG,
    description="Flux dev with the 'mybmwlora' BMW car LoRA on Segmind's servers; put the trigger word "
                "mybmwlora in the prompt. Billed per image to the account of SEGMIND_API_KEY.",
    page=f"https://www.segmind.com/models/{SLUG}/api",
    price=Price(0.03, PER_GPU_SECOND, f"segmind.com/models/{SLUG}/api, 2026-11"),
    typical_seconds=23.0,
    workflow="segmind_flux_bmw_lora",
    params=lora_page_params("mybmwlora car in the streets of new york", 1.2, 6652105, all_required=True),
    trigger_word="mybmwlora",
    example={"prompt": "mybmwlora car on a beach", "aspect_ratio": "16:9", "lora_strength": -2.5,
             "sampler_name": "dpmpp_2m", "scheduler": "beta", "seed": 1001, "steps": 7},
)

LOCAL = LocalTwin(
    node_id="SegmindFluxBMWLoRALocal", remote=MODEL, strength_param=None, uses_guidance_param=False,
    takes_lora=True, workflow="local_flux_bmw_lora", example_lora_file="mybmwlora.safetensors",
    description="Flux dev + a LoRA file from models/loras on your own GPU, with the parameters of the "
                "Segmind mybmwlora node (guidance 3.5, as ComfyUI's Flux default).",
)
