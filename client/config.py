"""Where the key, the base URL and the client options come from: the environment, then a config file.

The config file is `config.json` in the pack's folder (ignored by git), or the file named by
SEGMIND_CONFIG_FILE. The key is never a node input, so it never lands in a workflow or PNG metadata.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_BASE_URL = "https://api.segmind.com"
PACK_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = PACK_DIR / "config.json"

KEY_HELP = ("Set the environment variable SEGMIND_API_KEY before starting ComfyUI, or put "
            '{"api_key": "..."} in ' + str(DEFAULT_CONFIG_FILE) + " (keys: https://cloud.segmind.com/console/api-keys).")


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

    def __repr__(self) -> str:  # the key must never reach a log line through a repr
        return (f"Settings(api_key={'<set>' if self.api_key else None}, base_url={self.base_url!r}, "
                f"cache_enabled={self.cache_enabled}, requests_per_minute={self.requests_per_minute}, "
                f"max_spend_per_prompt={self.max_spend_per_prompt}, max_spend_per_day={self.max_spend_per_day})")


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


def _cap(value: object, env_name: str, file_key: str) -> float | None:
    """A spend cap in US dollars; anything but a positive number is an error, never "no cap"."""
    if value is None or value == "":
        return None
    try:
        usd = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        usd = math.nan
    if not math.isfinite(usd) or usd <= 0:
        raise ConfigError(f"The spend cap {env_name} / {file_key} must be a positive number of US dollars "
                          f"(e.g. 0.50); got {str(value)[:40]!r}. Fix it or remove it (no cap).")
    return usd


def load_settings(environ: os._Environ | dict | None = None) -> Settings:
    """Read the settings afresh (cheap): a key set after start-up is picked up on the next run."""
    env = os.environ if environ is None else environ
    file_data = _read_config_file(Path(env.get("SEGMIND_CONFIG_FILE") or DEFAULT_CONFIG_FILE))

    def pick(env_name: str, file_key: str, default):
        value = env.get(env_name)
        return value if value not in (None, "") else file_data.get(file_key, default)

    def cap(file_key: str) -> float | None:
        env_name = "SEGMIND_" + file_key.upper()
        return _cap(pick(env_name, file_key, None), env_name, file_key)

    api_key = pick("SEGMIND_API_KEY", "api_key", None)
    api_key = str(api_key).strip() if api_key else None
    cache_dir = pick("SEGMIND_CACHE_DIR", "cache_dir", None)
    try:
        per_minute = float(pick("SEGMIND_REQUESTS_PER_MINUTE", "requests_per_minute", 0))
    except (TypeError, ValueError):
        raise ConfigError("SEGMIND_REQUESTS_PER_MINUTE / requests_per_minute must be a number.") from None
    return Settings(
        api_key=api_key or None,
        base_url=str(pick("SEGMIND_BASE_URL", "base_url", DEFAULT_BASE_URL)).rstrip("/"),
        cache_enabled=_flag(pick("SEGMIND_CACHE", "cache", True)),
        cache_dir=Path(cache_dir) if cache_dir else None,
        requests_per_minute=max(0.0, per_minute),
        max_spend_per_prompt=cap("max_spend_per_prompt"),
        max_spend_per_day=cap("max_spend_per_day"),
    )
