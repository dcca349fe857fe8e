"""The catalogue routes, for the Segmind panel and any HTTP client:
- GET /segmind-flux/catalogue: the Flux models of Segmind's index in use (count, the copy's date and source,
  each model's slug, title, modality, average cost and latency), the models Segmind retired, and the example
  request the node for any model offers for each model it knows one of (`examples`: slug -> JSON text);
- POST /segmind-flux/catalogue/refresh: fetches Segmind's index now (no key sent) and says what changed;
  offline, or with an index it cannot read, the copy in use stands and the answer says why.
"""
from __future__ import annotations

from ..client.config import load_settings
from ..client.model_index import refresh, saved_index, summary
from ..specs.any_model_examples import example_texts
from ..nodes.user_data import data_dir


def catalogue_view() -> dict:
    folder = data_dir(load_settings())
    return {**summary(saved_index(folder), folder), "examples": example_texts()}


def refresh_catalogue() -> dict:
    settings = load_settings()
    return refresh(settings, data_dir(settings))


def catalogue_handlers(web, kit) -> tuple:
    """(method, path, handler) of each catalogue route; `kit` holds server.py's helpers."""
    async def catalogue(request):
        return web.json_response(await kit.in_thread(catalogue_view))

    async def refresh_now(request):
        await kit.json_body(request)  # a JSON POST, as every route that changes something
        return web.json_response(await kit.in_thread(refresh_catalogue))

    return (("GET", "/catalogue", catalogue), ("POST", "/catalogue/refresh", kit.guarded(refresh_now)))
