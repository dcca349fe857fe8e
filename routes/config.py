"""What the editor's Settings dialog (Segmind section) and GET/POST /segmind-flux/config read and change:
the API key (write-only: only whether it is set and its last four characters ever leave the server),
and the two spend caps; each with where its value comes from, and whether the environment overrides
what was saved."""
from __future__ import annotations

from ..client.config import (CONFIG_FILE, DIALOG, ENVIRONMENT, ConfigError, SettingLayers, env_name, parse_cap)
from ..money.pricing import format_usd
from ..client.user_settings import DIALOG_KEYS, comfy_user_settings_file, key_hint, save_user_settings

CAPS = ("max_spend_per_prompt", "max_spend_per_day")
API_KEY_MAX_CHARS = 400


def _source(layers: SettingLayers, key: str) -> dict:
    source = layers.source(key)
    where = {ENVIRONMENT: f"the environment variable {env_name(key)}",
             DIALOG: f"ComfyUI's Settings ({layers.user_file})",
             CONFIG_FILE: f"the pack's config file ({layers.config_path})"}.get(source, "not set")
    saved = layers.value_in(DIALOG, key) not in (None, "")
    return {"source": source, "where": where, "variable": env_name(key),
            # The dialog says so when what it saved is not the value in use.
            "overridden_by_environment": source == ENVIRONMENT and saved}


def config_view() -> dict:
    """The settings as the dialog shows them; never the key itself."""
    layers = SettingLayers()
    api_key = layers.pick("api_key")
    api_key = str(api_key).strip() if api_key else None
    view = {"api_key_set": bool(api_key), "api_key_hint": key_hint(api_key),
            "sources": {key: _source(layers, key) for key in DIALOG_KEYS},
            "settings_file": str(layers.user_file) if layers.user_file else None}
    for key in CAPS:
        try:
            view[key] = parse_cap(layers.pick(key), key)
        except ConfigError as exc:
            view[key], view["sources"][key]["error"] = None, str(exc)
        view[f"{key}_text"] = format_usd(view[key]) if view[key] is not None else None
    for key in DIALOG_KEYS:
        view[f"{key}_source"] = view["sources"][key]["source"]
    return view


def checked_value(key: str, value):
    if key == "api_key":
        if value is None:
            return None
        if not isinstance(value, str):
            raise ConfigError("The API key must be text.")
        key_text = value.strip()
        if len(key_text) > API_KEY_MAX_CHARS or any(c.isspace() or not c.isprintable() for c in key_text):
            raise ConfigError("The API key must be one word of printable characters (copy it again from "
                              "https://cloud.segmind.com/console/api-keys).")
        return key_text
    return parse_cap(value, key)  # the same words as the error a run shows


def apply_config(changes: dict) -> dict:
    """Saves the fields given (all checked first: one bad value saves nothing); returns the new view.
    A field of "" or null removes the saved value."""
    if not isinstance(changes, dict) or not changes:
        raise ConfigError(f"Send a JSON object with any of {', '.join(DIALOG_KEYS)}.")
    unknown = sorted(set(changes) - set(DIALOG_KEYS))
    if unknown:
        raise ConfigError(f"Unknown setting {unknown[0]!r}: the dialog saves {', '.join(DIALOG_KEYS)}.")
    checked = {key: checked_value(key, value) for key, value in changes.items()}
    path = comfy_user_settings_file()
    if path is None:
        raise ConfigError("ComfyUI's user directory is not known outside ComfyUI.")
    save_user_settings(path, checked)
    return config_view()
