"""Simple Vector Flux LoRA, from its Segmind page (facts in tests/page_sheets/). Only `prompt` is required
on this page; its parameters are the mybmwlora page's (specs/common.py), with other defaults."""
from ..common import lora_page_params
from ..local import LocalTwin
from ..model import PER_GPU_SECOND, ModelSpec, Price

MODEL = ModelSpec(
    node_id="SegmindSimpleVectorFlux",
    display_name="Segmind Simple Vector Flux LoRA",
    slug="Simple_Vector_Flux",
    description="Flux dev with the Simple Vector LoRA (flat vector clip art) on Segmind's servers; start "
                "the prompt with the trigger word v3ct0r. Billed per image to the account of "
                "SEGMIND_API_KEY.",
    page="https://www.segmind.com/models/Simple_Vector_Flux/api",
    price=Price(0.034, PER_GPU_SECOND, "segmind.com/models/Simple_Vector_Flux/api, 2026-11"),
    typical_seconds=36.0,
    workflow="segmind_simple_vector_flux",
    params=lora_page_params("v3ct0r style, simple vector art, salesman giving a thumbs up in front of "
                            "a car, character asset, clip art", 1.0, 6652105, all_required=False),
    trigger_word="v3ct0r",
    example={"prompt": "v3ct0r style, a cat", "aspect_ratio": "21:9", "lora_strength": 10.0,
             "sampler_name": "lcm", "scheduler": "karras", "seed": 2**63, "steps": 100},
)

LOCAL = LocalTwin(
    node_id="SegmindSimpleVectorFluxLocal", remote=MODEL, strength_param=None, uses_guidance_param=False,
    takes_lora=True, workflow="local_simple_vector_flux", example_lora_file="simple_vector_flux.safetensors",
    description="Flux dev + a LoRA file from models/loras on your own GPU, with the parameters of the "
                "Segmind Simple Vector Flux node (guidance 3.5, as ComfyUI's Flux default).",
)
