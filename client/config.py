"""Where the key, the base URL and the client options come from, first found wins:
1. the environment (SEGMIND_API_KEY, SEGMIND_MAX_SPEND_PER_DAY, ...);
2. the editor's Settings dialog, saved in ComfyUI's user directory (client/user_settings.py);
3. `config.json` in the pack's folder (ignored by git), or the file named by SEGMIND_CONFIG_FILE.
The key is never a node input, so it never lands in a workflow or PNG metadata.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

from ..specs.segmind_index import INDEX_URL
from .user_settings import comfy_user_settings_file, read_user_settings

DEFAULT_BASE_URL = "https://api.segmind.com"
# The result cache keeps every paid image next to SaveImage's copy: bounded, oldest use first out.
DEFAULT_CACHE_MAX_GB = 2.0
PACK_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = PACK_DIR / "config.json"

KEY_HELP = ("Set the API key in ComfyUI's Settings (Segmind section), or the environment variable "
            "SEGMIND_API_KEY before starting ComfyUI (keys: https://cloud.segmind.com/console/api-keys).")
ENVIRONMENT, DIALOG, CONFIG_FILE, DEFAULT = "environment", "settings", "config.json", "default"


class ConfigError(ValueError):
    """The config file cannot be read; the message never quotes the file's contents."""


@dataclass(frozen=True)
class Settings:
    api_key: str | None
    base_url: str
    cache_enabled: bool
    cache_dir: Path | None
    # Client-side limit of submissions per minute (0: none); the free tier allows 5, paid 50.
    requests_per_minute: float
    # Spend caps in US dollars (None: no cap).
    max_spend_per_prompt: float | None = None
    max_spend_per_day: float | None = None
    # The result cache's size bound in bytes: the least recently used results go first.
    cache_max_bytes: int = int(DEFAULT_CACHE_MAX_GB * 1e9)
    # Where input images are uploaded (SEGMIND_STORAGE_URL); None: client/uploads.storage_url decides.
    storage_url: str | None = None
    # Segmind's index of its models, read by a refresh of the catalogue (SEGMIND_INDEX_URL); no key goes there.
    index_url: str = INDEX_URL

    def __repr__(self) -> str:  # the key must never reach a log line through a repr
        return (f"Settings(api_key={'<set>' if self.api_key else None}, base_url={self.base_url!r}, "
                f"storage_url={self.storage_url!r}, cache_enabled={self.cache_enabled}, "
                f"requests_per_minute={self.requests_per_minute}, "
                f"max_spend_per_prompt={self.max_spend_per_prompt}, max_spend_per_day={self.max_spend_per_day})")


def env_name(file_key: str) -> str:
    return "SEGMIND_" + file_key.upper()


def _read_config_file(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"Segmind config file {path} is not valid JSON ({type(exc).__name__}).") from None
    if not isinstance(data, dict):
        raise ConfigError(f"Segmind config file {path} must hold a JSON object.")
    return data


def _flag(value: object) -> bool:
    return str(value).strip().lower() not in ("0", "false", "no", "off", "")


def parse_cap(value: object, file_key: str) -> float | None:
    """A spend cap in US dollars; anything but a positive number is an error, never "no cap"."""
    if value is None or value == "":
        return None
    try:
        usd = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        usd = math.nan
    if not math.isfinite(usd) or usd <= 0:
        raise ConfigError(f"The spend cap {env_name(file_key)} / {file_key} must be a positive number of US "
                          f"dollars (e.g. 0.50); got {str(value)[:40]!r}. Fix it or remove it (no cap).")
    return usd


class SettingLayers:
    """The places a setting can come from, in the order they win."""

    def __init__(self, environ=None, user_file: Path | None = None):
        env = os.environ if environ is None else environ
        if user_file is None and environ is None:
            user_file = comfy_user_settings_file()  # inside ComfyUI: the Settings dialog's file
        self.env = env
        self.config_path = Path(env.get("SEGMIND_CONFIG_FILE") or DEFAULT_CONFIG_FILE)
        self.user_file = user_file
        self.layers = ((ENVIRONMENT, {k[len("SEGMIND_"):].lower(): v for k, v in env.items()
                                      if k.startswith("SEGMIND_")}),
                       (DIALOG, read_user_settings(user_file) if user_file else {}),
                       (CONFIG_FILE, _read_config_file(self.config_path)))

    def source(self, file_key: str) -> str:
        for name, values in self.layers:
            if values.get(file_key) not in (None, ""):
                return name
        return DEFAULT

    def pick(self, file_key: str, default=None):
        for _, values in self.layers:
            if values.get(file_key) not in (None, ""):
                return values[file_key]
        return default

    def value_in(self, layer: str, file_key: str):
        return dict(self.layers).get(layer, {}).get(file_key)


def parse_cache_bound(value) -> int:
    """SEGMIND_CACHE_MAX_GB / cache_max_gb: gigabytes, a positive number."""
    try:
        gigabytes = float(DEFAULT_CACHE_MAX_GB if value in (None, "") else value)
    except (TypeError, ValueError):
        gigabytes = math.nan
    if not math.isfinite(gigabytes) or gigabytes <= 0:
        raise ConfigError(f"SEGMIND_CACHE_MAX_GB / cache_max_gb must be a positive number of gigabytes (e.g. 2); "
                          f"got {str(value)!r}.")
    return int(gigabytes * 1e9)


def load_settings(environ: os._Environ | dict | None = None, user_file: Path | None = None) -> Settings:
    """Read the settings afresh (cheap): a key or cap saved after start-up is used on the next run."""
    layers = SettingLayers(environ, user_file)
    pick = layers.pick
    api_key = pick("api_key")
    api_key = str(api_key).strip() if api_key else None
    cache_dir = pick("cache_dir")
    try:
        per_minute = float(pick("requests_per_minute", 0))
    except (TypeError, ValueError):
        raise ConfigError("SEGMIND_REQUESTS_PER_MINUTE / requests_per_minute must be a number.") from None
    return Settings(
        api_key=api_key or None,
        base_url=str(pick("base_url", DEFAULT_BASE_URL)).rstrip("/"),
        cache_enabled=_flag(pick("cache", True)),
        cache_dir=Path(cache_dir) if cache_dir else None,
        requests_per_minute=max(0.0, per_minute),
        max_spend_per_prompt=parse_cap(pick("max_spend_per_prompt"), "max_spend_per_prompt"),
        max_spend_per_day=parse_cap(pick("max_spend_per_day"), "max_spend_per_day"),
        cache_max_bytes=parse_cache_bound(pick("cache_max_gb")),
        storage_url=str(pick("storage_url")).strip().rstrip("/") if pick("storage_url") else None,
        index_url=str(pick("index_url", INDEX_URL)).strip(),
    )
