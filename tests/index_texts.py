"""Segmind's index of its models (www.segmind.com/llms.txt) as the stand-in serves it: written from a list of
models in the index's own format (a title, then one Markdown table per modality with the columns Model,
Slug, Description, Modality, Avg Cost, Avg Latency, API Docs), with rows of other families and a table of
another shape around them, as the real index has."""
from __future__ import annotations

from pack_loader import load_pack_module

segmind_index = load_pack_module("specs.segmind_index")
IndexedModel = segmind_index.IndexedModel
HEADER = "| Model | Slug | Description | Modality | Avg Cost | Avg Latency | API Docs |\n| --- | --- | --- | --- | --- | --- | --- |\n"
# Rows the catalogue must leave out: no Flux in slug, title or description.
OTHER_FAMILIES = [IndexedModel("sdxl1.0-txt2img", "SDXL 1.0", "Text-to-Image Generation", 0.0123, 9.5,
                               "Stable Diffusion XL, a latent diffusion model."),
                  IndexedModel("kling-2.1", "Kling 2.1", "Image-to-Video Generation", 0.95, 180.0,
                               "Cinematic image to video.")]


def _row(model: IndexedModel) -> str:
    cost = "-" if model.avg_cost_usd is None else f"${model.avg_cost_usd}"
    latency = "-" if model.avg_latency_s is None else f"{model.avg_latency_s}s"
    docs = f"[llms.txt](https://www.segmind.com/models/{model.slug}/llms.txt)"
    return f"| {model.title} | {model.slug} | {model.description} | {model.modality} | {cost} | {latency} | {docs} |\n"


def index_text(models) -> str:
    """The index with these models (and the other families' rows), grouped by modality as Segmind does."""
    text = ("# Segmind API — Model Directory\n\n> Serverless APIs for 200+ models.\n\n"
            "- **Base URL**: `https://api.segmind.com/v1/{model_slug}`\n\n"
            "| Plan | Requests per minute |\n| --- | --- |\n| Free | 5 |\n\n---\n")
    rows = list(models) + OTHER_FAMILIES
    for modality in dict.fromkeys(model.modality for model in rows):
        text += f"\n## {modality}\n\n{HEADER}" + "".join(_row(model) for model in rows if model.modality == modality)
    return text


def bundled_models() -> list:
    return list(segmind_index.bundled_index().models)
