"""The settings a user saves in the editor's Settings dialog (the Segmind section): one JSON file in
ComfyUI's user directory, so that updating or reinstalling the pack keeps them. It holds the API key,
so it is written with mode 600 and only ever read back by the pack (the key never goes to the browser).
"""
from __future__ import annotations

import os
from pathlib import Path

from .json_file import DamagedJsonFile, LockedJsonFile

PACK_USER_FOLDER = "comfyui-segmind-flux"
SETTINGS_FILE_NAME = "settings.json"
# What the dialog may save; everything else stays with the environment or config.json.
DIALOG_KEYS = ("api_key", "max_spend_per_prompt", "max_spend_per_day")
KEY_HINT_CHARS = 4


def comfy_user_directory() -> Path | None:
    """ComfyUI's user directory, when running inside ComfyUI (None in a plain script)."""
    try:
        import folder_paths  # ComfyUI's; imported here so the pack imports without it
    except ImportError:
        return None
    return Path(folder_paths.get_user_directory())


def comfy_user_settings_file() -> Path | None:
    user_dir = comfy_user_directory()
    return user_dir / PACK_USER_FOLDER / SETTINGS_FILE_NAME if user_dir else None


def read_user_settings(path: Path) -> dict:
    """The saved values ({} when nothing was saved); a damaged file is read as empty, never quoted."""
    try:
        data = LockedJsonFile(path).read()
    except DamagedJsonFile:
        return {}
    return {key: data[key] for key in DIALOG_KEYS if data.get(key) not in (None, "")}


def save_user_settings(path: Path, changes: dict) -> dict:
    """Applies `changes` (a value of None or "" removes that entry); returns what is saved now."""
    store = LockedJsonFile(path)
    with store.update(replace_damaged=True) as data:
        for key, value in changes.items():
            if key not in DIALOG_KEYS:
                raise KeyError(key)
            if value in (None, ""):
                data.pop(key, None)
            else:
                data[key] = value
        saved = dict(data)
    os.chmod(path, 0o600)  # the atomic write already creates it 600; an older file is tightened too
    return saved


def key_hint(api_key: str | None) -> str | None:
    """Only the last characters, as the dialog shows them; a key too short to hide shows nothing."""
    if not api_key or len(api_key) <= 2 * KEY_HINT_CHARS:
        return None
    return api_key[-KEY_HINT_CHARS:]
