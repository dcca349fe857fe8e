"""The pure HTTP client (client.jobs / transport / cache) against the loopback Segmind stand-in.

Every test checks values: the bodies and headers the server received, the pixels of the images that
came back, the counts of (billable) requests, and the words of the errors.
"""
from __future__ import annotations

import io
import json
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from conftest import TEST_API_KEY
from example_files import client_settings
from pack_loader import load_pack_module
from segmind_loopback import START_CREDITS, TEST_PRICES, Fault, expected_color

config = load_pack_module("client.config")
constants = load_pack_module("client.constants")
errors = load_pack_module("client.errors")
transport_module = load_pack_module("client.transport")
waiting = load_pack_module("client.waiting")
jobs = load_pack_module("client.jobs")
cache_module = load_pack_module("client.cache")
cache_usage = load_pack_module("client.cache_usage")

KEY = TEST_API_KEY
WRONG_KEY = "sk-WRONG-key-0b7e11f3aa"
LABEL = "Segmind Flux.1 Dev (flux-dev)"
SLUG = "flux-dev"
FAST_JOB_S = 0.05


# --------------------------------------------------------------------------------------------------
# fixtures and helpers


@pytest.fixture
def srv(segmind):
    """The session's loopback Segmind (tests/conftest.py), reset, with quick jobs."""
    segmind.job_seconds = FAST_JOB_S
    return segmind


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    """transport binds backoff_seconds at import: patch its name there, and record the attempts."""
    attempts = []

    def backoff(attempt):
        attempts.append(attempt)
        return 0.01

    monkeypatch.setattr(transport_module, "backoff_seconds", backoff)
    return attempts


def make_settings(base_url, key=KEY, per_minute=0):
    return client_settings(base_url, key, per_minute)


def runner(srv_or_url, key=KEY, stop=lambda: False, callbacks=None, per_minute=0, submissions=None):
    base = srv_or_url if isinstance(srv_or_url, str) else srv_or_url.base_url
    return jobs.JobRunner(make_settings(base, key, per_minute), LABEL, SLUG, stop=stop, callbacks=callbacks,
                          submissions=submissions)


def job_body(**overrides):
    body = {"prompt": "a red fox in snow", "seed": 77, "steps": 20, "width": 24, "height": 16,
            "output_format": "png"}
    body.update(overrides)
    return body


def solid_color(data: bytes, size=(24, 16)) -> tuple:
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
        assert rgb.size == size
        colors = rgb.getcolors()
    assert colors is not None and len(colors) == 1, f"not a solid image: {colors and colors[:3]}"
    return colors[0][1]


def gets(srv, contains: str):
    return [r for r in srv.received if r.method == "GET" and contains in r.path]


def result_gets(srv):
    return [r for r in srv.received if r.method == "GET" and r.path.startswith("/v2/requests/")
            and not r.path.endswith("/status")]


def inject_on_download(srv, *faults):
    """Callbacks that script faults for the v2 result GET only: on_status("DOWNLOADING") comes right
    after the last status poll and right before the result is fetched."""
    def on_status(status, elapsed):
        if status == "DOWNLOADING":
            srv.inject(*faults)
    return jobs.JobCallbacks(on_status=on_status)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------------------------------
# success paths


def test_v1_success_returns_image_bytes_and_accounting_info(srv):
    body = job_body()
    result = runner(srv).run(body, "v1")
    assert len(result.images) == 1
    assert solid_color(result.images[0]) == expected_color(body, 0) == (77, 20, 0)
    info = result.info
    assert info["model"] == SLUG and info["transport"] == "v1"
    assert info["request_id"].startswith("v1-") and len(info["request_id"]) == 11
    assert info["cost"] == TEST_PRICES[SLUG]  # one image
    assert info["remaining_credits"] == START_CREDITS - TEST_PRICES[SLUG] == srv.credits
    assert info["inference_time"] == 1.25
    assert info["seed"] == 77
    assert srv.billable_submissions == 1


def test_v1_random_seed_reports_the_seed_the_server_used(srv):
    body = job_body(seed=-1)
    result = runner(srv).run(body, "v1")
    assert result.info["seed"] == 4242
    assert solid_color(result.images[0]) == (4242 % 256, 20, 0)


def test_v1_without_seed_header_reports_no_seed(srv):
    srv.seed_header = False
    result = runner(srv).run(job_body(), "v1")
    assert "seed" not in result.info


@pytest.mark.parametrize("shape, count", [("raw", 1), ("base64_json", 1), ("url_string", 1),
                                          ("url_list", 2), ("images_list", 2)])
def test_every_v1_shape_gives_the_right_pixels(srv, shape, count):
    srv.v1_shape = shape
    body = job_body(samples=2, seed=301, steps=9)
    result = runner(srv).run(body, "v1")
    assert [solid_color(image) for image in result.images] == [expected_color(body, i) for i in range(count)]
    assert result.info["remaining_credits"] == round(START_CREDITS - 2 * TEST_PRICES[SLUG], 6)
    assert len(gets(srv, "/files/")) == (count if shape.startswith(("url", "images")) else 0)


@pytest.mark.parametrize("shape, count", [("url_string", 1), ("url_list", 2), ("images_list", 2),
                                          ("base64_json", 2)])
def test_every_v2_shape_gives_the_right_pixels(srv, shape, count):
    srv.v2_shape = shape
    body = job_body(samples=2, seed=1000, steps=33)
    result = runner(srv).run(body, "v2")
    assert [solid_color(image) for image in result.images] == [expected_color(body, i) for i in range(count)]
    assert result.info["transport"] == "v2"
    assert result.info["inference_time"] == 1.25 and result.info["cost"] == 2 * TEST_PRICES[SLUG]
    assert result.info["remaining_credits"] == round(START_CREDITS - 2 * TEST_PRICES[SLUG], 6)
    assert result.info["queue_time"] == 0.1
    # images_list names each URL twice (output and images[].url): each is fetched once
    assert len(gets(srv, "/files/")) == (0 if shape == "base64_json" else count)


@pytest.mark.parametrize("fmt, tolerance", [("png", 0), ("jpg", 3), ("webp", 4)])
def test_every_output_format_decodes(srv, fmt, tolerance):
    body = job_body(output_format=fmt, seed=150, steps=60)
    for transport in ("v1", "v2"):
        image = runner(srv).run(body, transport).images[0]
        with Image.open(io.BytesIO(image)) as decoded:
            assert decoded.format == {"png": "PNG", "jpg": "JPEG", "webp": "WEBP"}[fmt]
            pixel = decoded.convert("RGB").getpixel((12, 8))
        assert all(abs(a - b) <= tolerance for a, b in zip(pixel, expected_color(body)))


def test_v2_three_samples_give_three_images_with_distinct_blue(srv):
    body = job_body(samples=3)
    result = runner(srv).run(body, "v2")
    colors = [solid_color(image) for image in result.images]
    assert colors == [(77, 20, 0), (77, 20, 40), (77, 20, 80)]
    assert len({blue for _, _, blue in colors}) == 3


def test_v2_random_seed_comes_back_from_the_metrics(srv):
    result = runner(srv).run(job_body(seed=-1), "v2")
    assert result.info["seed"] == 4242


@pytest.mark.parametrize("transport", ["v1", "v2"])
def test_the_server_receives_exactly_the_body_sent(srv, transport):
    body = job_body(guidance=3.5, prompt_strength=0.55, samples=1, output_quality=95,
                    prompt="ünïcødé \"quotes\" and\nnewlines", seed=2**63 - 1)
    sent = json.loads(json.dumps(body))
    runner(srv).run(body, transport)
    posts = srv.posts()
    assert len(posts) == 1
    assert posts[0].path == f"/{transport}/{SLUG}"
    assert posts[0].body == sent
    assert list(posts[0].body) == list(sent)  # order kept too
    assert body == sent  # the caller's dict was not changed
    headers = posts[0].headers
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == constants.USER_AGENT
    assert headers["x-api-key"] == KEY


def test_the_key_goes_to_api_paths_and_never_to_file_downloads(srv):
    srv.v2_shape = "images_list"
    runner(srv).run(job_body(samples=2), "v2")
    files = gets(srv, "/files/")
    api = [r for r in srv.received if not r.path.startswith("/files/")]
    assert len(files) == 2 and len(api) >= 3  # submit, >= 1 status poll, result
    assert all("x-api-key" not in r.headers for r in files)
    assert all(r.headers.get("x-api-key") == KEY for r in api)


def test_v1_url_download_carries_no_key(srv):
    srv.v1_shape = "url_list"
    runner(srv).run(job_body(samples=2), "v1")
    files = gets(srv, "/files/")
    assert len(files) == 2 and all("x-api-key" not in r.headers for r in files)


def test_resume_collects_an_earlier_job_without_a_second_post(srv):
    body = job_body(samples=2, seed=5)
    first = runner(srv).run(body, "v2")
    request_id = first.info["request_id"]
    assert len(srv.posts()) == 1
    srv.received.clear()
    seen = []
    resumed = runner(srv, callbacks=jobs.JobCallbacks(on_request_id=seen.append)).run(
        body, "v2", resume_request_id=request_id)
    assert srv.posts() == []
    assert srv.billable_submissions == 1
    assert seen == [request_id]
    assert resumed.info["request_id"] == request_id
    assert [solid_color(image) for image in resumed.images] == [expected_color(body, 0), expected_color(body, 1)]
    assert len(gets(srv, f"/v2/requests/{request_id}/status")) >= 1


def test_resume_of_an_unknown_request_says_results_last_an_hour(srv):
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv).run(job_body(), "v2", resume_request_id="no-such-request")
    assert caught.value.status == 404
    assert "kept for one hour" in str(caught.value)
    assert "Request id: no-such-request." in str(caught.value)
    assert srv.posts() == []


def test_callbacks_report_request_id_before_polling_and_statuses_in_order(srv):
    events = []
    callbacks = jobs.JobCallbacks(on_status=lambda status, elapsed: events.append(("status", status, elapsed)),
                                  on_request_id=lambda rid: events.append(("id", rid)))
    result = runner(srv, callbacks=callbacks).run(job_body(), "v2")
    assert events[0] == ("id", result.info["request_id"])
    statuses = [event[1] for event in events[1:]]
    assert statuses[0] == "QUEUED" and statuses[-1] == "DOWNLOADING"
    elapsed = [event[2] for event in events[1:]]
    assert elapsed == sorted(elapsed)


# --------------------------------------------------------------------------------------------------
# keys and HTTP errors


@pytest.mark.parametrize("transport", ["v1", "v2"])
def test_wrong_key_is_a_401_that_names_the_setting_not_the_key(srv, transport):
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv, key=WRONG_KEY).run(job_body(), transport)
    error = caught.value
    assert error.status == 401
    assert "SEGMIND_API_KEY" in str(error)
    assert "invalid or missing API key" in str(error)
    assert WRONG_KEY not in str(error) and WRONG_KEY not in repr(error.args)
    assert len(srv.posts()) == 1 and srv.billable_submissions == 0
    assert srv.posts()[0].headers["x-api-key"] == WRONG_KEY


def test_a_server_echoing_the_wrong_key_does_not_leak_it(srv):
    srv.inject(Fault("POST", "/v1/", status=401, body={"error": f"API key {WRONG_KEY} is not valid"}))
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv, key=WRONG_KEY).run(job_body(), "v1")
    assert WRONG_KEY not in str(caught.value)
    assert "API key <redacted> is not valid" in str(caught.value)


def test_no_key_fails_before_any_request(srv):
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv, key=None).run(job_body(), "v2")
    assert "No Segmind API key is configured" in str(caught.value)
    assert "SEGMIND_API_KEY" in str(caught.value)
    assert srv.received == []


def test_settings_repr_hides_the_key():
    settings = make_settings("http://127.0.0.1:1")
    assert KEY not in repr(settings) and "<set>" in repr(settings)


@pytest.mark.parametrize("transport", ["v1", "v2"])
@pytest.mark.parametrize("status", [400, 401, 403, 404, 406, 410, 500, 502, 504])
def test_post_errors_name_status_reason_and_advice_and_are_not_retried(srv, status, transport):
    reason = f"scripted reason {status} for {transport}"
    srv.inject(Fault("POST", f"/{transport}/{SLUG}", status=status, body={"error": reason}, times=5))
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv).run(job_body(), transport)
    error, message = caught.value, str(caught.value)
    assert error.status == status
    assert message.startswith(f"{LABEL}: HTTP {status} ")
    assert f"Segmind says: {reason}" in message
    assert errors.ADVICE[status] in message
    assert len(srv.posts()) == 1  # a POST is never retried after it reached the server
    assert srv.billable_submissions == 0
    assert [r for r in srv.received if r.method == "GET"] == []


def test_v1_504_warns_the_job_may_have_been_billed(srv):
    srv.inject(Fault("POST", "/v1/", status=504, body="upstream timed out", content_type="text/plain"))
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv).run(job_body(), "v1")
    assert "may still have been billed" in str(caught.value)
    assert "Segmind says: upstream timed out" in str(caught.value)


def test_post_answered_with_an_html_page_reports_its_title(srv):
    page = "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"
    srv.inject(Fault("POST", "/v2/", status=502, body=page, content_type="text/html"))
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv).run(job_body(), "v2")
    assert caught.value.reason == "an HTML page (502 Bad Gateway)"
    assert "502 Bad Gateway" in str(caught.value)
    assert "<html>" not in str(caught.value) and "nginx" not in str(caught.value)
    assert len(srv.posts()) == 1


@pytest.mark.parametrize("transport", ["v1", "v2"])
def test_post_429_waits_retry_after_then_succeeds_with_one_billable_submission(srv, transport):
    srv.inject(Fault("POST", f"/{transport}/", status=429, body={"error": "rate limited"},
                     headers={"Retry-After": "0.2"}))
    body = job_body()
    started = time.monotonic()
    result = runner(srv).run(body, transport)
    posts = srv.posts()
    assert len(posts) == 2
    assert posts[0].body == posts[1].body == body
    assert srv.billable_submissions == 1
    assert solid_color(result.images[0]) == expected_color(body)
    assert time.monotonic() - started >= 0.2  # waited what the server asked


def test_post_429_asking_for_too_long_is_reported_at_once(srv):
    srv.inject(Fault("POST", "/v2/", status=429, body={"error": "Too many requests"},
                     headers={"Retry-After": str(constants.RATE_LIMIT_WAIT_MAX_S + 60)}))
    started = time.monotonic()
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv).run(job_body(), "v2")
    assert time.monotonic() - started < 30  # not the two minutes it asked for
    assert caught.value.status == 429 and "Too many requests" in str(caught.value)
    assert errors.ADVICE[429] in str(caught.value)
    assert len(srv.posts()) == 1


def test_post_429_naming_its_wait_every_time_gives_up_after_the_capped_waits(srv):
    srv.inject(Fault("POST", "/v1/", status=429, body={"error": "slow down"}, headers={"Retry-After": "0"},
                     times=50))
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv).run(job_body(), "v1")
    assert caught.value.status == 429
    assert len(srv.posts()) == constants.RATE_LIMITED_POST_WAITS + 1
    assert srv.billable_submissions == 0


def test_a_429_holds_back_the_other_submissions_of_the_process(srv):
    class ObservedLimiter(waiting.SubmissionRateLimiter):  # the runtime's, telling when the 429 reached it
        held = threading.Event()

        def hold(self, seconds):
            super().hold(seconds)
            self.held.set()

    limiter = ObservedLimiter()  # as the runtime's, shared by every job of the process
    srv.inject(Fault("POST", "/v2/", status=429, body={"error": "Too many requests"}, headers={"Retry-After": "1"}))
    first = threading.Thread(target=lambda: runner(srv, submissions=limiter).run(job_body(seed=1), "v2"))
    first.start()
    # The second job starts once the first's 429 is in hand: a submission sent before that cannot know of it.
    assert limiter.held.wait(5)
    runner(srv, submissions=limiter).run(job_body(seed=2), "v2")  # waits out the limit the 429 named
    first.join(10)
    posts = srv.posts()
    assert [p.body["seed"] for p in posts] == [1, 1, 2] or [p.body["seed"] for p in posts] == [1, 2, 1]
    assert posts[1].at - posts[0].at >= 0.9 and posts[2].at - posts[0].at >= 0.9  # none before the limit freed
    assert srv.billable_submissions == 2


def test_post_429_without_a_wait_header_backs_off(srv, quick_backoff):
    srv.inject(Fault("POST", "/v2/", status=429, body={"error": "slow"}))
    runner(srv).run(job_body(), "v2")
    assert len(srv.posts()) == 2
    assert quick_backoff == [2]  # attempt + 2: a 429 waits longer than a network retry


def test_status_poll_502_twice_is_retried_then_succeeds(srv, quick_backoff):
    srv.inject(Fault("GET", "/status", status=502, body={"error": "bad gateway"}, times=2))
    body = job_body()
    result = runner(srv).run(body, "v2")
    assert solid_color(result.images[0]) == expected_color(body)
    assert len(gets(srv, "/status")) >= 3
    assert quick_backoff[:2] == [0, 1]
    assert len(srv.posts()) == 1 and srv.billable_submissions == 1


def test_status_poll_failing_every_time_stops_after_the_capped_attempts(srv, quick_backoff):
    srv.inject(Fault("GET", "/status", status=503, body={"error": "maintenance"}, times=50))
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv).run(job_body(), "v2")
    error = caught.value
    assert error.status == 503 and "maintenance" in str(error)
    assert error.request_id and f"Request id: {error.request_id}." in str(error)
    assert len(gets(srv, "/status")) == transport_module.GET_ATTEMPTS
    assert quick_backoff == list(range(transport_module.GET_ATTEMPTS - 1))


def test_get_attempts_patch_takes_effect(srv, monkeypatch):
    monkeypatch.setattr(transport_module, "GET_ATTEMPTS", 2)
    srv.inject(Fault("GET", "/status", status=500, body={"error": "boom"}, times=50))
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv).run(job_body(), "v2")
    assert caught.value.status == 500
    assert len(gets(srv, "/status")) == 2


def test_failed_v2_job_is_a_422_with_the_safety_reason(srv):
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv).run(job_body(prompt="FAIL"), "v2")
    error = caught.value
    assert error.status == 422
    assert error.reason == "Content flagged by the safety checker"
    assert "safety" in str(error)
    assert errors.ADVICE[422] in str(error) and "not billed" in str(error)
    assert error.request_id in srv.jobs
    assert result_gets(srv) == []  # nothing fetched after FAILED


def test_status_200_failed_is_treated_as_a_failed_job(srv):
    srv.inject(Fault("GET", "/status", status=200,
                     body={"status": "FAILED", "error": "NSFW content detected by the safety filter"}))
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv).run(job_body(), "v2")
    assert caught.value.status == 422
    assert "NSFW content detected" in str(caught.value)


def test_flapping_status_is_followed_until_completed(srv):
    srv.status_sequence = ["QUEUED", "PROCESSING", "QUEUED", "PROCESSING", "COMPLETED"]
    seen = []
    callbacks = jobs.JobCallbacks(on_status=lambda status, elapsed: seen.append(status))
    body = job_body(samples=2)
    result = runner(srv, callbacks=callbacks).run(body, "v2")
    assert [solid_color(image) for image in result.images] == [expected_color(body, 0), expected_color(body, 1)]
    assert len(gets(srv, "/status")) == 5
    collapsed = [status for i, status in enumerate(seen) if i == 0 or seen[i - 1] != status]
    assert collapsed == ["QUEUED", "PROCESSING", "QUEUED", "PROCESSING", "DOWNLOADING"]


def test_unknown_status_values_keep_polling(srv):
    srv.status_sequence = ["QUEUED", "STARTING", "IN_PROGRESS", "COMPLETED"]
    result = runner(srv).run(job_body(), "v2")
    assert len(result.images) == 1 and len(gets(srv, "/status")) == 4


def test_status_poll_404_says_results_are_kept_an_hour(srv):
    srv.inject(Fault("GET", "/status", status=404, body={"error": "Request not found or expired"}))
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv).run(job_body(), "v2")
    error = caught.value
    assert error.status == 404
    assert "Request not found or expired" in str(error)
    assert "kept for one hour" in str(error)
    assert errors.ADVICE[404] not in str(error)  # not "update the pack": the model exists
    assert error.request_id in srv.jobs
    assert len(gets(srv, "/status")) == 1  # a 404 is not retried


def test_truncated_result_body_is_retried_and_succeeds(srv):
    body = job_body(samples=2)
    callbacks = inject_on_download(srv, Fault("GET", "/v2/requests/", status=200,
                                              body={"status": "COMPLETED", "output": []}, truncate=True))
    result = runner(srv, callbacks=callbacks).run(body, "v2")
    assert [solid_color(image) for image in result.images] == [expected_color(body, 0), expected_color(body, 1)]
    assert len(result_gets(srv)) == 2  # the cut-off answer, then the retry


def test_truncated_result_body_every_time_is_a_clear_error(srv):
    callbacks = inject_on_download(srv, Fault("GET", "/v2/requests/", status=200, body={"status": "COMPLETED"},
                                              truncate=True, times=50))
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv, callbacks=callbacks).run(job_body(), "v2")
    error = caught.value
    assert type(error) is errors.SegmindError
    assert "was cut off" in str(error)
    assert error.request_id and f"Request id: {error.request_id}." in str(error)
    assert len(result_gets(srv)) == transport_module.GET_ATTEMPTS


def test_result_cut_off_without_a_content_length_is_fetched_again(srv):
    """Without a Content-Length a cut answer looks whole until it is parsed: it is fetched again (a GET of a
    finished job costs nothing), and nothing is submitted twice."""
    body = job_body(samples=2)
    callbacks = inject_on_download(srv, Fault("GET", "/v2/requests/", mangle="cut"))
    result = runner(srv, callbacks=callbacks).run(body, "v2")
    assert [solid_color(image) for image in result.images] == [expected_color(body, 0), expected_color(body, 1)]
    assert len(result_gets(srv)) == 2 and len(srv.posts()) == 1


def test_result_cut_off_every_time_is_a_clear_error_after_the_refetches(srv):
    callbacks = inject_on_download(srv, Fault("GET", "/v2/requests/", mangle="cut", times=50))
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv, callbacks=callbacks).run(job_body(), "v2")
    assert "Could not read the result: the answer is neither an image nor JSON" in str(caught.value)
    assert "it may have been cut off" in str(caught.value)
    assert f"Request id: {caught.value.request_id}." in str(caught.value)
    assert len(result_gets(srv)) == constants.DAMAGED_RESULT_REFETCHES + 1 and len(srv.posts()) == 1


def test_truncated_post_answer_is_not_retried(srv):
    srv.inject(Fault("POST", "/v2/", status=200, body={"request_id": "x"}, truncate=True))
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv).run(job_body(), "v2")
    assert "was cut off" in str(caught.value)
    assert len(srv.posts()) == 1


def test_reset_connection_on_a_status_poll_is_retried(srv):
    srv.inject(Fault("GET", "/status", reset=True))
    result = runner(srv).run(job_body(), "v2")
    assert solid_color(result.images[0]) == expected_color(job_body())
    assert len(gets(srv, "/status")) >= 2
    assert len(srv.posts()) == 1


def test_result_without_images_is_a_clear_error(srv):
    callbacks = inject_on_download(srv, Fault("GET", "/v2/requests/", status=200,
                                              body={"status": "COMPLETED", "metrics": {"cost": 1}}))
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv, callbacks=callbacks).run(job_body(), "v2")
    assert "Could not read the result" in str(caught.value)
    assert "fields: ['metrics', 'status']" in str(caught.value)
    assert len(result_gets(srv)) == 1  # a whole answer that holds no image is not fetched again


def test_submission_without_request_id_is_reported_as_possibly_billed(srv):
    srv.inject(Fault("POST", "/v2/", status=200, body={"status": "QUEUED"}))
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv).run(job_body(), "v2")
    assert "has no request id" in str(caught.value) and "may be billed" in str(caught.value)
    assert len(srv.posts()) == 1


@pytest.mark.parametrize("transport", ["v1", "v2"])
def test_refused_connection_says_could_not_connect(transport, quick_backoff):
    port = closed_port()
    started = time.monotonic()
    with pytest.raises(errors.SegmindError) as caught:
        runner(f"http://127.0.0.1:{port}").run(job_body(), transport)
    message = str(caught.value)
    assert f"Could not connect to 127.0.0.1:{port}" in message
    assert transport_module.CONNECTION_ADVICE in message
    assert KEY not in message
    # nothing reached a server, so the POST was retried (with the patched backoff)
    assert quick_backoff == list(range(constants.RATE_LIMITED_POST_ATTEMPTS - 1))
    assert time.monotonic() - started < 5


def test_oversized_answer_is_refused(srv, monkeypatch):
    monkeypatch.setattr(transport_module, "MAX_RESPONSE_BYTES", 200)
    srv.v2_shape = "url_string"
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv).run(job_body(width=64, height=64), "v2")
    assert "is larger than" in str(caught.value)


def test_missing_output_file_names_the_download_status(srv, monkeypatch):
    srv.v2_shape = "url_string"
    monkeypatch.setattr(srv, "publish", lambda images: [f"{srv.base_url}/files/gone.png"])
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv).run(job_body(), "v2")
    assert caught.value.status == 404
    assert "Downloading the output file failed with HTTP 404" in str(caught.value)
    assert len(gets(srv, "/files/gone.png")) == 1


# --------------------------------------------------------------------------------------------------
# unsafe output URLs


@pytest.fixture
def requested_urls(monkeypatch):
    """Every URL the client's transport actually sends a request to."""
    urls = []
    original = transport_module.Transport._send

    def spy(self, method, url, read_timeout, **kwargs):
        urls.append(url)
        return original(self, method, url, read_timeout, **kwargs)

    monkeypatch.setattr(transport_module.Transport, "_send", spy)
    return urls


@pytest.mark.parametrize("url, scheme", [("file:///etc/passwd", "file"),
                                         ("ftp://127.0.0.1:{port}/files/x.png", "ftp")])
def test_v2_output_url_with_a_non_http_scheme_is_refused(srv, requested_urls, url, scheme):
    url = url.format(port=srv.httpd.server_address[1])
    callbacks = inject_on_download(srv, Fault("GET", "/v2/requests/", status=200,
                                              body={"status": "COMPLETED", "output": url}))
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv, callbacks=callbacks).run(job_body(), "v2")
    # outputs collects a URL of any scheme, and check_output_url refuses a file:/ftp: one by name
    message = str(caught.value)
    assert f"The result names an output URL with scheme '{scheme}' (only http and https are fetched)." in message
    assert caught.value.request_id and f"Request id: {caught.value.request_id}." in message
    assert url not in requested_urls
    assert all(u.startswith(srv.base_url + "/v2/") for u in requested_urls)
    assert gets(srv, "/files/") == []


def test_v1_output_url_with_ftp_scheme_is_refused(srv, requested_urls, monkeypatch):
    srv.v1_shape = "url_string"
    monkeypatch.setattr(srv, "publish", lambda images: ["ftp://files.example.com/out.png"])
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv).run(job_body(), "v1")
    assert "The result names an output URL with scheme 'ftp' (only http and https are fetched)." in str(caught.value)
    assert requested_urls == [f"{srv.base_url}/v1/{SLUG}"]


@pytest.mark.parametrize("url", ["http://10.1.2.3/out.png", "http://169.254.169.254/latest/meta-data",
                                 "http://127.0.0.1:{other}/out.png"])
def test_output_url_at_an_internal_address_is_refused(srv, requested_urls, url):
    url = url.format(other=closed_port())
    callbacks = inject_on_download(srv, Fault("GET", "/v2/requests/", status=200,
                                              body={"status": "COMPLETED", "output": [url]}))
    with pytest.raises(errors.SegmindError) as caught:
        runner(srv, callbacks=callbacks).run(job_body(), "v2")
    assert "internal address" in str(caught.value)
    assert url not in requested_urls


def test_check_output_url_rules():
    settings = make_settings("http://127.0.0.1:8188")
    check = transport_module.check_output_url
    assert check("http://127.0.0.1:8188/files/a.png", settings) is None  # the configured API itself
    assert "scheme 'file'" in check("file:///etc/passwd", settings)
    assert "scheme 'none'" in check("//cdn.segmind.com/a.png", settings)
    assert "scheme 'javascript'" in check("javascript:alert(1)", settings)
    assert "internal address (127.0.0.1)" in check("http://127.0.0.1:8189/a.png", settings)
    assert "internal address (192.168.1.4)" in check("https://192.168.1.4/a.png", settings)
    assert "internal address" in check("http://[::1]:8188/a.png", settings)
    assert check("https://8.8.8.8/a.png", settings) is None
    # A host label over 63 characters or an empty one: urllib3 raised a ValueError the client did not expect.
    assert "host name is malformed" in check("http://" + "a" * 300 + "/", settings)
    assert "host name is malformed" in check("https://cdn..segmind.com/a.png", settings)


def test_a_download_redirecting_to_an_internal_address_is_not_followed(srv):
    hits = []

    class Internal(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            data = b"internal secret"
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    internal = ThreadingHTTPServer(("127.0.0.1", 0), Internal)
    thread = threading.Thread(target=internal.serve_forever, daemon=True)
    thread.start()
    try:
        target = f"http://127.0.0.1:{internal.server_address[1]}/admin/secret"
        # direct, this URL is refused (an internal address that is not the configured API server)
        assert "internal address" in transport_module.check_output_url(target, make_settings(srv.base_url))
        srv.v2_shape = "url_string"
        srv.inject(Fault("GET", "/files/", status=302, body=b"", content_type="text/plain",
                         headers={"Location": target}))
        try:
            runner(srv).run(job_body(), "v2")
        except errors.SegmindError:
            pass
        assert hits == []  # today: ['/admin/secret'], and its bytes come back as the "image"
    finally:
        internal.shutdown()
        internal.server_close()


# --------------------------------------------------------------------------------------------------
# cancel


def test_cancel_during_a_v2_job_lands_within_a_second_and_names_the_request(srv):
    srv.job_seconds = 5
    stop = threading.Event()
    ids, outcome = [], {}
    callbacks = jobs.JobCallbacks(on_request_id=ids.append)

    def work():
        try:
            outcome["result"] = runner(srv, stop=stop.is_set, callbacks=callbacks).run(job_body(), "v2")
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            outcome["error"] = exc
        outcome["ended"] = time.monotonic()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    time.sleep(0.5)
    stop.set()
    flagged = time.monotonic()
    thread.join(3)
    assert not thread.is_alive()
    assert outcome["ended"] - flagged < 1.0
    error = outcome.get("error")
    assert isinstance(error, errors.SegmindCancelled), outcome
    assert len(ids) == 1 and error.request_id == ids[0]
    assert "may still be billed" in str(error)
    assert f"Request id: {ids[0]}." in str(error)
    assert len(srv.posts()) == 1 and result_gets(srv) == []


def test_cancel_while_waiting_for_a_submission_turn_submits_nothing(srv):
    limiter = waiting.SubmissionRateLimiter()  # as the runtime's, shared by every job of the process
    stop = threading.Event()
    limiter.wait_turn(1, lambda: False)  # the next submission turn is a minute away
    timer = threading.Timer(0.2, stop.set)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(errors.SegmindCancelled) as caught:
            runner(srv, stop=stop.is_set, per_minute=1, submissions=limiter).run(job_body(), "v2")
    finally:
        timer.cancel()
    assert time.monotonic() - started < 30  # not the minute's turn
    assert "Nothing was submitted" in str(caught.value)
    assert caught.value.request_id is None
    assert srv.received == []


@pytest.mark.parametrize("transport", ["v1", "v2"])
def test_a_run_already_cancelled_submits_nothing(srv, transport):
    try:
        runner(srv, stop=lambda: True).run(job_body(), transport)
    except errors.SegmindCancelled as exc:
        assert "Nothing was submitted" in str(exc)
    assert srv.posts() == []  # today: one billable POST, and v1 even returns its images


# --------------------------------------------------------------------------------------------------
# cache.ResultCache


def test_cache_key_is_canonical():
    key = cache_module.cache_key
    assert key(SLUG, {"a": 1, "b": 2}) == key(SLUG, {"b": 2, "a": 1})
    assert key(SLUG, {"a": 1}) != key("flux-pro", {"a": 1})
    assert key(SLUG, {"seed": 1}) != key(SLUG, {"seed": 2})
    assert len(key(SLUG, {})) == 64


def test_cache_store_and_load_round_trip(tmp_path):
    cache = cache_module.ResultCache(tmp_path)
    key = cache_module.cache_key(SLUG, job_body())
    images = [b"\x89PNG first", b"\x89PNG second", b""]
    info = {"request_id": "r-1", "cost": 0.008, "seed": 77}
    assert cache.load(key) is None
    cache.store(key, images, info)
    assert cache.load(key) == (images, info)
    assert cache_module.ResultCache(tmp_path).load(key) == (images, info)  # across restarts
    assert not list(tmp_path.rglob(".tmp-*"))  # no temp file left behind


def test_cache_entry_without_info_json_is_invisible(tmp_path):
    cache = cache_module.ResultCache(tmp_path)
    key = cache_module.cache_key(SLUG, {"prompt": "half written"})
    cache.store(key, [b"one"], {"a": 1})
    info_file = next(tmp_path.rglob("info.json"))
    info_file.unlink()
    assert cache.load(key) is None
    assert (info_file.parent / "image_0.bin").read_bytes() == b"one"


def test_cache_entry_missing_an_image_or_with_bad_info_is_invisible(tmp_path):
    cache = cache_module.ResultCache(tmp_path)
    key = cache_module.cache_key(SLUG, {"prompt": "damaged"})
    cache.store(key, [b"one", b"two"], {})
    entry = next(tmp_path.rglob("info.json")).parent
    (entry / "image_1.bin").unlink()
    assert cache.load(key) is None
    cache.store(key, [b"one", b"two"], {})
    (entry / "info.json").write_text("{not json")
    assert cache.load(key) is None
    (entry / "info.json").write_text(json.dumps({"info": {}}))
    assert cache.load(key) is None


def test_pending_journal_remember_read_forget(tmp_path):
    cache = cache_module.ResultCache(tmp_path)
    key, other = cache_module.cache_key(SLUG, {"p": 1}), cache_module.cache_key(SLUG, {"p": 2})
    assert cache.pending_request_id(key) is None
    cache.remember_pending(key, "req-123")
    assert cache.pending_request_id(key) == "req-123"
    assert cache.pending_request_id(other) is None
    cache.remember_pending(key, "req-456")  # a later submission replaces it
    assert cache_module.ResultCache(tmp_path).pending_request_id(key) == "req-456"
    cache.forget_pending(key)
    assert cache.pending_request_id(key) is None
    cache.forget_pending(key)  # forgetting twice is fine


def test_expired_pending_record_is_not_recovered(tmp_path, monkeypatch):
    cache = cache_module.ResultCache(tmp_path)
    key = cache_module.cache_key(SLUG, {"p": "old"})
    real_now = time.time()
    monkeypatch.setattr(cache_module.time, "time", lambda: real_now)
    cache.remember_pending(key, "req-old")
    monkeypatch.setattr(cache_module.time, "time", lambda: real_now + constants.RESULT_RETENTION_S - 1)
    assert cache.pending_request_id(key) == "req-old"
    monkeypatch.setattr(cache_module.time, "time", lambda: real_now + constants.RESULT_RETENTION_S)
    assert cache.pending_request_id(key) is None
    monkeypatch.setattr(cache_module.time, "time", lambda: real_now + 2 * constants.RESULT_RETENTION_S)
    assert cache.pending_request_id(key) is None


def test_corrupt_pending_record_reads_as_none(tmp_path):
    cache = cache_module.ResultCache(tmp_path)
    key = cache_module.cache_key(SLUG, {"p": "corrupt"})
    cache.remember_pending(key, "req-1")
    path = tmp_path / "pending" / f"{key}.json"
    path.write_text('{"request_id": "req-1"}')
    assert cache.pending_request_id(key) is None
    path.write_text("garbage")
    assert cache.pending_request_id(key) is None


def test_the_cache_keeps_to_its_size_bound_dropping_the_least_recently_used(tmp_path):
    image = b"x" * 1000
    cache = cache_module.ResultCache(tmp_path, max_bytes=3500)  # room for three results and their info
    keys = [cache_module.cache_key(SLUG, {"prompt": f"fox {n}"}) for n in range(5)]
    for age, key in enumerate(keys[:3]):
        cache.store(key, [image], {"n": age})
        info = tmp_path / key[:2] / key / "info.json"
        os.utime(info, (1_000_000 + age, 1_000_000 + age))  # stored one after the other
    cache.remember_pending(keys[4], "req-pending")
    assert cache.load(keys[0]) is not None  # a use: now the most recent
    cache.store(keys[3], [image], {"n": 3})
    assert [cache.has(key) for key in keys[:4]] == [True, False, True, True]  # the oldest use went
    assert cache.pending_request_id(keys[4]) == "req-pending"  # the journal is never evicted
    total = sum(path.stat().st_size for path in tmp_path.rglob("*") if path.is_file() and "pending" not in path.parts)
    assert total <= 3500


def test_a_result_larger_than_the_bound_is_still_kept_until_the_next_store(tmp_path):
    cache = cache_module.ResultCache(tmp_path, max_bytes=10)
    first, second = (cache_module.cache_key(SLUG, {"prompt": p}) for p in ("a", "b"))
    cache.store(first, [b"y" * 100], {})
    assert cache.has(first)  # the result just paid for is served at least once
    cache.store(second, [b"z" * 100], {})
    assert not cache.has(first) and cache.has(second)


def bytes_under(folder) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


class CountedScans:
    """A result cache whose folder scans are counted."""
    def __init__(self, cache):
        self.cache, self.scans, entries = cache, 0, cache._entries

        def counted():
            self.scans += 1
            return entries()
        cache._entries = counted


def test_stores_well_within_the_bound_scan_the_folder_once_and_one_that_passes_it_evicts(tmp_path):
    clock = [0.0]
    usage = cache_usage.CacheUsage(clock=lambda: clock[0])
    image = b"x" * 1000
    counted = CountedScans(cache_module.ResultCache(tmp_path, max_bytes=20_000, usage=usage))
    keys = [cache_module.cache_key(SLUG, {"prompt": f"fox {n}"}) for n in range(30)]
    for key in keys[:15]:
        counted.cache.store(key, [image], {})
    assert counted.scans == 1  # the first store learns the folder; the next 14 only count their bytes
    for key in keys[15:]:
        counted.cache.store(key, [image], {})
    assert bytes_under(tmp_path) <= 20_000 and counted.cache.has(keys[-1]) and not counted.cache.has(keys[0])
    assert counted.scans < 30 - 15  # only stores that found the cache full scanned


def test_results_another_comfyui_stored_are_seen_within_a_minute(tmp_path):
    clock = [0.0]
    usage = cache_usage.CacheUsage(clock=lambda: clock[0])
    ours = cache_module.ResultCache(tmp_path, max_bytes=20_000, usage=usage)
    ours.store(cache_module.cache_key(SLUG, {"prompt": "ours"}), [b"o" * 1000], {})
    theirs = cache_module.ResultCache(tmp_path)  # another process: its stores are not counted here
    for n in range(40):
        theirs.store(cache_module.cache_key(SLUG, {"prompt": f"theirs {n}"}), [b"t" * 1000], {})
    ours.store(cache_module.cache_key(SLUG, {"prompt": "ours 2"}), [b"o" * 1000], {})
    assert bytes_under(tmp_path) > 40_000  # within the minute, this process's figure stands
    clock[0] += cache_usage.RESCAN_S
    ours.store(cache_module.cache_key(SLUG, {"prompt": "ours 3"}), [b"o" * 1000], {})
    assert bytes_under(tmp_path) <= 20_000


@pytest.mark.parametrize("value", ["abc", "-1", "0", "nan"])
def test_a_cache_bound_that_is_not_a_positive_number_is_an_error_naming_the_setting(value):
    with pytest.raises(config.ConfigError, match=r"SEGMIND_CACHE_MAX_GB / cache_max_gb must be a positive"):
        config.load_settings(environ={"SEGMIND_CACHE_MAX_GB": value, "SEGMIND_CONFIG_FILE": "/nonexistent.json"},
                             user_file=None)
    assert config.load_settings(environ={"SEGMIND_CONFIG_FILE": "/nonexistent.json"}).cache_max_bytes == 2 * 10**9
