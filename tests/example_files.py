"""Small files the tests make or read: solid-colour images, the example workflows, the client's settings."""
from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image

from pack_loader import load_pack_module

WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"


def png_bytes(color=(12, 34, 56), size=(6, 4), fmt="PNG") -> bytes:
    """An image of one colour, encoded as `fmt`."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


def ui_of(name: str) -> dict:
    """The editor's file of example workflow `name`."""
    return json.loads((WORKFLOWS / f"{name}.json").read_text(encoding="utf-8"))


def api_of(name: str) -> dict:
    """The API prompt of example workflow `name`."""
    return json.loads((WORKFLOWS / "api" / f"{name}.json").read_text(encoding="utf-8"))


def client_settings(base_url: str, api_key: str | None, per_minute: float = 0):
    """The client's settings for a server, without the result cache."""
    config = load_pack_module("client.config")
    return config.Settings(api_key=api_key, base_url=base_url, cache_enabled=False, cache_dir=None,
                           requests_per_minute=per_minute)
