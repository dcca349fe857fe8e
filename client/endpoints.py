"""Every URL the pack calls on Segmind's API, built here and only here.

The API server is SEGMIND_BASE_URL (default https://api.segmind.com). The only other URLs fetched are
the output images a result names, checked by transport.check_output_url and fetched without the key.
The key never goes into a URL: it travels in the x-api-key header (client/transport.py).
"""
from __future__ import annotations

from .config import Settings


def _api(settings: Settings, path: str) -> str:
    return f"{settings.base_url}/{path}"


def sync_url(settings: Settings, slug: str) -> str:
    """v1: one POST that answers with the image (billed)."""
    return _api(settings, f"v1/{slug}")


def submit_url(settings: Settings, slug: str) -> str:
    """v2: the POST that queues a job (billed)."""
    return _api(settings, f"v2/{slug}")


def status_url(settings: Settings, request_id: str) -> str:
    return _api(settings, f"v2/requests/{request_id}/status")


def result_url(settings: Settings, request_id: str) -> str:
    return _api(settings, f"v2/requests/{request_id}")


def balance_url(settings: Settings) -> str:
    """The account's credits: free of charge."""
    return _api(settings, "v1/get-user-credits")
