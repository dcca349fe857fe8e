"""A loopback stand-in for the Segmind API that speaks the documented protocol, failures included.

v1: POST /v1/{slug} answers with the image bytes (or a JSON shape chosen by the test).
v2: POST /v2/{slug} queues a job; GET /v2/requests/{id}/status; GET /v2/requests/{id}; output URLs on
this server under /files/. GET /llms.txt: Segmind's index of its models (`index_text`; no key is taken).
Faults are scripted per request (status, body, headers, delay, truncation), or picked at random for a
share of all answers (`Chaos`, for soak tests).

Images are solid colours derived from the request body, so a test can check pixels: red = seed % 256,
green = steps, blue = index of the image in the batch * 40.
"""
from __future__ import annotations

import base64
import io
import itertools
import json
import random
import re
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from PIL import Image

from index_texts import bundled_models, index_text, segmind_index
from pack_loader import load_pack_module
from stand_in_video import MP4, WAV, clip_seconds, is_video, render_clip, render_sound

_MODELS = load_pack_module("specs").MODELS
_IMAGE_PARAMS = load_pack_module("specs.image_params")
_VideoParam = load_pack_module("specs.video_params").VideoParam
output_count = load_pack_module("specs.output_count").output_count
_output_size = load_pack_module("specs.output_size").output_size
SPECS_BY_SLUG = {spec.slug: spec for spec in _MODELS}
SLUGS = set(SPECS_BY_SLUG)
START_CREDITS = 9.5
# Each model billed its page price per image, whatever the steps (flat, unlike Segmind's per-second
# billing): the prices differ per model, so a test can tell which model was counted.
TEST_PRICES = {spec.slug: spec.price.usd for spec in _MODELS}


FINETUNE_SPEC = next(spec for spec in _MODELS if spec.model_inputs)


def spec_for(slug: str):
    """The spec whose page a slug's model follows (any fine-tune: the fine-tune page's), or None."""
    if slug in SPECS_BY_SLUG:
        return SPECS_BY_SLUG[slug]
    return FINETUNE_SPEC if FINETUNE_SLUG.match(slug) else None


def _takes_prompt(spec) -> bool:
    """Redux pages have no prompt (the image replaces it); a model without a spec is held to one."""
    return spec is None or "prompt" in spec.param_names


# Every model of the pack's catalogue is accepted (the node for any model): billed Segmind's average.
CATALOGUE_PRICES = {model.slug: round(model.avg_cost_usd, 6) for model in bundled_models() if model.avg_cost_usd}


def price_of(slug: str) -> float:
    spec = spec_for(slug)
    return TEST_PRICES[spec.slug] if spec is not None else CATALOGUE_PRICES.get(slug, 0.05)


# The catalogue's video models (FLUX 3): they answer with an MP4 (tests/stand_in_video.py).
VIDEO_SLUGS = {model.slug for model in bundled_models() if "video" in model.modality.lower()}


def is_video_model(slug: str) -> bool:
    return slug in VIDEO_SLUGS or getattr(spec_for(slug), "output", None) == "video"


def cost_of(slug: str, body: dict) -> float:
    """A typed video model: its price per second x the clip's seconds ("auto": what the stand-in makes) x its
    resolution's factor; an untyped one: its average per job; an image model: its price per image."""
    spec = spec_for(slug)
    if spec is not None and spec.output == "video":
        factor = dict(spec.price.per_resolution).get(body.get("resolution"), 1.0)
        return round(spec.price.usd * clip_seconds(body) * factor, 6)
    return round(price_of(slug) * (1 if is_video_model(slug) else output_count(body)), 6)
FORMATS = {"png": ("PNG", "image/png"), "jpg": ("JPEG", "image/jpeg"), "webp": ("WEBP", "image/webp")}
# What Segmind's storage takes (its docs: jpeg, png, webp; the video models' inputs: mp4).
UPLOAD_TYPES = ("image/png", "image/jpeg", "image/webp", MP4)
# A fine-tune's slug: "<finetune id>-<name>" (the mybmwlora page's shape).
FINETUNE_SLUG = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-[A-Za-z0-9_.-]+$")


@dataclass
class Fault:
    """One scripted answer for the next request whose method and path match."""
    method: str
    path_contains: str
    status: int = 500
    body: bytes | str | dict = b'{"error": "injected"}'
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)
    delay_s: float = 0.0
    truncate: bool = False  # promise more bytes than sent, then close
    reset: bool = False     # close the connection without answering
    times: int = 1
    # Instead of the fields above: the real answer, changed. "cut": cut short, without a Content-Length.
    mangle: str | None = None


# What a chaotic answer can be: an error status, a 429 burst (this answer and 1-3 more), a reset, the
# real answer cut off (with or without a Content-Length), an HTML page, the real answer after a stall
# past the client's read time-out, or (status polls) PROCESSING flapping with 502 for a few polls.
CHAOS_KINDS = ("429_burst", "500", "502", "504", "reset", "truncated", "cut", "html", "stall", "flap")
HTML_PAGE = ("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
             "</h1></center><hr><center>cloudflare</center></body></html>")


@dataclass
class Chaos:
    """Faults picked at random for `rate` of all answers, after the scripted faults."""
    rate: float = 0.2
    seed: int = 0
    stall_s: float = 3.0          # longer than the client's read time-out in the test
    retry_after_s: float = 0.2
    kinds: tuple = CHAOS_KINDS


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: dict | None
    at: float = field(default_factory=time.monotonic)


def expected_color(body: dict, index: int = 0) -> tuple[int, int, int]:
    seed = body.get("seed", 0)
    seed = 4242 if seed == -1 else seed
    return seed % 256, int(body.get("steps", 0)) % 256, (index * 40) % 256


def image_size(body: dict, scale: int, size_of=lambda value: None) -> tuple[int, int]:
    """The output size: `size_of(url)` is an input image's size (the stand-in's uploaded files)."""
    width, height = _output_size(body, size_of)
    return max(1, width // scale), max(1, height // scale)


def render(body: dict, index: int, fmt: str, scale: int, size_of=lambda value: None) -> bytes:
    pil_format, _ = FORMATS[fmt]
    image = Image.new("RGB", image_size(body, scale, size_of), expected_color(body, index))
    out = io.BytesIO()
    image.save(out, pil_format, **({"quality": 100} if pil_format != "PNG" else {}))
    return out.getvalue()


class SegmindLoopback:
    def __init__(self, api_key: str = "test-key-loopback", job_seconds: float = 0.3, scale: int = 1):
        self.api_key, self.job_seconds, self.scale = api_key, job_seconds, scale
        self.v1_shape = "raw"        # raw | base64_json | url_string | url_list | images_list
        self.v2_shape = "url_list"   # url_string | url_list | images_list | base64_json
        self.seed_header = True
        self.separate_sound = False  # a video result's sound as a file of its own (`audio.url`)
        self.jobs: dict[str, dict] = {}
        # A v2 job's images are made while it runs, as on a real server: its result answers at once.
        self.renders = ThreadPoolExecutor(max_workers=2, thread_name_prefix="stand-in-render")
        # A job's own length from its body (jobs of several lengths side by side); None: job_seconds.
        self.job_seconds_of: Callable[[dict], float] | None = None
        self.files: dict[str, tuple[bytes, str]] = {}
        self.uploads: list[bytes] = []  # every image uploaded to /upload-asset, in order
        self.received: list[Received] = []
        self.faults: list[Fault] = []
        self.status_sequence: list[str] | None = None  # force statuses in order (e.g. flapping)
        self.lock = threading.Lock()
        self.billable_submissions = 0
        self.accepted: list[Received] = []  # the billable submissions, in order
        self.chaos: Chaos | None = None
        self.chaos_log: list[tuple[str, str, str]] = []  # (method, path, kind) of every chaotic answer
        self.chaos_random = random.Random(0)
        self.credits = START_CREDITS  # the balance: every accepted job pays cost_of(body) from it
        self.cost_reported = True  # False: answers carry no cost (the pack then counts its estimate)
        # Segmind's tier limit on submissions (free: 5 a minute): more in the last window get a 429 naming
        # when the window frees (x-rate-limit-reset-at-utc). None: no limit.
        self.submissions_per_minute: float | None = None
        self.rate_window_s = 60.0  # the limit's window (shorter in tests)
        self.submission_times: list[float] = []  # time.time() of each accepted submission
        self.index_text = index_text(bundled_models())  # what GET /llms.txt answers (None: 404)
        handler = type("Handler", (_Handler,), {"stand_in": self})
        self.httpd = _QuietServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> "SegmindLoopback":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.renders.shutdown(wait=False, cancel_futures=True)

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.faults.clear()
            self.billable_submissions = 0
            self.accepted.clear()
            self.uploads.clear()
            self.chaos = None
            self.chaos_log.clear()
            self.v1_shape, self.v2_shape, self.status_sequence = "raw", "url_list", None
            self.job_seconds, self.seed_header, self.separate_sound = 0.3, True, False
            self.credits, self.cost_reported = START_CREDITS, True
            self.submissions_per_minute, self.submission_times, self.rate_window_s = None, [], 60.0
            self.index_text = index_text(bundled_models())

    def rate_limited_until(self) -> float | None:
        """When a submission refused now may go (epoch seconds); None: it goes now, and is counted."""
        with self.lock:
            if self.submissions_per_minute is None:
                return None
            now = time.time()
            recent = [t for t in self.submission_times if t > now - self.rate_window_s]
            self.submission_times = recent
            if len(recent) >= self.submissions_per_minute:
                return recent[-int(self.submissions_per_minute)] + self.rate_window_s
            recent.append(now)
            return None

    def catalogue_slugs(self) -> set[str]:
        """The models of the index this server serves (a refresh's new model runs too)."""
        return {model.slug for model in segmind_index.parse_index(self.index_text or "")} | set(CATALOGUE_PRICES)

    def charge(self, slug: str, body: dict) -> float:
        """Takes a finished job's price from the balance: the model's flat test price per image."""
        with self.lock:
            cost = cost_of(slug, body)
            self.credits = round(self.credits - cost, 6)
            return cost

    def accounting(self, cost: float) -> dict:
        """Cost and balance as the server reports them with a result (metrics; x-* headers on v1)."""
        return {"cost": cost, "remaining_credits": self.credits} if self.cost_reported else {}

    def set_chaos(self, chaos: Chaos | None) -> None:
        with self.lock:
            self.chaos = chaos
            self.chaos_random = random.Random(chaos.seed if chaos else 0)

    def chaos_pick(self, method: str, path: str) -> str | None:
        """The kind of fault for this answer, or None (most answers)."""
        with self.lock:
            chaos = self.chaos
            if chaos is None or self.chaos_random.random() >= chaos.rate:
                return None
            is_status_poll = method == "GET" and path.startswith("/v2/requests/") and path.endswith("/status")
            kinds = [kind for kind in chaos.kinds if kind != "flap" or is_status_poll]
            if not kinds:
                return None
            kind = self.chaos_random.choice(kinds)
            self.chaos_log.append((method, path, kind))
            return kind

    def chaos_burst_length(self) -> int:
        with self.lock:
            return self.chaos_random.randint(2, 4)

    def inject(self, *faults: Fault) -> None:
        with self.lock:
            self.faults.extend(faults)

    def posts(self, prefix: str = "/v") -> list[Received]:
        return [r for r in self.received if r.method == "POST" and r.path.startswith(prefix)]

    def wait_for_submission(self, timeout: float = 20.0) -> None:
        """Until the first POST's v2 job exists (a job to cancel), and a little longer, so that its answer has
        reached the client and polling runs; the job, not the POST: a POST is recorded before its request id."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            posts = self.posts()
            with self.lock:  # the handler threads add jobs under it
                submitted = [job["submitted"] for job in self.jobs.values()]
            if posts and any(at >= posts[0].at for at in submitted):
                break
            time.sleep(0.05)
        time.sleep(0.3)

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and fault.path_contains in path:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def images_for(self, body: dict, slug: str = "") -> list[tuple[bytes, str]]:
        if is_video_model(slug) and self.separate_sound and body.get("generate_audio", True):
            return [(render_clip(body, with_sound=False), MP4), (render_sound(body), WAV)]
        if is_video_model(slug):
            return [(render_clip(body), MP4)]
        fmt = body.get("output_format", "png")
        fmt = fmt if fmt in FORMATS else "png"
        return [(render(body, index, fmt, self.scale, self.file_size), FORMATS[fmt][1])
                for index in range(output_count(body))]

    def file_of(self, url) -> bytes | None:
        """The bytes of a file this server published or was sent (an upload), by its URL."""
        prefix = f"{self.base_url}/files/"
        found = self.files.get(url[len(prefix):]) if isinstance(url, str) and url.startswith(prefix) else None
        return found[0] if found else None

    def file_size(self, url) -> tuple[int, int] | None:
        data = self.file_of(url)
        if data is None or is_video(data):
            return None
        with Image.open(io.BytesIO(data)) as image:
            return image.size

    def store_upload(self, data_url: str) -> str | None:
        """An uploaded data URL as a file of this server (its URL), or None when it is no image."""
        head, _, payload = data_url.partition(",") if isinstance(data_url, str) else ("", "", "")
        mime = head.removeprefix("data:").removesuffix(";base64")
        if not head.startswith("data:") or not head.endswith(";base64") or mime not in UPLOAD_TYPES:
            return None
        try:
            data = base64.b64decode(payload, validate=True)
            if mime == MP4:
                if not is_video(data):
                    return None
            else:
                with Image.open(io.BytesIO(data)) as image:
                    image.load()
        except (ValueError, OSError):
            return None
        with self.lock:
            self.uploads.append(data)
        return self.publish([(data, mime)])[0]

    def publish(self, images: list[tuple[bytes, str]]) -> list[str]:
        urls = []
        for data, content_type in images:
            name = f"{uuid.uuid4().hex}.{content_type.split('/')[1]}"
            self.files[name] = (data, content_type)
            urls.append(f"{self.base_url}/files/{name}")
        return urls


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # a client that gave up on a stalled or cut answer: expected in fault tests
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    stand_in: SegmindLoopback
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # answers go out at once, as from a real server (no 40 ms delayed-ACK stall)
    mangle: str | None = None  # a chaotic change to the real answer of the current request

    def log_message(self, *args):  # quiet
        pass

    def _send(self, status: int, body: bytes | str | dict, content_type: str = "application/json",
              headers: dict | None = None, truncate: bool = False) -> None:
        if isinstance(body, dict) or isinstance(body, list):
            body = json.dumps(body)
        data = body.encode() if isinstance(body, str) else body
        mangle, self.mangle = self.mangle, None
        if mangle == "stall":
            time.sleep(self.stand_in.chaos.stall_s if self.stand_in.chaos else 3.0)
        elif mangle == "truncated":
            truncate = True
        elif mangle == "cut":  # no Content-Length: the client cannot tell that the body is incomplete
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data[:self.stand_in.chaos_random.randrange(len(data))] if data else b"")
            self.close_connection = True
            return
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data) + (1000 if truncate else 0)))
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        if truncate:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        if truncate:
            self.close_connection = True

    def _error(self, status: int, message: str) -> None:
        self._send(status, {"error": message})

    def _record(self, body: dict | None) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        with self.stand_in.lock:
            self.stand_in.received.append(Received(self.command, self.path, headers, body))

    def _apply_fault(self) -> bool:
        self.mangle = None
        fault = self.stand_in.take_fault(self.command, self.path)
        if fault is None:
            return self._apply_chaos()
        time.sleep(fault.delay_s)
        if fault.mangle:
            self.mangle = fault.mangle
            return False
        if fault.reset:
            self.close_connection = True
            self.connection.shutdown(2)
            return True
        self._send(fault.status, fault.body, fault.content_type, fault.headers, fault.truncate)
        return True

    def _apply_chaos(self) -> bool:
        """A random fault (True: answered here), or a change to the real answer (self.mangle)."""
        kind = self.stand_in.chaos_pick(self.command, self.path)
        if kind is None:
            return False
        if kind in ("truncated", "cut", "stall", "flap"):
            self.mangle = kind
            return False
        if kind == "reset":
            self.close_connection = True
            self.connection.shutdown(2)
        elif kind == "429_burst":
            wait = {"Retry-After": self.stand_in.chaos.retry_after_s}
            more = self.stand_in.chaos_burst_length() - 1
            self.stand_in.inject(Fault(self.command, self.path, status=429, body={"error": "Too many requests"},
                                       headers=wait, times=more))
            self._send(429, {"error": "Too many requests"}, headers=wait)
        elif kind == "html":
            self._send(self.stand_in.chaos_random.choice((200, 502)), HTML_PAGE, "text/html")
        else:
            self._send(int(kind), {"error": f"injected {kind}"})
        return True

    def _authorised(self) -> bool:
        if self.headers.get("x-api-key") != self.stand_in.api_key:
            self._error(401, "Unauthorized: invalid or missing API key")
            return False
        return True

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        self._record(body)
        if self._apply_fault():
            return
        if not self._authorised():
            return
        if "application/json" not in (self.headers.get("Content-Type") or ""):
            return self._error(406, "Invalid content type")
        if self.path == "/upload-asset":
            return self._upload(body)
        version, _, slug = self.path.strip("/").partition("/")
        spec = spec_for(slug)
        if (spec is None and slug not in self.stand_in.catalogue_slugs()) or version not in ("v1", "v2"):
            return self._error(404, f"Model {slug} not found")
        if not isinstance(body, dict):
            return self._error(400, "a JSON object is required")
        if _takes_prompt(spec) and not str(body.get("prompt", "")).strip():
            return self._error(400, "prompt is required")
        refusal = self._image_refusal(spec, body) if spec is not None else self._missing_file(body)
        if refusal:
            return self._error(400, refusal)
        limited_until = self.stand_in.rate_limited_until()
        if limited_until is not None:
            return self._send(429, {"error": "Too many requests"},
                              headers={"x-rate-limit-reset-at-utc": f"{limited_until:.3f}"})
        with self.stand_in.lock:
            self.stand_in.billable_submissions += 1
            self.stand_in.accepted.append(Received(self.command, self.path, {}, body))
        if version == "v1":
            return self._v1(slug, body)
        request_id = str(uuid.uuid4())
        with self.stand_in.lock:
            self.stand_in.jobs[request_id] = {"body": body, "submitted": time.monotonic(),
                                              "slug": slug, "polls": itertools.count(),
                                              "rendered": self.stand_in.renders.submit(self.stand_in.images_for, body,
                                                                                       slug)}
            if self.stand_in.job_seconds_of is not None:
                self.stand_in.jobs[request_id]["seconds"] = self.stand_in.job_seconds_of(body)
        self._send(200, {"request_id": request_id, "status": "QUEUED",
                         "poll_url": f"{self.stand_in.base_url}/v2/requests/{request_id}/status",
                         "status_url": f"{self.stand_in.base_url}/v2/requests/{request_id}/status",
                         "response_url": f"{self.stand_in.base_url}/v2/requests/{request_id}"})

    def _upload(self, body) -> None:
        """Segmind's storage upload: {"data_urls": [...]} -> {"file_urls": [...]}."""
        data_urls = body.get("data_urls") if isinstance(body, dict) else None
        if not isinstance(data_urls, list) or not data_urls:
            return self._error(400, "data_urls must be a non-empty list")
        urls = [self.stand_in.store_upload(item) for item in data_urls]
        if None in urls:
            return self._error(400, "Only data URLs of jpeg, png or webp images or mp4 videos can be uploaded")
        self._send(200, {"file_urls": urls, "message": "Files uploaded successfully"})

    def _image_refusal(self, spec, body: dict) -> str | None:
        """What Segmind would refuse in the image fields, as its pages describe them."""
        sizes = {}
        for param in _IMAGE_PARAMS.image_fields(spec.params):
            value = body.get(param.name)
            if value is None:
                if param.required:
                    return f"{param.name} is required"
                continue
            values = value if isinstance(param, _IMAGE_PARAMS.ImageListParam) else [value]
            if not isinstance(values, list) or not all(isinstance(item, str) for item in values):
                return f"{param.name} must be {'a list of URIs' if values is value else 'a URI'}"
            for item in values:
                if isinstance(param, _VideoParam) and not is_video(self.stand_in.file_of(item) or b""):
                    return f"{param.name} must be the URL of an uploaded video"
                if param.sends == _IMAGE_PARAMS.BASE64:
                    try:
                        Image.open(io.BytesIO(base64.b64decode(item, validate=True))).verify()
                    except (ValueError, OSError):
                        return f"{param.name} is not a base64-encoded image"
                    continue
                if not item.startswith(("http://", "https://")):
                    return f"{param.name} must be a URI; got {item[:40]!r}"
                if item.startswith(self.stand_in.base_url) and self.stand_in.file_of(item) is None:
                    return f"{param.name}: the file {item} does not exist"
            sizes[param.name] = self.stand_in.file_size(values[0]) if values else None
        for param in _IMAGE_PARAMS.image_fields(spec.params):
            if isinstance(param, _IMAGE_PARAMS.MaskParam) and param.matches and sizes.get(param.name) \
                    and sizes.get(param.matches) and sizes[param.name] != sizes[param.matches]:
                return f"{param.name} must be the same size as {param.matches}"
        return None

    def _missing_file(self, body: dict) -> str | None:
        """A model without a typed spec: any of this server's file URLs in the body must exist."""
        for name, value in body.items():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and item.startswith(self.stand_in.base_url) and \
                        self.stand_in.file_of(item) is None:
                    return f"{name}: the file {item} does not exist"
        return None

    def _accounting(self, slug: str, body: dict) -> dict:
        reported = self.stand_in.accounting(self.stand_in.charge(slug, body))
        headers = {"x-generation-time": "1.25", "x-request-id": "v1-" + uuid.uuid4().hex[:8],
                   **{f"x-{name.replace('_', '-')}": str(value) for name, value in reported.items()}}
        if self.stand_in.seed_header:
            headers["x-seed-value"] = 4242 if body.get("seed") == -1 else body.get("seed", 0)
        return headers

    def _v1(self, slug: str, body: dict) -> None:
        time.sleep(self.stand_in.job_seconds)
        images = self.stand_in.images_for(body, slug)
        shape, headers = self.stand_in.v1_shape, self._accounting(slug, body)
        if shape == "raw":
            return self._send(200, images[0][0], images[0][1], headers)
        if shape == "base64_json":
            return self._send(200, {"image": base64.b64encode(images[0][0]).decode()}, headers=headers)
        urls = self.stand_in.publish(images)
        payload = {"url_string": {"output": urls[0]}, "url_list": {"output": urls},
                   "images_list": {"images": [{"url": url} for url in urls]}}[shape]
        self._send(200, payload, headers=headers)

    def do_GET(self):
        self._record(None)
        if self._apply_fault():
            return
        if self.path.startswith("/files/"):
            found = self.stand_in.files.get(self.path[len("/files/"):])
            if self.headers.get("x-api-key"):
                return self._error(400, "the key was sent to a file URL")
            return self._send(200, *found) if found else self._error(404, "file not found")
        if self.path == "/llms.txt":  # public, as on www.segmind.com: a key sent here would leak it
            if self.headers.get("x-api-key"):
                return self._error(400, "the key was sent to the public index")
            text = self.stand_in.index_text
            return self._send(200, text, "text/markdown; charset=utf-8") if text is not None else self._error(404, "no index")
        if not self._authorised():
            return
        if self.path == "/v1/get-user-credits":
            return self._send(200, {"credits": self.stand_in.credits, "free-credits": 0.0})
        parts = self.path.strip("/").split("/")
        if len(parts) >= 3 and parts[:2] == ["v2", "requests"]:
            job = self.stand_in.jobs.get(parts[2])
            if job is None:
                return self._error(404, "Request not found or expired")
            return self._v2_status(parts[2], job) if parts[3:] == ["status"] else self._v2_result(parts[2], job)
        self._error(404, "Not found")

    def _status_of(self, job: dict) -> str:
        if self.stand_in.status_sequence:
            sequence = self.stand_in.status_sequence
            return sequence[min(next(job["polls"]), len(sequence) - 1)]
        elapsed, seconds = time.monotonic() - job["submitted"], job.get("seconds", self.stand_in.job_seconds)
        if elapsed >= seconds:
            return "FAILED" if job["body"].get("prompt") == "FAIL" else "COMPLETED"
        return "QUEUED" if elapsed < seconds / 3 else "PROCESSING"

    def _v2_status(self, request_id: str, job: dict) -> None:
        if self.mangle == "flap":
            self.mangle = None
            job["flap"] = self.stand_in.chaos_random.randint(3, 8)
        if job.get("flap"):  # PROCESSING and 502 in turn, whatever the job's real state
            job["flap"] -= 1
            if job["flap"] % 2:
                return self._error(502, "Bad gateway")
            return self._send(200, {"status": "PROCESSING", "request_id": request_id, "metrics": {}})
        status = self._status_of(job)
        job["last_status"] = status
        if status == "FAILED":
            return self._send(422, {"status": "FAILED", "request_id": request_id,
                                    "error": "Content flagged by the safety checker", "metrics": {}})
        self._send(200, {"status": status, "request_id": request_id, "metrics": {}})

    def _v2_result(self, request_id: str, job: dict) -> None:
        if job.get("last_status") != "COMPLETED":
            return self._send(200, {"status": job.get("last_status", "QUEUED"), "request_id": request_id})
        if "urls" not in job:
            job["images"] = job["rendered"].result() if "rendered" in job else self.stand_in.images_for(job["body"],
                                                                                                         job["slug"])
            job["urls"] = self.stand_in.publish(job["images"])
            job["cost"] = self.stand_in.charge(job["slug"], job["body"])
        body, urls = job["body"], job["urls"]
        metrics = {"inference_time": 1.25, "queue_time": 0.1, **self.stand_in.accounting(job["cost"])}
        if body.get("seed") == -1:
            metrics["seed"] = 4242
        if is_video_model(job["slug"]):  # Segmind's video result: `output` and a `video` MediaObject, one file
            data, content_type = job["images"][0]
            video = {"url": urls[0], "content_type": content_type, "file_name": urls[0].rsplit("/", 1)[1],
                     "file_size": len(data)}
            sound = {"audio": {"url": urls[1], "content_type": WAV}} if len(urls) > 1 else {}
            return self._send(200, {"status": "COMPLETED", "request_id": request_id, "output": urls[0],
                                    "video": video, **sound, "metrics": metrics})
        shape = self.stand_in.v2_shape
        output = {"url_string": {"output": urls[0]}, "url_list": {"output": urls},
                  "images_list": {"output": urls, "images": [{"url": url} for url in urls]},
                  "base64_json": {"output": [base64.b64encode(data).decode() for data, _ in job["images"]]},
                  }[shape]
        self._send(200, {"status": "COMPLETED", "request_id": request_id, **output, "metrics": metrics})
