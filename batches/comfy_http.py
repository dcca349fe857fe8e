"""ComfyUI's HTTP API as a batch uses it: POST /prompt, GET /history/<id>, the pack's own routes, and
where an output image is served. For a ComfyUI anywhere; a batch run inside ComfyUI talks to its own
server through it. Standard library only, and no import of the pack, so that the developers' drivers
(scripts/comfy_driver.py) build on it too."""
from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
import uuid


class ComfyHttpError(RuntimeError):
    """ComfyUI could not be reached, or answered something that is not what was asked."""


class ComfyHttp:
    def __init__(self, url: str, view_base: str | None = None, ssl_context: ssl.SSLContext | None = None):
        """`view_base`: what output image URLs start with (None: `url`; "": paths only, for a page that
        ComfyUI itself serves)."""
        self.url, self.view_base, self.ssl_context = url.rstrip("/"), view_base, ssl_context

    def request(self, method: str, path: str, payload: dict | None = None, timeout: float = 30.0):
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout, context=self.ssl_context) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except urllib.error.URLError as exc:
            raise ComfyHttpError(f"cannot reach ComfyUI at {self.url}: {exc.reason}") from None

    def get_json(self, path: str):
        status, body = self.request("GET", path)
        if status != 200:
            raise ComfyHttpError(f"GET {path}: HTTP {status}")
        return json.loads(body)

    def queue_prompt(self, prompt: dict, client_id: str | None = None,
                     extra_data: dict | None = None) -> tuple[int, dict]:
        """POST /prompt; returns the HTTP status and the JSON answer (node_errors on a 400). `extra_data`:
        ComfyUI's, e.g. {"extra_pnginfo": {"workflow": ...}} for the saved images' metadata."""
        payload = {"prompt": prompt, "client_id": client_id or uuid.uuid4().hex,
                   **({"extra_data": extra_data} if extra_data else {})}
        status, body = self.request("POST", "/prompt", payload)
        return status, json.loads(body or b"{}")

    def finished(self, prompt_id: str) -> dict | None:
        """The prompt's history entry once it has ended (None while it waits or runs)."""
        entry = self.get_json(f"/history/{urllib.parse.quote(prompt_id)}").get(prompt_id)
        if entry and entry.get("status", {}).get("completed") is not None and (
                entry["status"].get("status_str") in ("success", "error")):
            return entry
        return None

    def output_url(self, image: dict) -> str:
        """Where the server serves an output image that its history names."""
        query = urllib.parse.urlencode({"filename": image["filename"], "subfolder": image.get("subfolder", ""),
                                        "type": image.get("type", "output")})
        return f"{self.url if self.view_base is None else self.view_base}/view?{query}"
