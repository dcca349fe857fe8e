"""HTTP with the rules that keep the user's money safe.

- GETs are retried (capped, jittered backoff); a POST is retried only when nothing can have been
  created: the server answered 429, or the connection never reached it.
- Every request has a connect and a read time-out; every body is read to a size cap.
- The key goes only to the configured API, never to output URLs, and redirects are not followed with it.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import NewConnectionError

from .config import Settings
from .constants import (CONNECT_TIMEOUT_S, GET_ATTEMPTS, MAX_RESPONSE_BYTES, MAX_VIDEO_RESPONSE_BYTES,
                        RATE_LIMIT_WAIT_MAX_S, RATE_LIMITED_POST_ATTEMPTS, RATE_LIMITED_POST_WAITS, READ_TIMEOUT_S,
                        USER_AGENT)
from .errors import SegmindError, missing_key_error, redact
from .waiting import Cancelled, StopCheck, backoff_seconds, server_requested_wait, sleep_unless_stopped

RETRYABLE_GET_STATUSES = {429, 500, 502, 503, 504}
CONNECTION_ADVICE = ("Check the network connection (and HTTPS_PROXY if you use a proxy), or "
                     "SEGMIND_BASE_URL if you changed it.")
MAYBE_BILLED_ADVICE = ("The submission may have reached Segmind and be billed: check the account history on "
                       "Segmind before queueing again.")


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str
    headers: dict

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def _never_reached_server(exc: requests.RequestException) -> bool:
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError) or isinstance(exc.args[0] if exc.args else None,
                                                                 NewConnectionError)


class Transport:
    """One per job (a requests.Session is not shared between threads)."""

    def __init__(self, settings: Settings, model_label: str, stop: StopCheck):
        self.settings, self.model_label, self.stop = settings, model_label, stop
        self.session = requests.Session()  # trust_env: HTTPS_PROXY / NO_PROXY are honoured
        self.session.headers["User-Agent"] = USER_AGENT

    def close(self) -> None:
        self.session.close()

    def _api_headers(self) -> dict:
        if not self.settings.api_key:
            raise missing_key_error(self.model_label)
        return {"x-api-key": self.settings.api_key, "Content-Type": "application/json",
                "Accept": "application/json, image/*"}

    def _send(self, method: str, url: str, read_timeout: float, **kwargs) -> Answer:
        if self.stop():  # a cancelled job sends nothing more, whichever step it was at
            raise Cancelled()
        with self.session.request(method, url, timeout=(CONNECT_TIMEOUT_S, read_timeout),
                                  stream=True, **kwargs) as response:
            chunks, size = [], 0
            video = response.headers.get("Content-Type", "").lower().startswith("video/")
            limit = MAX_VIDEO_RESPONSE_BYTES if video else MAX_RESPONSE_BYTES
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise SegmindError(self.model_label, f"The answer from {urlsplit(url).netloc} is "
                                       f"larger than {limit // 2**20} MB.",
                                       f"This is not a Segmind {'video' if video else 'image'}; report it if it "
                                       "repeats.")
                chunks.append(chunk)
            return Answer(response.status_code, b"".join(chunks),
                          response.headers.get("Content-Type", ""), dict(response.headers))

    def _network_error(self, exc: Exception, url: str, request_id: str | None = None,
                       maybe_billed: bool = False) -> SegmindError:
        host = urlsplit(url).netloc
        if isinstance(exc, requests.Timeout):
            problem = f"No answer from {host} in time ({type(exc).__name__})."
        elif isinstance(exc, requests.exceptions.ChunkedEncodingError):
            problem = f"The answer from {host} was cut off."
        else:
            problem = f"Could not connect to {host} ({type(exc).__name__})."
        advice = MAYBE_BILLED_ADVICE + " " + CONNECTION_ADVICE if maybe_billed else CONNECTION_ADVICE
        return SegmindError(self.model_label, redact(problem, self.settings.api_key), advice, request_id=request_id)

    def get(self, url: str, *, with_key: bool = True, read_timeout: float = READ_TIMEOUT_S,
            request_id: str | None = None, retry_rate_limited: bool = True) -> Answer:
        """GET with retries on network errors and 429/5xx; returns the last answer either way.
        retry_rate_limited=False hands a 429 straight back (status polls wait it out on their own schedule)."""
        headers = self._api_headers() if with_key else {"Accept": "*/*"}
        return self._retried("GET", url, read_timeout, headers, request_id, retry_rate_limited)

    def post_unbilled(self, url: str, body: dict, read_timeout: float = READ_TIMEOUT_S) -> Answer:
        """A POST that bills nothing (an image upload): retried as a GET is, since repeating it costs nothing."""
        return self._retried("POST", url, read_timeout, self._api_headers(), None, True, json=body)

    def _retried(self, method: str, url: str, read_timeout: float, headers: dict, request_id: str | None,
                 retry_rate_limited: bool, **kwargs) -> Answer:
        for attempt in range(GET_ATTEMPTS):
            last_try = attempt == GET_ATTEMPTS - 1
            try:
                answer = self._send(method, url, read_timeout, headers=headers, allow_redirects=False, **kwargs)
            except (requests.RequestException, OSError) as exc:
                if last_try:
                    raise self._network_error(exc, url, request_id) from None
                sleep_unless_stopped(backoff_seconds(attempt), self.stop)
                continue
            handed_back = answer.status == 429 and not retry_rate_limited
            if answer.status not in RETRYABLE_GET_STATUSES or last_try or handed_back:
                return answer
            asked = server_requested_wait(answer.headers) if answer.status == 429 else None
            sleep_unless_stopped(min(asked, RATE_LIMIT_WAIT_MAX_S) if asked is not None
                                 else backoff_seconds(attempt), self.stop)
        raise AssertionError("unreachable")

    def post_json(self, url: str, body: dict, read_timeout: float, turn: Callable[[], None] | None = None,
                  on_rate_limited: Callable[[float], None] | None = None) -> Answer:
        """POST a billable request. Retried only after a 429 or a connection that never got through.
        `turn()` is called before every attempt (the process's spacing of submissions); a 429 that says
        when the limit frees (within RATE_LIMIT_WAIT_MAX_S) goes to `on_rate_limited(seconds)`, so that
        the process's other submissions hold back too, and is retried up to RATE_LIMITED_POST_WAITS
        times; other failures RATE_LIMITED_POST_ATTEMPTS times in all."""
        headers = self._api_headers()
        waited, failed = 0, 0
        while True:
            if turn is not None:
                turn()
            try:
                answer = self._send("POST", url, read_timeout, json=body, headers=headers,
                                    allow_redirects=False)
            except (requests.RequestException, OSError) as exc:
                never_reached = isinstance(exc, requests.RequestException) and _never_reached_server(exc)
                failed += 1
                if never_reached and failed < RATE_LIMITED_POST_ATTEMPTS:
                    sleep_unless_stopped(backoff_seconds(failed - 1), self.stop)
                    continue
                raise self._network_error(exc, url, maybe_billed=not never_reached) from None
            if answer.status != 429:
                return answer
            asked = server_requested_wait(answer.headers)
            if asked is not None and asked > RATE_LIMIT_WAIT_MAX_S:
                return answer  # the caller reports the 429; waiting that long silently would look hung
            if asked is None:
                failed += 1
                if failed >= RATE_LIMITED_POST_ATTEMPTS:
                    return answer
                sleep_unless_stopped(backoff_seconds(failed + 1), self.stop)
                continue
            waited += 1
            if waited > RATE_LIMITED_POST_WAITS:
                return answer
            if on_rate_limited is not None and turn is not None:
                on_rate_limited(asked)  # turn() now waits for it, with the process's other submissions
            else:
                sleep_unless_stopped(asked, self.stop)


def _is_internal_host(host: str) -> bool:
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (socket.gaierror, UnicodeError, ValueError):
        return False  # unresolvable: the download itself will fail with a clear message
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified:
            return True
    return False


def check_output_url(url: str, settings: Settings) -> str | None:
    """Why an output URL must not be fetched, or None. Only http(s); no internal address unless it is
    the configured API server itself (the loopback test server, or a user's own gateway)."""
    try:
        parts, api = urlsplit(url), urlsplit(settings.base_url)
        same_server = (parts.hostname, parts.port) == (api.hostname, api.port)
    except ValueError:  # a bad port or IPv6 address
        return "a malformed output URL"
    if parts.scheme not in ("http", "https"):
        return f"an output URL with scheme '{parts.scheme or 'none'}' (only http and https are fetched)"
    if not parts.hostname:
        return "an output URL without a host"
    try:
        parts.hostname.encode("idna")
    except UnicodeError:  # a label over 63 characters, or empty: no lookup, and urllib3 raises a ValueError
        return "an output URL whose host name is malformed"
    if not same_server and _is_internal_host(parts.hostname):
        return f"an output URL that points at an internal address ({parts.hostname})"
    return None
