"""The batch routes, for the panel and any HTTP client (batches/service.py runs the batches):
- POST /segmind-flux/batches {"prompt", "rows", "parallel", "max_spend", "dry_run", "format", "workflow"
  (the editor's, for the saved images' metadata)}: every row
  checked and the batch estimated before anything is queued; a dry run stops there;
- GET /segmind-flux/batches (recent), GET /segmind-flux/batches/{id} (state, counts, spend, rows);
- POST /segmind-flux/batches/{id}/stop and /resume; GET /segmind-flux/batches/{id}/results.csv.
"""
from __future__ import annotations

import json
import ssl

from ..batches.comfy_http import ComfyHttp
from ..batches.service import BatchRefused, BatchService
from ..batches.store import UnknownBatch
from ..client.config import ConfigError
from ..nodes.user_data import data_dir

MAX_BATCH_BODY_BYTES = 8 * 1024 * 1024
LOOPBACK = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def own_server() -> ComfyHttp:
    """This ComfyUI's HTTP API, where it listens (its first address; every address: the loopback)."""
    from comfy.cli_args import args
    from server import PromptServer

    server = PromptServer.instance
    host = LOOPBACK.get(str(getattr(server, "address", "")), str(server.address))
    tls = bool(getattr(args, "tls_keyfile", None) and getattr(args, "tls_certfile", None))
    # Its own certificate, on this machine: whatever signs it, the connection is to this process's port.
    context = ssl._create_unverified_context() if tls else None
    netloc = f"[{host}]:{server.port}" if ":" in host else f"{host}:{server.port}"
    return ComfyHttp(f"{'https' if tls else 'http'}://{netloc}", view_base="", ssl_context=context)


def batch_handlers(web, kit) -> tuple:
    """(method, path, handler) of each batch route; `kit` holds server.py's error, in_thread, json_body
    and guarded."""
    service = BatchService(own_server, data_dir)

    def answer(action):
        async def handler(request):
            try:
                return web.json_response(await action(request))
            except BatchRefused as exc:
                return web.json_response({"error": str(exc), **exc.details}, status=exc.status)
            except UnknownBatch as exc:
                return kit.error(str(exc), 404)
            except ConfigError as exc:  # a bad setting: the same words as everywhere
                return kit.error(str(exc), 400)
        return handler

    async def submit(request):
        if (request.content_length or 0) > MAX_BATCH_BODY_BYTES:
            raise BatchRefused(f"The batch is {request.content_length} bytes; at most {MAX_BATCH_BODY_BYTES} "
                               "are taken (split the rows into several batches).", 413)
        if len(body := await request.read()) > MAX_BATCH_BODY_BYTES:
            raise BatchRefused(f"The batch is {len(body)} bytes; at most {MAX_BATCH_BODY_BYTES} are taken.", 413)
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise BatchRefused("Send a JSON object.")
        return await kit.in_thread(service.submit, data)

    async def recent(request):
        return {"batches": await kit.in_thread(service.recent)}

    def on_batch(method):
        async def action(request):
            return await kit.in_thread(method, request.match_info["batch_id"])
        return action

    async def results_csv(request):
        try:
            csv = await kit.in_thread(service.results_csv, request.match_info["batch_id"])
        except UnknownBatch as exc:
            return kit.error(str(exc), 404)
        return web.Response(body=csv, content_type="text/csv", headers={
            "Content-Disposition": f'attachment; filename="segmind-batch-{request.match_info["batch_id"]}.csv"'})

    return (("POST", "/batches", kit.guarded(answer(submit))), ("GET", "/batches", answer(recent)),
            ("GET", "/batches/{batch_id}", answer(on_batch(service.view))),
            ("POST", "/batches/{batch_id}/stop", kit.guarded(answer(on_batch(service.stop)))),
            ("POST", "/batches/{batch_id}/resume", kit.guarded(answer(on_batch(service.resume)))),
            ("GET", "/batches/{batch_id}/results.csv", results_csv))
