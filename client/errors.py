"""One error type for everything that can go wrong with a Segmind call, worded for the user.

Every message names the model, the HTTP status (when there is one), the server's own reason, and what
to do. Messages are built here and only here, and never contain the API key.
"""
from __future__ import annotations

import html
import json
import re

from .config import KEY_HELP

REASON_MAX_CHARS = 300
# An HTML page's title is looked for in its first 64 KB, with searches that stay linear in the length.
_TITLE_OPEN, _TITLE_CLOSE = re.compile(r"<title[^>]{0,200}>", re.I), re.compile(r"</title", re.I)
_TITLE_SEARCH_CHARS = 65536

ADVICE = {
    400: "The server rejected a parameter: check the node's inputs against the model page.",
    401: "The API key is missing or invalid. " + KEY_HELP,
    403: "This API key is not allowed to use this model: check the account's plan on Segmind.",
    404: "Segmind does not know this model (the pack may be out of date): update the pack.",
    406: "The account has run out of credits: top up at https://cloud.segmind.com/console/billing.",
    410: ("This model was retired by Segmind; the job was not billed. Use another model (the catalogue's "
          "refresh in the Segmind panel or POST /segmind-flux/catalogue/refresh lists those Segmind runs now)."),
    422: "The job failed on the server and was not billed: adjust the prompt or inputs and queue again.",
    429: "Segmind is rate-limiting this key: wait a minute, or lower SEGMIND_REQUESTS_PER_MINUTE.",
    500: "Segmind had an internal error: queue again in a moment.",
    502: "Segmind's gateway is temporarily unavailable: queue again in a moment.",
    504: "Segmind timed out. A timed-out generation may still have been billed: check the account "
         "history on Segmind before queueing again.",
}
STATUS_NAMES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                406: "Insufficient Credits", 410: "Gone", 422: "Job Failed", 429: "Rate Limited",
                500: "Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Timeout"}
EXPIRED_REQUEST_ADVICE = ("The job's result is no longer on the server (results are kept for one hour): "
                          "queue again to generate it anew (this is billed).")


class SegmindError(Exception):
    """The only exception type the client lets escape."""

    def __init__(self, model: str, problem: str, advice: str, status: int | None = None,
                 reason: str | None = None, request_id: str | None = None):
        self.model, self.problem, self.advice = model, problem, advice
        self.status, self.reason, self.request_id = status, reason, request_id
        parts = [f"{model}: {problem}"]
        if reason:  # the server's words end a sentence of their own before the advice
            parts.append(f"Segmind says: {reason}" + ("" if reason.endswith((".", "!", "?")) else "."))
        if request_id:
            parts.append(f"Request id: {request_id}.")
        parts.append(advice)
        super().__init__(" ".join(parts))


def missing_key_error(model: str) -> SegmindError:
    return SegmindError(model, "No Segmind API key is configured.", ADVICE[401])


class SegmindCancelled(SegmindError):
    """The user cancelled while a job was running; a submitted job may still be billed."""


def redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "<redacted>") if secret and text else text


def _json_text(value) -> str:
    try:
        return json.dumps(value)
    except (ValueError, RecursionError):
        return "(a structure nested too deeply to show)"


def _html_title(text: str) -> str | None:
    head = text[:_TITLE_SEARCH_CHARS]
    opened = _TITLE_OPEN.search(head)
    closed = _TITLE_CLOSE.search(head, opened.end()) if opened else None
    return head[opened.end():closed.start()].strip() if closed else None


def reason_from_body(body: bytes | str | None, content_type: str = "", secret: str | None = None) -> str | None:
    """The server's own words: `error`/`message`/`detail` of a JSON body, else the text, shortened.
    The secret is removed before shortening, so that no part of it survives a cut."""
    if not body:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = redact(text, secret)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        data = None
    if isinstance(data, dict):
        for key in ("error", "message", "detail", "msg"):
            if data.get(key):
                text = data[key] if isinstance(data[key], str) else _json_text(data[key])
                break
    elif "html" in content_type.lower() or text.lstrip()[:1] == "<":
        title = _html_title(text)
        text = "an HTML page" + (f" ({title})" if title else "")
    text = redact(" ".join(html.unescape(text).split()), secret)
    return text[:REASON_MAX_CHARS] + ("..." if len(text) > REASON_MAX_CHARS else "")


def http_error(model: str, status: int, body: bytes | str | None, content_type: str = "",
               request_id: str | None = None, secret: str | None = None,
               expired_request: bool = False) -> SegmindError:
    reason = reason_from_body(body, content_type, secret)
    name = STATUS_NAMES.get(status, "HTTP error")
    if expired_request:
        advice = EXPIRED_REQUEST_ADVICE
    else:
        advice = ADVICE.get(status) or ADVICE[500 if status >= 500 else 400]
    return SegmindError(model, f"HTTP {status} {name}.", advice, status=status, reason=reason,
                        request_id=request_id)
