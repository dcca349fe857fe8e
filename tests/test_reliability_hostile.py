"""Hostile answers, property-based: whatever the server sends, only the pack's own errors escape.

The pack's own error types, per layer (what each caller is written to handle):
- client.outputs.parse_success: UnreadableOutput (the job layer words it as a SegmindError);
- client.errors.reason_from_body, client.waiting.server_requested_wait, client.transport.check_output_url:
  nothing at all (they answer a text, a number or None);
- client.jobs.JobRunner.run, the transport included: SegmindError (SegmindCancelled is one);
- nodes.images.decode_image / decode_batch: UndecodableImage.
Every property also checks that nothing hangs (a deadline per case), that memory stays bounded (peak
RSS of this process) and that nothing is written to disk or started as a process (an audit hook).

Size: SEGMIND_FULL_RELIABILITY=1 generates 10,000 cases per property; otherwise 1,000.
"""
from __future__ import annotations

import base64
import contextlib
import gzip
import io
import json
import os
import re
import resource
import socketserver
import struct
import sys
import threading
import time
import zlib
from datetime import timedelta

import pytest
import requests
import urllib3
from hypothesis import HealthCheck, event, given, settings, strategies as st
from PIL import Image, ImageFile

from example_files import client_settings, png_bytes
from pack_loader import load_pack_module
from virtual_clock import VirtualClock

outputs = load_pack_module("client.outputs")
errors = load_pack_module("client.errors")
waiting = load_pack_module("client.waiting")
config = load_pack_module("client.config")
constants = load_pack_module("client.constants")
transport_module = load_pack_module("client.transport")
jobs = load_pack_module("client.jobs")
images = load_pack_module("nodes.images")

FULL = os.environ.get("SEGMIND_FULL_RELIABILITY") == "1"
# SEGMIND_RELIABILITY_CASES sets another count (when hunting a failure).
CASES = int(os.environ.get("SEGMIND_RELIABILITY_CASES") or (10_000 if FULL else 1_000))
KEY = "sk-hostile-test-key-9c1e77d0"
BASE = "http://127.0.0.1:9"  # the configured API server (never contacted by the in-process tests)
LABEL = "Segmind Flux.1 Dev (flux-dev)"
MAX_RSS_GROWTH_MB = 1024

# The generated tests are the long runs: marked slow, with room for the full size.
SIZED = (pytest.mark.slow, pytest.mark.timeout(3600 if FULL else 300))


def sized(test):
    for mark in SIZED:
        test = mark(test)
    return test


# A hang never ends, so a generous deadline still finds one; 5 s failed on a busy machine's stalls (9 s, then 9 ms).
PROPERTY = settings(max_examples=CASES, deadline=timedelta(seconds=30), database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example, HealthCheck.function_scoped_fixture])


# --------------------------------------------------------------------------------------------------
# the guards: no file written, no process started, bounded memory

_WATCH = {"on": False, "events": []}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_SIDE_EFFECTS = {"os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.symlink", "os.link", "os.truncate",
                 "shutil.copyfile", "shutil.rmtree", "subprocess.Popen", "os.system", "os.exec",
                 "os.posix_spawn", "os.spawn", "os.fork", "os.startfile"}


def _audit(event: str, args: tuple) -> None:
    if not _WATCH["on"]:
        return
    if event == "open":
        path, mode, flags = (tuple(args) + (None, None, None))[:3]
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS)
        if writing:
            _WATCH["events"].append((event, repr(path)[:200]))
    elif event in _SIDE_EFFECTS:
        _WATCH["events"].append((event, repr(args)[:200]))


sys.addaudithook(_audit)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextlib.contextmanager
def guarded():
    """No file written and no process started inside; peak RSS grows less than MAX_RSS_GROWTH_MB."""
    before = peak_rss_mb()
    _WATCH["events"].clear()
    _WATCH["on"] = True
    try:
        yield
    finally:
        _WATCH["on"] = False
    assert _WATCH["events"] == [], f"side effects: {_WATCH['events'][:5]}"
    assert peak_rss_mb() - before < MAX_RSS_GROWTH_MB, f"peak RSS grew {peak_rss_mb() - before:.0f} MB"


# --------------------------------------------------------------------------------------------------
# strategies: answers

CONTENT_TYPES = ("application/json", "application/json; charset=utf-8", "image/png", "image/jpeg",
                 "image/webp", "IMAGE/PNG", "image/svg+xml", "text/html", "text/html; charset=iso-8859-1",
                 "text/plain", "application/octet-stream", "multipart/mixed; boundary=x", "", ";", "application/xml")
content_types = st.one_of(st.sampled_from(CONTENT_TYPES), st.text(max_size=40))
PUBLIC_HOST = "203.0.113.9"  # TEST-NET-3: a public address, never contacted
SCHEMES = ("http", "https", "HTTP", "Https", "ftp", "file", "gopher", "dict", "ldap", "javascript", "jar",
           "ws", "sftp", "data", "chrome-extension")
HOSTS = ("127.0.0.1:9", "127.0.0.1", "127.0.0.1:8188", "localhost:9", "localhost", "[::1]", "[::1]:9",
         "0.0.0.0:9", "10.1.2.3", "169.254.169.254", "192.168.0.1", "127.1", "2130706433", "0x7f000001",
         "[::ffff:127.0.0.1]", "[::ffff:7f00:1]:9", PUBLIC_HOST, PUBLIC_HOST + ":99999", "h.invalid:abc",
         "[::1", "[zz::1]", "user:pw@127.0.0.1:9", "127.0.0.1:9@10.0.0.1", "", "%00", "a" * 300,
         "cdn.segmind.invalid", "127.0.0.1:-1", "127.0.0.1:0")
urls = st.builds(lambda scheme, host, path: f"{scheme}://{host}/{path}", st.sampled_from(SCHEMES),
                 st.sampled_from(HOSTS), st.text(max_size=12))


SMALL_PNG = png_bytes((10, 20, 30), (3, 2))
B64_PNG = base64.b64encode(SMALL_PNG).decode()
texts = st.one_of(st.text(max_size=40), st.just(KEY), st.builds(lambda a, b: a + KEY + b, st.text(max_size=8),
                                                                  st.text(max_size=8)))
strings = st.one_of(texts, urls, st.just(B64_PNG), st.just("data:image/png;base64," + B64_PNG),
                    st.binary(min_size=12, max_size=60).map(lambda b: base64.b64encode(b).decode()),
                    st.binary(max_size=40).map(lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")))
KEYS = outputs.IMAGE_KEYS + ("status", "request_id", "metrics", "error", "message", "detail", "msg",
                             "cost", "seed", "inference_time", "remaining_credits", "queue_time", "total_time")
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(10 ** 300, 10 ** 400),
                    st.floats(allow_nan=True, allow_infinity=True), strings)
json_values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=5),
    st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), children, max_size=6)),
    max_leaves=25)


def _nested(kind: str, depth: int) -> bytes:
    return {"list": b"[" * depth + b"]" * depth,
            "dict": b'{"output":' * depth + b"1" + b"}" * depth,
            "open": b'{"error":[' * depth}[kind]


# Large bodies built by repetition (cheap to generate), for what is quadratic or recursive.
repeated = st.builds(lambda piece, count: piece * count,
                     st.sampled_from([b"<title>", b"<title", b"<", b"A", b"[", b"&#", b" ", b"\\u", b"\xff"]),
                     st.integers(1, 400_000))
bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.builds(_nested, st.sampled_from(["list", "dict", "open"]), st.integers(1, 200_000)),
    repeated,
    st.builds(lambda title, key: f"<html><head><title>{title}</title></head><body>{key}</body></html>".encode(),
              st.text(max_size=30), texts),
    st.just(SMALL_PNG),
)
header_values = st.one_of(st.text(max_size=20), st.sampled_from([
    "1e400", "-1", "nan", "inf", "0", "1" * 400, "Wed, 21 Oct 2015 07:28:00 GMT", "2030-01-01T00:00:00Z",
    "99999999999999", "Tue, 01 Jan 99999 00:00:00 GMT"]))
header_names = st.sampled_from(["x-request-id", "x-seed-value", "x-cost", "x-remaining-credits", "X-Cost",
                                "x-generation-time", "Retry-After", "x-rate-limit-reset-at-utc", "Location",
                                "location", "Content-Type"])
headers = st.dictionaries(header_names, header_values, max_size=4)


def json_safe(value) -> bool:
    json.dumps(value)  # raises if not serialisable
    return True


# --------------------------------------------------------------------------------------------------
# client.outputs.parse_success and client.errors.reason_from_body


@sized
@PROPERTY
@given(body=bodies, content_type=content_types, answer_headers=headers)
def test_parse_success_answers_an_output_or_unreadable_output(body, content_type, answer_headers):
    with guarded():
        try:
            parsed = outputs.parse_success(body, content_type, answer_headers)
        except outputs.UnreadableOutput as exc:
            assert str(exc) and len(str(exc)) < 1000
            return
    assert parsed.images or parsed.urls
    assert all(isinstance(data, bytes) for data in parsed.images)
    assert all(isinstance(url, str) and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", url) for url in parsed.urls)
    assert len(parsed.urls) == len(set(parsed.urls))
    assert json_safe(parsed.info)
    if content_type.split(";")[0].strip().lower().startswith("image/"):
        assert parsed.images == [body]


secrets = st.one_of(st.just(KEY), st.text(st.characters(whitelist_categories=("Lu", "Ll", "Nd"),
                                                        whitelist_characters="-_"), min_size=8, max_size=40))
ENCODINGS = {"plain": lambda key: key, "json": lambda key: key.replace("-", "\\u002d"),
             "entity": lambda key: key.replace("-", "&#45;"), "json_entity": lambda key: key.replace("-", "&amp;#45;")}


@sized
@PROPERTY
@given(body=st.one_of(st.none(), bodies, bodies.map(lambda b: b.decode("utf-8", "replace"))),
       content_type=content_types, secret=st.one_of(st.none(), secrets),
       embed=st.sampled_from([None, *ENCODINGS]), at=st.integers(0, 10_000))
def test_reason_from_body_is_short_never_shows_the_secret_and_never_raises(body, content_type, secret, embed, at):
    if body is not None and secret and embed:
        piece = ENCODINGS[embed](secret)
        body = body[:at] + (piece.encode() if isinstance(body, bytes) else piece) + body[at:]
    with guarded():
        reason = errors.reason_from_body(body, content_type, secret)
    assert reason is None or isinstance(reason, str)
    if reason is not None:
        assert len(reason) <= errors.REASON_MAX_CHARS + 3
        if secret:
            assert secret not in reason


@pytest.mark.parametrize("template", ['{"error": "bad key %s"}', '{"error": "bad key %s"}',
                                      "<html><title>%s</title></html>", "%s", '{"detail": ["%s"]}'])
@pytest.mark.parametrize("encode", ["plain", "json_escape", "html_entity"])
def test_an_echoed_key_is_redacted_however_it_is_encoded(template, encode):
    key = {"plain": KEY, "json_escape": KEY.replace("-", "\\u002d"), "html_entity": KEY.replace("-", "&#45;")}[encode]
    reason = errors.reason_from_body(template % key, "", KEY)
    assert KEY not in reason


def test_a_huge_html_error_page_is_summarised_in_linear_time():
    body = b"<title>" * 2_000_000 + b"x"  # 14 MB of unclosed titles: a backtracking search never ends
    started = time.monotonic()
    reason = errors.reason_from_body(body, "text/html")
    assert time.monotonic() - started < 2.0
    assert reason.startswith("an HTML page")


@sized
@PROPERTY
@given(answer_headers=headers)
def test_server_requested_wait_is_a_number_or_none(answer_headers):
    wait = waiting.server_requested_wait(answer_headers, now=1_700_000_000.0)
    assert wait is None or (isinstance(wait, float) and wait >= 0)


# --------------------------------------------------------------------------------------------------
# client.transport.check_output_url


LOOPBACK_SPELLINGS = ("127.0.0.1", "localhost", "LOCALHOST", "127.1", "2130706433", "0x7f000001",
                      "0177.0.0.1", "127.000.000.001", "127.255.255.254", "0.0.0.0", "[::1]", "[::]",
                      "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]")


@sized
@PROPERTY
@given(host=st.sampled_from(LOOPBACK_SPELLINGS), port=st.one_of(st.none(), st.integers(1, 65535)),
       path=st.text(max_size=20))
def test_output_urls_at_loopback_ports_other_than_the_servers_are_refused(host, port, path):
    settings_ = client_settings("http://127.0.0.1:8188", KEY)
    url = f"http://{host}{'' if port is None else f':{port}'}/{path}"
    refusal = transport_module.check_output_url(url, settings_)
    if (host, port) == ("127.0.0.1", 8188):
        assert refusal is None
    else:
        assert refusal and "internal address" in refusal, url


@sized
@PROPERTY
@given(url=st.one_of(urls, st.text(max_size=60), st.builds(lambda s, rest: f"{s}:{rest}", st.sampled_from(SCHEMES),
                                                           st.text(max_size=30))))
def test_check_output_url_refuses_every_non_http_scheme_and_never_raises(url):
    settings_ = client_settings(BASE, KEY)
    with guarded():
        refusal = transport_module.check_output_url(url, settings_)
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        assert refusal, url
    assert refusal is None or isinstance(refusal, str)


# --------------------------------------------------------------------------------------------------
# client.jobs with a scripted transport: every answer and network error in any order


def never_reached() -> Exception:
    reason = urllib3.exceptions.NewConnectionError(None, "Connection refused")
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", reason))


NETWORK_ERRORS = (requests.ConnectTimeout, requests.ReadTimeout, requests.exceptions.ChunkedEncodingError,
                  requests.exceptions.ContentDecodingError, requests.exceptions.InvalidURL,
                  requests.exceptions.TooManyRedirects, ConnectionResetError, OSError)
STATUSES = (200, 200, 200, 200, 201, 204, 301, 302, 307, 400, 401, 403, 404, 406, 410, 422, 429, 500, 502, 503,
            504, 520)
request_ids = st.one_of(st.uuids().map(str), st.text(max_size=30), st.integers(), st.none(), st.just(KEY),
                        st.sampled_from(["../../v1/flux-dev", "a#b", "x?y=1", "..", "http://10.0.0.1/", "\r\nX: 1",
                                         "%2e%2e%2f", "a" * 5000]))
job_answers = st.fixed_dictionaries({}, optional={
    "request_id": request_ids,
    "status": st.sampled_from(["QUEUED", "PROCESSING", "COMPLETED", "COMPLETED", "FAILED", "completed", "", None, 3]),
    "output": st.one_of(urls, st.lists(urls, max_size=3), st.just(B64_PNG), json_values),
    "images": st.lists(st.fixed_dictionaries({"url": urls}), max_size=2),
    "metrics": json_values, "error": texts})
scripted_answers = st.one_of(
    st.builds(transport_module.Answer, st.sampled_from(STATUSES), st.one_of(
        job_answers.map(lambda value: json.dumps(value).encode()), bodies),
        content_types, headers),
    st.builds(lambda cls: cls("scripted"), st.sampled_from(NETWORK_ERRORS)),
    st.builds(never_reached),
    st.builds(lambda: errors.SegmindError(LABEL, "The answer is larger than 64 MB.", "scripted")),
)


def _json_answer(value, status=200) -> transport_module.Answer:
    return transport_module.Answer(status, json.dumps(value).encode(), "application/json", {})


# What a working server answers at each step of a job; a script takes each step from here three
# times in four, and a hostile answer otherwise, so that runs get through to every later step.
output_urls = st.lists(st.one_of(st.just(f"{BASE}/files/out.png"), urls), min_size=1, max_size=3)
outputs_ = st.one_of(output_urls, output_urls.map(lambda found: found[0]), st.just([B64_PNG]),
                     st.just("data:image/png;base64," + B64_PNG))
plausible = {
    "submit": st.builds(lambda rid, odd, odd_rid: _json_answer({"request_id": odd_rid if odd >= 8 else rid,
                                                                "status": "QUEUED"}),
                        st.uuids().map(str), st.integers(0, 9), request_ids),
    "status": st.builds(lambda status, metrics: _json_answer({"status": status, "metrics": metrics}),
                        st.sampled_from(["QUEUED", "PROCESSING", "COMPLETED", "COMPLETED"]), json_values),
    "result": st.builds(lambda output, metrics: _json_answer({"status": "COMPLETED", "output": output,
                                                              "metrics": metrics}), outputs_, json_values),
    "v1": st.one_of(st.builds(transport_module.Answer, st.just(200), st.just(SMALL_PNG),
                              st.sampled_from(["image/png", "image/jpeg", "image/webp"]), headers),
                    st.builds(lambda output: _json_answer({"output": output}), outputs_)),
    "download": st.builds(transport_module.Answer, st.just(200), st.sampled_from([SMALL_PNG, b"", b"<html>"]),
                          st.sampled_from(["image/png", "text/html", ""]), headers),
}


@st.composite
def _step(draw, kind: str):
    return draw(scripted_answers if draw(st.integers(0, 9)) >= 8 else plausible[kind])


job_scripts = st.one_of(
    st.builds(lambda submit, polls, result, downloads: [submit, *polls, result, *downloads], _step("submit"),
              st.lists(_step("status"), min_size=1, max_size=4), _step("result"),
              st.lists(_step("download"), max_size=3)),
    st.builds(lambda answer, downloads: [answer, *downloads], _step("v1"), st.lists(_step("download"), max_size=3)),
    st.lists(scripted_answers, max_size=14),
)


class ScriptedTransport:
    """Replaces Transport._send: answers in order; when the script runs out, a network error."""

    def __init__(self):
        self.script, self.calls = [], []

    def __call__(self, transport, method, url, read_timeout, **kwargs):
        headers = kwargs.get("headers") or {}
        self.calls.append((method, url, "x-api-key" in headers, self.script[0] if self.script else None))
        if not self.script:
            raise requests.ConnectionError("the script has run out")
        answer = self.script.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


@pytest.fixture
def scripted():
    fake = ScriptedTransport()
    clock = VirtualClock()  # the polls' waits pass at once, and are not spun through in real time
    patches = [(transport_module.Transport, "_send", lambda transport, *args, **kw: fake(transport, *args, **kw)),
               (transport_module, "backoff_seconds", lambda attempt: 0.0),
               (transport_module, "sleep_unless_stopped", lambda seconds, stop: None),
               (jobs, "time", clock), (jobs, "sleep_unless_stopped", lambda seconds, stop: clock.sleep(seconds))]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    for owner, name, value in patches:
        setattr(owner, name, value)
    yield fake
    for owner, name, value in saved:
        setattr(owner, name, value)


def _reached_server(answer) -> bool:
    """Whether a POST answered this way may have created (and billed) a job."""
    if isinstance(answer, transport_module.Answer):
        return answer.status != 429
    return not (isinstance(answer, requests.ConnectTimeout) or transport_module._never_reached_server(answer)
                if isinstance(answer, requests.RequestException) else False)


@sized
@PROPERTY
@given(script=job_scripts, transport=st.sampled_from(["v2", "v2", "v1"]),
       resume=st.one_of(st.none(), st.just("resumed-request-1")))
def test_a_job_ends_with_images_or_a_segmind_error_and_never_pays_twice(scripted, script, transport, resume):
    scripted.script, scripted.calls = list(script), []
    settings_ = client_settings(BASE, KEY)
    runner = jobs.JobRunner(settings_, LABEL, "flux-dev", stop=lambda: False)
    with guarded():
        try:
            result = runner.run({"prompt": "a fox", "seed": 1}, transport,
                                resume_request_id=resume if transport == "v2" else None)
        except errors.SegmindError as exc:
            message = str(exc)
            assert message.startswith(LABEL + ": ") and KEY not in message and len(message) < 8000
            event(f"error: {exc.problem[:40]}")
            result = None
    if result is not None:
        event(f"images: {len(result.images)}")
        assert 1 <= len(result.images) <= constants.MAX_IMAGES_PER_ANSWER
        assert all(isinstance(data, bytes) for data in result.images)
        assert json_safe(result.info) and KEY not in json.dumps(result.info)
    posts = [answer for method, _, _, answer in scripted.calls if method == "POST"]
    assert all(not _reached_server(answer) for answer in posts[:-1]), "a POST was repeated after it reached the server"
    for method, url, with_key, _ in scripted.calls:
        if with_key:
            assert url.startswith(BASE + "/v"), url
        else:
            assert transport_module.check_output_url(url, settings_) is None, url
        assert not re.search(r"/v2/requests/[^/]*(\.\.|[#?\r\n])", url.replace(BASE, "")), url


# --------------------------------------------------------------------------------------------------
# the real transport (requests, urllib3, http.client) against raw bytes on a socket


class RawAnswers(socketserver.ThreadingTCPServer):
    """Answers each connection with the next scripted raw bytes, then closes it."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _RawHandler)
        self.script: list[bytes] = []
        self.lock = threading.Lock()

    def next_answer(self) -> bytes | None:
        with self.lock:
            return self.script.pop(0) if self.script else None

    def handle_error(self, request, client_address):
        pass  # clients that hang up are expected here


class _RawHandler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(2.0)
        received = b""
        try:
            while b"\r\n\r\n" not in received and len(received) < 1_000_000:
                chunk = self.request.recv(65536)
                if not chunk:
                    return
                received += chunk
            length = re.search(rb"content-length:\s*(\d+)", received, re.I)
            body_left = int(length.group(1)) - len(received.split(b"\r\n\r\n", 1)[1]) if length else 0
            while body_left > 0:
                chunk = self.request.recv(65536)
                if not chunk:
                    break
                body_left -= len(chunk)
            answer = self.server.next_answer()
            if answer:
                self.request.sendall(answer)
        except OSError:
            pass


GZIP_BOMB = gzip.compress(b"\0" * (200 * 2 ** 20), compresslevel=9)  # 200 MB of zeros in ~200 KB


def http_answer(status, reason, header_lines, body) -> bytes:
    head = f"HTTP/1.1 {status} {reason}\r\n".encode("latin-1", "replace")
    return head + b"".join(line + b"\r\n" for line in header_lines) + b"\r\n" + body


header_lines = st.one_of(
    st.builds(lambda value: b"Content-Length: " + value.encode(), st.one_of(
        st.integers(-5, 10 ** 12).map(str), st.sampled_from(["abc", "", "1, 2", "0x10", " 12 "]))),
    st.sampled_from([b"Transfer-Encoding: chunked", b"Content-Encoding: gzip", b"Content-Encoding: deflate",
                     b"Content-Encoding: br", b"Content-Encoding: zstd", b"Connection: close",
                     b"Connection: keep-alive",
                     b"Content-Type: application/json", b"Content-Type: image/png", b"Content-Type: text/html",
                     b"Location: http://10.0.0.1/x", b"Location: ftp://127.0.0.1/x", b"Location: http://[::1",
                     b"Retry-After: 0", b"no colon here", b"X-Long: " + b"a" * 70_000, b"\x00\xff: \xfe",
                     b" folded continuation"]),
    st.builds(lambda name, value: name + b": " + value, st.binary(min_size=1, max_size=10),
              st.binary(max_size=20)),
)
raw_answers = st.one_of(
    st.binary(max_size=200),
    st.builds(http_answer, st.one_of(st.sampled_from(STATUSES), st.integers(0, 1000)),
              st.sampled_from(["OK", "", "\u00e9", "x" * 100]), st.lists(header_lines, max_size=6),
              st.one_of(bodies.map(lambda b: b[:20_000]), job_answers.map(lambda v: json.dumps(v).encode()))),
    st.just(http_answer(200, "OK", [b"Content-Type: application/json", b"Content-Encoding: gzip",
                                    b"Content-Length: %d" % len(GZIP_BOMB)], GZIP_BOMB)),
    st.just(http_answer(200, "OK", [b"Content-Type: application/json"] + [b"X-H%d: 1" % i for i in range(150)], b"{}")),
    st.just(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"),
    st.just(b"HTTP/1.1 100 Continue\r\n\r\n" * 200),
)


def _raw(answer) -> bytes | object:
    """A scripted Answer as the bytes a server would send (exceptions: a hostile raw answer instead)."""
    if not isinstance(answer, transport_module.Answer):
        return b""
    lines = [f"Content-Type: {answer.content_type}".encode("latin-1", "replace"),
             b"Content-Length: %d" % len(answer.body)]
    lines += [f"{name}: {value}".encode("latin-1", "replace") for name, value in answer.headers.items()
              if name.lower() not in ("content-type", "content-length") and "\n" not in value and "\r" not in value]
    return http_answer(answer.status, "OK", lines, answer.body)


@st.composite
def _raw_step(draw, kind: str):
    return draw(raw_answers if draw(st.integers(0, 9)) >= 7 else plausible[kind].map(_raw))


raw_scripts = st.one_of(
    st.builds(lambda submit, polls, result, downloads: [submit, *polls, result, *downloads], _raw_step("submit"),
              st.lists(_raw_step("status"), min_size=1, max_size=3), _raw_step("result"),
              st.lists(_raw_step("download"), max_size=2)),
    st.builds(lambda answer, downloads: [answer, *downloads], _raw_step("v1"),
              st.lists(_raw_step("download"), max_size=2)),
    st.lists(raw_answers, min_size=1, max_size=8),
)


@pytest.fixture(scope="module")
def raw_server():
    server = RawAnswers()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def no_waits(monkeypatch):
    monkeypatch.setattr(transport_module, "backoff_seconds", lambda attempt: 0.0)
    monkeypatch.setattr(transport_module, "sleep_unless_stopped", lambda seconds, stop: None)
    monkeypatch.setattr(jobs, "sleep_unless_stopped", lambda seconds, stop: None)


@sized
@settings(PROPERTY, max_examples=max(100, CASES // 5))
@given(script=raw_scripts, transport=st.sampled_from(["v2", "v1"]))
def test_the_real_transport_turns_any_bytes_into_an_answer_or_a_segmind_error(raw_server, no_waits, script, transport):
    base = f"http://127.0.0.1:{raw_server.server_address[1]}"
    # Output URLs name the raw server itself, or another loopback address (refused unfetched): a
    # public address would leave the machine (this sandbox even accepts connections to TEST-NET).
    raw_server.script = [answer.replace(BASE.encode(), base.encode()).replace(PUBLIC_HOST.encode(), b"127.0.0.2")
                         for answer in script]
    runner = jobs.JobRunner(client_settings(base, KEY), LABEL, "flux-dev", stop=lambda: False)
    with guarded():
        try:
            result = runner.run({"prompt": "a fox", "seed": 1}, transport)
        except errors.SegmindError as exc:
            assert str(exc).startswith(LABEL + ": ") and KEY not in str(exc)
            event(f"error: {exc.problem[:40]}")
            return
    assert result.images and all(isinstance(data, bytes) for data in result.images)


@pytest.mark.parametrize("host", ["a" * 300, "cdn..segmind.com"])
def test_an_output_url_whose_host_cannot_be_looked_up_is_a_segmind_error(raw_server, no_waits, host):
    """Found by the property above: urllib3 raised a ValueError for a host label over 63 characters."""
    base = f"http://127.0.0.1:{raw_server.server_address[1]}"
    raw_server.script = [_raw(_json_answer({"output": [f"http://{host}/"]}))]
    runner = jobs.JobRunner(client_settings(base, KEY), LABEL, "flux-dev", stop=lambda: False)
    with pytest.raises(errors.SegmindError, match="host name is malformed") as raised:
        runner.run({"prompt": "a fox", "seed": 1}, "v1")
    assert str(raised.value).startswith(LABEL + ": ") and KEY not in str(raised.value)


def test_a_gzip_bomb_is_refused_with_bounded_memory(raw_server, no_waits):
    raw_server.script = [http_answer(200, "OK", [b"Content-Type: application/json", b"Content-Encoding: gzip",
                                                 b"Content-Length: %d" % len(GZIP_BOMB)], GZIP_BOMB)]
    base = f"http://127.0.0.1:{raw_server.server_address[1]}"
    transport = transport_module.Transport(client_settings(base, KEY), LABEL, lambda: False)
    before = peak_rss_mb()
    with pytest.raises(errors.SegmindError, match="larger than 64 MB"):
        transport.post_json(base + "/v2/flux-dev", {"prompt": "x"}, 5.0)
    assert peak_rss_mb() - before < 400


# --------------------------------------------------------------------------------------------------
# nodes.images.decode_image / decode_batch

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")
OTHER_FORMATS = ("GIF", "BMP", "TIFF", "ICO", "PPM", "TGA", "PCX", "EPS", "SGI", "DDS", "QOI")
MODES = ("RGB", "RGBA", "L", "LA", "P", "PA", "1", "I", "I;16", "F", "CMYK", "YCbCr", "HSV", "LAB")


def encode(fmt: str, mode: str, size: tuple[int, int], seed: int) -> bytes | None:
    import numpy as np

    rgb = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    try:
        image = Image.fromarray(rgb, "RGB").convert("P" if mode == "PA" else mode)
        image = image.convert("PA") if mode == "PA" else image
        out = io.BytesIO()
        image.save(out, fmt)
        return out.getvalue()
    except (OSError, ValueError, KeyError, TypeError):
        return None


@st.composite
def encoded_images(draw):
    fmt = draw(st.sampled_from(ACCEPTED_FORMATS * 3 + OTHER_FORMATS))
    mode = draw(st.sampled_from(("RGB", "RGBA", "L", "P") * 2 + MODES))
    size = (draw(st.integers(1, 40)), draw(st.integers(1, 40)))
    data = encode(fmt, mode, size, draw(st.integers(0, 2 ** 32 - 1)))
    if data is None:
        fmt, mode, data = "PNG", "RGB", encode("PNG", "RGB", size, 0)
    mutation = draw(st.sampled_from(("none", "none", "truncate", "flip", "append")))
    intact = data
    if mutation == "truncate":
        data = data[:draw(st.integers(0, len(data) - 1))]
    elif mutation == "flip":
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
    elif mutation == "append":
        data += draw(st.binary(min_size=1, max_size=50))
    return fmt, mode, size, mutation, data, intact


def png_claiming(width: int, height: int, idat: bytes = zlib.compress(b"\0" * 64)) -> bytes:
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


bombs = st.one_of(
    st.builds(png_claiming, st.integers(0, 2 ** 31 - 1), st.integers(0, 2 ** 31 - 1)),
    st.builds(png_claiming, st.sampled_from([0, 1, 4096, 4097, 65535, 2 ** 31 - 1]),
              st.sampled_from([0, 1, 4096, 4097, 65535])),
    st.builds(lambda w, h: b"GIF89a" + struct.pack("<HH", w, h) + b"\x00\x00\x00;", st.integers(0, 65535),
              st.integers(0, 65535)),
)


def check_frame(frame, size=None):
    import torch

    assert frame.dtype == torch.float32 and frame.ndim == 3 and frame.shape[2] == 3
    assert frame.shape[0] * frame.shape[1] <= constants.MAX_IMAGE_PIXELS
    if size is not None:
        assert tuple(frame.shape[:2]) == (size[1], size[0])
    assert torch.isfinite(frame).all() and frame.min() >= 0 and frame.max() <= 1


@contextlib.contextmanager
def truncated_images_allowed(allowed: bool):
    """Some packs set PIL's global LOAD_TRUNCATED_IMAGES (and ComfyUI does, for a moment): decoding must
    refuse a cut-off image either way."""
    saved = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = allowed
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = saved


@sized
@PROPERTY
@given(case=encoded_images(), lenient_pil=st.booleans())
def test_decode_image_gives_the_exact_image_or_undecodable_image(case, lenient_pil):
    fmt, mode, size, mutation, data, intact = case
    with guarded(), truncated_images_allowed(lenient_pil):
        try:
            frame = images.decode_image(data)
        except images.UndecodableImage as exc:
            assert str(exc)
            assert not (mutation == "none" and fmt in ACCEPTED_FORMATS), f"a good {fmt} {mode} was refused: {exc}"
            return
    assert fmt in ACCEPTED_FORMATS or mutation == "flip", f"{fmt} should not be decoded"
    check_frame(frame, size if mutation != "flip" else None)
    if mutation == "truncate":  # never a partial image (grey or black where the data stopped)
        assert frame.equal(images.decode_image(intact))


@sized
@PROPERTY
@given(data=st.one_of(bombs, st.binary(max_size=500), st.builds(lambda head, tail: head + tail, st.sampled_from(
    [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"GIF89a", b"BM", b"II*\x00",
     b"%!PS-Adobe",
     b"<svg", b"P6\n"]), st.binary(max_size=300))))
def test_decode_image_refuses_bombs_and_garbage_quickly(data):
    with guarded():
        try:
            frame = images.decode_image(data)
        except images.UndecodableImage:
            return
    check_frame(frame)


@sized
@PROPERTY
@given(cases=st.lists(encoded_images(), max_size=4), lenient_pil=st.booleans())
def test_decode_batch_gives_one_batch_or_undecodable_image(cases, lenient_pil):
    with guarded(), truncated_images_allowed(lenient_pil):
        try:
            batch = images.decode_batch([case[4] for case in cases])
        except images.UndecodableImage as exc:
            assert str(exc)
            return
    assert batch.ndim == 4 and batch.shape[0] == len(cases) >= 1
    for frame in batch:
        check_frame(frame)


def test_a_maximal_png_bomb_decodes_within_bounded_memory_and_one_pixel_more_is_refused():
    side = int(constants.MAX_IMAGE_PIXELS ** 0.5)
    row = b"\0" + b"\0" * side * 3
    largest = png_claiming(side, side, zlib.compress(row * side, 9))  # ~50 KB for 200 MB of floats
    images.decode_image(png_bytes((1, 2, 3), (8, 8)))  # the decode's lazy imports (torch) are not its memory
    before = peak_rss_mb()
    frame = images.decode_image(largest)
    assert tuple(frame.shape) == (side, side, 3)
    del frame
    assert peak_rss_mb() - before < 400  # the 200 MB result, the 50 MB pixels and their bytes: no second float copy
    with pytest.raises(images.UndecodableImage, match="outside the accepted size"):
        images.decode_image(png_claiming(side + 1, side))


def test_the_largest_accepted_batch_decodes_without_a_second_copy_of_itself():
    side = int((constants.MAX_BATCH_PIXELS // 4) ** 0.5)
    frame_png = png_claiming(side, side, zlib.compress((b"\0" + b"\1" * side * 3) * side, 9))
    images.decode_image(png_bytes((1, 2, 3), (8, 8)))  # the decode's lazy imports (torch) are not its memory
    before = peak_rss_mb()
    batch = images.decode_batch([frame_png] * 4)
    assert tuple(batch.shape) == (4, side, side, 3) and float(batch[3, -1, -1, 2]) == pytest.approx(1 / 255)
    del batch
    assert peak_rss_mb() - before < 320  # the 200 MB batch and one 50 MB frame at a time, not the batch twice


def test_a_batch_of_many_large_images_is_refused_before_decoding():
    side = int(constants.MAX_IMAGE_PIXELS ** 0.5)
    largest = png_claiming(side, side, zlib.compress((b"\0" + b"\0" * side * 3) * side, 9))
    started, before = time.monotonic(), peak_rss_mb()
    with pytest.raises(images.UndecodableImage):
        images.decode_batch([largest] * 64)
    assert time.monotonic() - started < 5 and peak_rss_mb() - before < 300


def test_a_job_answer_with_too_many_outputs_is_refused_before_downloading(scripted):
    many = {"status": "COMPLETED", "output": [f"{BASE}/files/{index}.png" for index in range(1000)]}
    scripted.script = [transport_module.Answer(200, json.dumps(many).encode(), "application/json", {})]
    scripted.calls = []
    runner = jobs.JobRunner(client_settings(BASE, KEY), LABEL, "flux-dev", stop=lambda: False)
    with pytest.raises(errors.SegmindError, match="1000 images"):
        runner.run({"prompt": "x"}, "v1")
    assert len(scripted.calls) == 1
