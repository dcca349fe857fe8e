"""Where the pack keeps its state inside ComfyUI: the user directory, one folder per API server (the
result cache, the spend ledger, the jobs list and the cost and duration histories)."""
from __future__ import annotations

from pathlib import Path

from ..client.config import Settings
from ..client.state_folder import state_folder


def default_cache_dir() -> Path:
    import folder_paths  # ComfyUI's; imported here so the pack imports without it

    return Path(folder_paths.get_user_directory()) / "comfyui-segmind-flux" / "results"


def data_dir(settings: Settings) -> Path:
    """The result cache's folder, where the ledger, the jobs list and the cost and duration histories
    live too: one per API server, so that runs against a test server never count as real spend."""
    return state_folder(Path(settings.cache_dir or default_cache_dir()), settings.base_url)
