"""Reading a successful Segmind answer, whatever its shape, into image (or video) bytes / URLs and accounting info.

Shapes accepted (protocol note): raw image or video bytes by Content-Type; JSON with base64 in `image`/`images`;
`output` as a URL string or a list; `images[].url`; `video.url` (and its sound's `audio.url` where the sound
is a file of its own); data: URIs. Accounting comes from `metrics` and from
the x-* headers, best-effort and case-insensitive.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

# `video`: a video model's result ({"url", "content_type", ...}, Segmind's MediaObject); the same file as `output`.
IMAGE_KEYS = ("output", "outputs", "images", "image", "video", "url", "urls", "data", "result")
HEADER_INFO = {"x-request-id": "request_id", "x-seed-value": "seed", "x-cost": "cost",
               "x-remaining-credits": "remaining_credits", "x-generation-time": "inference_time"}
METRIC_INFO = ("inference_time", "cost", "remaining_credits", "queue_time", "total_time", "seed")
_BASE64_RE = re.compile(r"^[A-Za-z0-9+/=\s_-]+$")
# Any scheme: a non-http(s) URL is collected so that check_output_url refuses it by name.
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class UnreadableOutput(ValueError):
    """The answer holds no image in any shape we know; the message says what it did hold."""


class DamagedOutput(UnreadableOutput):
    """The answer is neither an image nor whole JSON: most likely cut off on the way."""


class UnusableImage(DamagedOutput):
    """An image arrived but cannot be used (cut off, or not an image of an accepted kind and size): raised
    by the caller's check of the images, so that a v2 result is fetched again as for a damaged answer."""


@dataclass
class ParsedOutput:
    images: list[bytes] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    # A video result's sound as a file of its own (`audio.url` beside `video`), fetched after the video.
    audio_urls: list[str] = field(default_factory=list)


def _audio_urls(data: Any, video_urls: list[str]) -> list[str]:
    """The separate sound of a video result: `audio` (a URL, or {"url": ...}) beside a `video`; at most one."""
    if not isinstance(data, dict) or "video" not in data:
        return []
    found = ParsedOutput()
    _collect(data.get("audio"), found)
    return [url for url in found.urls if url not in video_urls][:1]


def _number(value: Any) -> Any:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer of 309+ digits
        return value
    return int(number) if number.is_integer() and abs(number) < 2**63 else number


def info_from_headers(headers: Mapping[str, str]) -> dict[str, Any]:
    lowered = {str(k).lower(): v for k, v in headers.items()}
    info = {}
    for header, key in HEADER_INFO.items():
        if lowered.get(header) not in (None, ""):
            info[key] = lowered[header] if key == "request_id" else _number(lowered[header])
    return info


def info_from_json(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        return {}
    info = {}
    metrics = data.get("metrics") if isinstance(data.get("metrics"), dict) else {}
    for key in METRIC_INFO:
        for source in (metrics, data):
            if source.get(key) not in (None, "") and isinstance(source.get(key), (int, float, str)):
                info[key] = _number(source[key])
                break
    if isinstance(data.get("request_id"), str):
        info["request_id"] = data["request_id"]
    return info


def _collect(value: Any, out: ParsedOutput, depth: int = 0) -> None:
    if depth > 4:
        return
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("data:") and "," in text:
            _collect(text.split(",", 1)[1], out, depth + 1)
        elif _URL_RE.match(text):
            out.urls.append(text)
        elif len(text) >= 16 and _BASE64_RE.match(text):
            try:
                out.images.append(base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_"
                                                   if ("-" in text or "_" in text) else None))
            except (binascii.Error, ValueError):
                pass
    elif isinstance(value, list):
        for item in value:
            _collect(item, out, depth + 1)
    elif isinstance(value, dict):
        for key in IMAGE_KEYS:
            if key in value:
                _collect(value[key], out, depth + 1)


def parse_success(body: bytes, content_type: str, headers: Mapping[str, str]) -> ParsedOutput:
    """Parse a 200 answer of a v1 call or a v2 result fetch."""
    out = ParsedOutput(info=info_from_headers(headers))
    kind = content_type.split(";")[0].strip().lower()
    if kind.startswith(("image/", "video/")):
        out.images.append(body)
        return out
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested too deep
        what = "an HTML page, not an image or JSON" if kind == "text/html" else "neither an image nor JSON"
        likely = "" if kind == "text/html" else "; it may have been cut off"
        raise DamagedOutput(f"the answer is {what} (Content-Type {kind or 'missing'}, {len(body)} bytes"
                            f"{likely})") from None
    out.info.update(info_from_json(data))
    _collect(data if isinstance(data, (dict, list)) else [data], out)
    out.urls = list(dict.fromkeys(out.urls))  # `output` and `images[].url` may name the same files
    out.audio_urls = _audio_urls(data, out.urls)
    if not out.images and not out.urls:
        shape = sorted(data)[:8] if isinstance(data, dict) else type(data).__name__
        raise UnreadableOutput(f"the JSON answer holds no image (fields: {shape})")
    return out
