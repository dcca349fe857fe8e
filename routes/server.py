"""The pack's HTTP routes inside ComfyUI, for its editor extension and for scripts:
- POST /segmind-flux/estimate: what a remote node will cost as its widgets stand (routes/estimate.py);
- GET/POST /segmind-flux/config: the Settings dialog's values (routes/config.py); never the key;
- POST /segmind-flux/test-key: reads the balance (free) with the configured key, or one given to try;
- GET /segmind-flux/spend, GET /segmind-flux/thumbnail?job=ID, POST /segmind-flux/collect: the panel;
- POST /segmind-flux/collect-receipt: the jobs a saved image's receipt names, collected again (free);
- /segmind-flux/batches...: batches run inside ComfyUI (routes/batch.py);
- /segmind-flux/catalogue...: the Flux models of Segmind's index, and its refresh (routes/catalogue.py).

A POST that changes something is refused when it comes from another web page (its Origin is not the
page ComfyUI serves, or the browser marks it cross-site), whatever --listen or --enable-cors-header say,
and must be JSON, which no plain HTML form can send.
"""
from __future__ import annotations

import asyncio
import dataclasses
from types import SimpleNamespace
from urllib.parse import urlsplit

from ..money.balance import ACCOUNT_LABEL, read_balance
from ..client.config import ConfigError, load_settings
from ..client.errors import SegmindError, missing_key_error
from ..money.pricing import format_usd
from .config import apply_config, checked_value, config_view
from .batch import batch_handlers
from .catalogue import catalogue_handlers
from .estimate import ESTIMATED_NODES, estimate_for_editor
from .receipt_collect import collect_receipts
from ..nodes.receipts import MAX_RECEIPT_CHARS, ReceiptError
from .spend import PanelError, collect_job, job_thumbnail, spend_view

PREFIX = "/segmind-flux"
CROSS_SITE = ("cross-site", "same-site")  # Sec-Fetch-Site of a request another page made


def refusal_of_foreign_post(headers) -> str | None:
    """Why a state-changing request must be refused (None: it comes from ComfyUI's own page or a script)."""
    if headers.get("Sec-Fetch-Site", "").lower() in CROSS_SITE:
        return "this request comes from another site"
    origin = headers.get("Origin")
    if origin is not None:
        try:
            origin_host = urlsplit(origin).netloc.lower()
        except ValueError:
            origin_host = ""
        if not origin_host or origin_host != headers.get("Host", "").lower():
            return "this request comes from another origin than the page ComfyUI serves"
    if headers.get("Content-Type", "").split(";")[0].strip().lower() != "application/json":
        return "send JSON (Content-Type: application/json)"
    return None


def _route_handlers(web):
    def error(message: str, status: int = 400):
        return web.json_response({"error": message}, status=status)

    async def in_thread(function, *args):
        return await asyncio.get_running_loop().run_in_executor(None, function, *args)

    async def json_body(request) -> dict:
        try:
            data = await request.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise ConfigError("Send a JSON object.")
        return data

    def guarded(handler):
        async def checked(request):
            refusal = refusal_of_foreign_post(request.headers)
            if refusal:
                return error(f"Refused: {refusal}.", 403)
            try:
                return await handler(request)
            except (ConfigError, PanelError, ReceiptError) as exc:
                return error(str(exc), getattr(exc, "status", 400))
        return checked

    async def estimate(request):
        try:
            data = await request.json()
            node_type, inputs = data["node_type"], data.get("inputs") or {}
            if node_type not in ESTIMATED_NODES or not isinstance(inputs, dict):
                raise KeyError(node_type)
        except (ValueError, KeyError, TypeError):
            return error("expected {node_type: a Segmind remote node, inputs: {...}}")
        try:
            return web.json_response(await in_thread(estimate_for_editor, node_type, inputs))
        except ConfigError as exc:
            return error(str(exc))

    async def get_config(request):
        return web.json_response(await in_thread(config_view))

    async def post_config(request):
        return web.json_response(await in_thread(apply_config, await json_body(request)))

    def test_key_now(trial_key) -> dict:
        settings = load_settings()
        if trial_key is not None:
            settings = dataclasses.replace(settings, api_key=checked_value("api_key", trial_key) or None)
        if not settings.api_key:
            return {"ok": False, "error": str(missing_key_error(ACCOUNT_LABEL))}
        try:
            balance = read_balance(settings)
        except SegmindError as exc:
            return {"ok": False, "error": str(exc), "status": exc.status}
        return {"ok": True, "credits": balance.credits, "free_credits": balance.free_credits,
                "credits_text": format_usd(balance.credits), "free_credits_text": format_usd(balance.free_credits)}

    async def test_key(request):
        data = await json_body(request)
        return web.json_response(await in_thread(test_key_now, data.get("api_key")))

    async def spend(request):
        return web.json_response(await in_thread(spend_view))

    async def thumbnail(request):
        try:
            png = await in_thread(job_thumbnail, request.query.get("job", ""))
        except (PanelError, ConfigError, ValueError) as exc:
            return error(str(exc), getattr(exc, "status", 404))
        return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "no-store"})

    async def collect(request):
        data = await json_body(request)
        return web.json_response(await in_thread(collect_job, str(data.get("job", ""))))

    async def collect_receipt(request):
        if (request.content_length or 0) > 2 * MAX_RECEIPT_CHARS:
            return error(f"A receipt is at most {MAX_RECEIPT_CHARS} characters; this request is larger.", 413)
        data = await json_body(request)
        return web.json_response(await in_thread(collect_receipts, data.get("receipt")))

    kit = SimpleNamespace(error=error, in_thread=in_thread, json_body=json_body, guarded=guarded)
    return (*batch_handlers(web, kit), *catalogue_handlers(web, kit),
            ("POST", "/estimate", estimate), ("GET", "/config", get_config), ("POST", "/config", guarded(post_config)),
            ("POST", "/test-key", guarded(test_key)), ("GET", "/spend", spend), ("GET", "/thumbnail", thumbnail),
            ("POST", "/collect", guarded(collect)), ("POST", "/collect-receipt", guarded(collect_receipt)))


def register_routes(server) -> None:
    """Adds the routes to ComfyUI's server (nodes/runtime.py does it once)."""
    from aiohttp import web

    for method, path, handler in _route_handlers(web):
        server.routes.route(method, PREFIX + path)(handler)
