"""Pure unit tests of the client's parsing, error wording and wait arithmetic (no server, no sleeps).

client.outputs: every answer shape Segmind may use, read into image bytes / URLs and accounting info.
client.errors: the server's reason, the advice per status, and redaction of the key.
client.waiting: what a 429 asks us to wait, the backoff bounds, and the cancel-aware sleep.
"""
from __future__ import annotations

import base64
import io
import json
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from hypothesis import given, settings as hyp_settings, strategies as st
from PIL import Image

from example_files import png_bytes
from pack_loader import load_pack_module
from virtual_clock import VirtualClock

outputs = load_pack_module("client.outputs")
errors = load_pack_module("client.errors")
waiting = load_pack_module("client.waiting")
constants = load_pack_module("client.constants")

MODEL = "Segmind Flux.1 Dev (flux-dev)"
NOW = 1_700_000_000.0  # a fixed "now" (2023-11-14T22:13:20Z) for the wait arithmetic


def pixel(data: bytes) -> tuple:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").getpixel((0, 0))


def as_json(value) -> bytes:
    return json.dumps(value).encode()


# --------------------------------------------------------------------------------------------------
# outputs.parse_success


@pytest.mark.parametrize("content_type", ["image/png", "IMAGE/PNG", "image/png; charset=binary",
                                          "image/jpeg", "image/webp"])
def test_raw_image_bytes_are_returned_as_is(content_type):
    data = png_bytes((200, 100, 50))
    parsed = outputs.parse_success(data, content_type, {"x-remaining-credits": "9.5"})
    assert parsed.images == [data]
    assert parsed.urls == []
    assert parsed.info == {"remaining_credits": 9.5}
    assert pixel(parsed.images[0]) == (200, 100, 50)


def test_json_image_field_with_base64_is_decoded():
    data = png_bytes((1, 2, 3))
    parsed = outputs.parse_success(as_json({"image": base64.b64encode(data).decode()}), "application/json", {})
    assert parsed.images == [data]
    assert parsed.urls == []
    assert pixel(parsed.images[0]) == (1, 2, 3)


def test_json_images_list_of_base64_keeps_order():
    first, second = png_bytes((10, 0, 0)), png_bytes((20, 0, 0))
    body = as_json({"images": [base64.b64encode(first).decode(), base64.b64encode(second).decode()]})
    parsed = outputs.parse_success(body, "application/json", {})
    assert [pixel(image) for image in parsed.images] == [(10, 0, 0), (20, 0, 0)]


def test_base64_wrapped_over_several_lines_is_decoded():
    data = png_bytes((7, 8, 9), size=(40, 40))
    wrapped = base64.encodebytes(data).decode()  # MIME style: a newline every 76 characters
    assert "\n" in wrapped
    parsed = outputs.parse_success(as_json({"image": wrapped}), "application/json", {})
    assert parsed.images == [data]


def test_url_safe_base64_without_padding_is_decoded():
    data = bytes(range(256)) * 2  # standard base64 of this holds '+' and '/'
    text = base64.urlsafe_b64encode(data).decode().rstrip("=")
    assert "-" in text and "_" in text
    parsed = outputs.parse_success(as_json({"image": text}), "application/json", {})
    assert parsed.images == [data]


def test_output_url_string():
    url = "https://cdn.segmind.com/out/abc.png"
    parsed = outputs.parse_success(as_json({"status": "COMPLETED", "output": url}), "application/json", {})
    assert parsed.urls == [url]
    assert parsed.images == []


def test_output_url_list_keeps_order():
    urls = [f"https://cdn.segmind.com/out/{name}.png" for name in ("c", "a", "b")]
    parsed = outputs.parse_success(as_json({"output": urls}), "application/json", {})
    assert parsed.urls == urls
    assert parsed.images == []


def test_images_list_of_url_objects():
    urls = ["https://cdn.segmind.com/1.webp", "http://cdn.segmind.com/2.webp"]
    parsed = outputs.parse_success(as_json({"images": [{"url": u} for u in urls]}), "application/json", {})
    assert parsed.urls == urls


def test_output_and_images_naming_the_same_urls_are_fetched_once():
    urls = ["https://cdn.segmind.com/1.png", "https://cdn.segmind.com/2.png"]
    body = {"status": "COMPLETED", "output": urls, "images": [{"url": u} for u in urls]}
    parsed = outputs.parse_success(as_json(body), "application/json", {})
    assert parsed.urls == urls


def test_single_output_url_repeated_in_images_dedupes_to_one():
    url = "https://cdn.segmind.com/only.png"
    parsed = outputs.parse_success(as_json({"output": url, "images": [{"url": url}]}), "application/json", {})
    assert parsed.urls == [url]


@pytest.mark.parametrize("key", ["output", "image", "images"])
def test_data_uri_is_decoded(key):
    data = png_bytes((90, 91, 92))
    uri = "data:image/png;base64," + base64.b64encode(data).decode()
    value = [uri] if key == "images" else uri
    parsed = outputs.parse_success(as_json({key: value}), "application/json", {})
    assert parsed.images == [data]
    assert parsed.urls == []


def test_json_without_any_image_names_its_fields():
    body = as_json({"status": "COMPLETED", "request_id": "r-1", "metrics": {"cost": 1}})
    with pytest.raises(outputs.UnreadableOutput) as caught:
        outputs.parse_success(body, "application/json", {})
    message = str(caught.value)
    assert "holds no image" in message
    for name in ("metrics", "request_id", "status"):
        assert name in message


def test_json_output_that_is_neither_url_nor_base64_is_unreadable():
    with pytest.raises(outputs.UnreadableOutput, match="holds no image"):
        outputs.parse_success(as_json({"output": "ftp is not http"}), "application/json", {})


def test_json_scalar_without_image_is_unreadable():
    with pytest.raises(outputs.UnreadableOutput, match=r"fields: list"):
        outputs.parse_success(b"[]", "application/json", {})


@pytest.mark.parametrize("body, content_type, shown", [
    (b"\x89garbage\xff\xfe bytes", "application/octet-stream", "application/octet-stream"),
    (b"Internal failure, try later", "text/plain; charset=utf-8", "text/plain"),
    (b"<html><body>oops</body></html>", "text/html", "text/html"),
    (b"not json at all", "", "missing"),
])
def test_non_json_non_image_body_mentions_content_type(body, content_type, shown):
    with pytest.raises(outputs.UnreadableOutput) as caught:
        outputs.parse_success(body, content_type, {})
    message = str(caught.value)
    assert f"Content-Type {shown}" in message
    assert f"{len(body)} bytes" in message
    is_html = shown == "text/html"
    assert ("an HTML page, not an image or JSON" in message) is is_html
    assert ("it may have been cut off" in message) is not is_html  # a whole HTML page was not cut


def test_truncated_json_body_is_unreadable_not_a_crash():
    body = as_json({"output": ["https://cdn.segmind.com/1.png"]})[:-7]
    with pytest.raises(outputs.UnreadableOutput, match="cut off"):
        outputs.parse_success(body, "application/json", {})


def test_parse_success_merges_header_and_json_info():
    headers = {"X-Request-Id": "hdr-1", "X-Remaining-Credits": "4.25", "X-Seed-Value": "99"}
    body = {"output": "https://cdn.segmind.com/1.png", "metrics": {"inference_time": 2.5, "cost": 0.01}}
    parsed = outputs.parse_success(as_json(body), "application/json; charset=utf-8", headers)
    assert parsed.info == {"request_id": "hdr-1", "remaining_credits": 4.25, "seed": 99,
                           "inference_time": 2.5, "cost": 0.01}


@hyp_settings(max_examples=60, deadline=None, database=None)
@given(st.binary(min_size=12, max_size=300))
def test_any_base64_payload_round_trips(data):
    encoded = base64.b64encode(data).decode()
    assert outputs.parse_success(as_json({"image": encoded}), "application/json", {}).images == [data]
    uri = "data:application/octet-stream;base64," + encoded
    assert outputs.parse_success(as_json({"output": [uri]}), "application/json", {}).images == [data]


@hyp_settings(max_examples=60, deadline=None, database=None)
@given(st.lists(st.sampled_from([f"https://cdn.segmind.com/{i}.png" for i in range(6)]), min_size=1, max_size=10))
def test_url_dedupe_keeps_first_occurrence_order(urls):
    body = {"output": urls, "images": [{"url": u} for u in reversed(urls)]}
    parsed = outputs.parse_success(as_json(body), "application/json", {})
    assert parsed.urls == list(dict.fromkeys(urls))


# --------------------------------------------------------------------------------------------------
# outputs.info_from_headers / info_from_json


def test_info_from_headers_is_case_insensitive_and_parses_numbers():
    headers = {"X-Remaining-Credits": "9.5", "X-COST": "0.008", "x-Seed-Value": "4242",
               "X-REQUEST-ID": "12345", "X-Generation-Time": "12", "Content-Type": "image/png"}
    info = outputs.info_from_headers(headers)
    assert info == {"remaining_credits": 9.5, "cost": 0.008, "seed": 4242, "request_id": "12345",
                    "inference_time": 12}
    assert isinstance(info["seed"], int) and isinstance(info["inference_time"], int)
    assert isinstance(info["request_id"], str)  # an id is never turned into a number


def test_info_from_headers_keeps_unparsable_values_and_skips_empty_ones():
    info = outputs.info_from_headers({"x-cost": "n/a", "x-remaining-credits": "", "x-seed-value": "7.5"})
    assert info == {"cost": "n/a", "seed": 7.5}


def test_info_from_headers_of_nothing_is_empty():
    assert outputs.info_from_headers({}) == {}
    assert outputs.info_from_headers({"Server": "nginx"}) == {}


def test_info_from_json_reads_metrics():
    data = {"status": "COMPLETED", "request_id": "req-9",
            "metrics": {"inference_time": 1.25, "cost": "0.008", "remaining_credits": 9.5, "queue_time": 0.1,
                        "total_time": "1.35", "seed": 4242}}
    assert outputs.info_from_json(data) == {"inference_time": 1.25, "cost": 0.008, "remaining_credits": 9.5,
                                            "queue_time": 0.1, "total_time": 1.35, "seed": 4242,
                                            "request_id": "req-9"}


def test_info_from_json_prefers_metrics_then_top_level():
    data = {"cost": 5, "seed": 11, "metrics": {"cost": 0.5}}
    assert outputs.info_from_json(data) == {"cost": 0.5, "seed": 11}


def test_info_from_json_ignores_odd_shapes():
    assert outputs.info_from_json([1, 2]) == {}
    assert outputs.info_from_json("COMPLETED") == {}
    assert outputs.info_from_json({"metrics": "fast", "request_id": 42}) == {}
    assert outputs.info_from_json({"metrics": {"cost": {"usd": 1}, "seed": None}}) == {}


# --------------------------------------------------------------------------------------------------
# errors.reason_from_body


@pytest.mark.parametrize("body, expected", [
    (b'{"error": "prompt is required"}', "prompt is required"),
    ('{"message": "Model flux-x not found"}', "Model flux-x not found"),
    (b'{"detail": "steps must be <= 50"}', "steps must be <= 50"),
    (b'{"msg": "slow down"}', "slow down"),
    (b'{"error": "", "message": "second field"}', "second field"),
    (b'{"error": {"code": 7, "text": "nested"}}', '{"code": 7, "text": "nested"}'),
    (b'{"status": "FAILED"}', '{"status": "FAILED"}'),
    (b"Internal failure\n   while   rendering", "Internal failure while rendering"),
    (b"Tom &amp; Jerry", "Tom & Jerry"),
])
def test_reason_from_body(body, expected):
    assert errors.reason_from_body(body, "application/json") == expected


def test_reason_from_html_page_is_its_title():
    page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>"
    assert errors.reason_from_body(page, "text/html; charset=utf-8") == "an HTML page (502 Bad Gateway)"
    # recognised by its first character too, whatever the Content-Type says
    assert errors.reason_from_body(b"  \n<!DOCTYPE html><TITLE>Oops &amp; co</TITLE>", "") == "an HTML page (Oops & co)"
    assert errors.reason_from_body(b"<html><body>no title</body></html>", "text/html") == "an HTML page"


@pytest.mark.parametrize("body", [None, b"", ""])
def test_no_body_no_reason(body):
    assert errors.reason_from_body(body) is None


def test_long_reason_is_shortened_to_300_chars_and_ellipsis():
    text = "abcdefghij" * 100
    reason = errors.reason_from_body(json.dumps({"error": text}).encode(), "application/json")
    assert reason == text[:300] + "..."
    assert len(reason) == errors.REASON_MAX_CHARS + 3
    plain = errors.reason_from_body(("x" * 1000).encode(), "text/plain")
    assert plain == "x" * 300 + "..."


def test_reason_of_exactly_300_chars_is_not_shortened():
    assert errors.reason_from_body("y" * 300) == "y" * 300


def test_reason_of_undecodable_bytes_does_not_crash():
    reason = errors.reason_from_body(b"bad \xff\xfe bytes", "text/plain")
    assert reason.startswith("bad ") and reason.endswith(" bytes")


# --------------------------------------------------------------------------------------------------
# errors.http_error / redact


@pytest.mark.parametrize("status, keyword", [
    (400, "parameter"), (401, "SEGMIND_API_KEY"), (403, "plan"), (404, "update the pack"),
    (406, "credits"), (410, "retired"), (422, "not billed"), (429, "rate-limiting"),
    (500, "internal error"), (502, "gateway"), (504, "billed"),
])
def test_http_error_names_model_status_reason_and_advice(status, keyword):
    body = json.dumps({"error": f"server reason for {status}"}).encode()
    error = errors.http_error(MODEL, status, body, "application/json", request_id="req-77")
    message = str(error)
    assert isinstance(error, errors.SegmindError)
    assert error.status == status and error.model == MODEL and error.request_id == "req-77"
    assert error.reason == f"server reason for {status}"
    assert message.startswith(f"{MODEL}: HTTP {status} {errors.STATUS_NAMES[status]}.")
    assert f"Segmind says: server reason for {status}. " in message  # a sentence of its own before the advice
    assert "Request id: req-77." in message
    assert error.advice == errors.ADVICE[status]
    assert message.endswith(errors.ADVICE[status])
    assert keyword in message


def test_http_error_401_advice_tells_where_the_key_goes():
    message = str(errors.http_error(MODEL, 401, b'{"error": "Unauthorized"}'))
    assert "SEGMIND_API_KEY" in message and "Settings (Segmind section)" in message


def test_http_error_429_advice_mentions_the_client_limit():
    assert "SEGMIND_REQUESTS_PER_MINUTE" in str(errors.http_error(MODEL, 429, b""))


def test_http_error_unknown_statuses_fall_back_to_generic_advice():
    assert errors.http_error(MODEL, 503, b"busy").advice == errors.ADVICE[500]
    assert "HTTP 503 Service Unavailable." in str(errors.http_error(MODEL, 503, b"busy"))
    teapot = errors.http_error(MODEL, 418, b"short and stout")
    assert teapot.advice == errors.ADVICE[400]
    assert "HTTP 418 HTTP error." in str(teapot) and "short and stout" in str(teapot)


def test_http_error_for_an_expired_request_says_results_last_an_hour():
    error = errors.http_error(MODEL, 404, b'{"error": "Request not found or expired"}', request_id="r-5",
                              expired_request=True)
    assert error.advice == errors.EXPIRED_REQUEST_ADVICE
    assert "one hour" in str(error) and "Request not found or expired" in str(error)
    assert errors.ADVICE[404] not in str(error)


def test_http_error_without_body_has_no_segmind_says():
    message = str(errors.http_error(MODEL, 500, None))
    assert "Segmind says" not in message and "HTTP 500 Server Error." in message


def test_redact():
    assert errors.redact("key sk-123 leaked, sk-123 again", "sk-123") == "key <redacted> leaked, <redacted> again"
    assert errors.redact("nothing here", "sk-123") == "nothing here"
    assert errors.redact("text", None) == "text"
    assert errors.redact("", "sk-123") == ""


@pytest.mark.parametrize("body, content_type", [
    ('{"error": "Invalid API key sk-SECRET-abc123xyz for this model"}', "application/json"),
    ("Invalid API key sk-SECRET-abc123xyz", "text/plain"),
    ("<html><title>denied sk-SECRET-abc123xyz</title></html>", "text/html"),
])
def test_a_secret_in_the_body_never_reaches_the_message(body, content_type):
    secret = "sk-SECRET-abc123xyz"
    error = errors.http_error(MODEL, 401, body, content_type, secret=secret)
    assert secret not in str(error)
    assert secret not in (error.reason or "")
    assert "<redacted>" in str(error)


def test_a_secret_cut_by_the_300_char_limit_leaks_no_part_of_it():
    secret = "sk-SECRETKEY1234567890"
    body = "x" * 290 + secret  # the key starts 10 characters before the cut
    message = str(errors.http_error(MODEL, 401, body, "text/plain", secret=secret))
    assert secret[:10] not in message  # today: '...xxxsk-SECRETK...' is in the message


def test_segmind_cancelled_is_a_segmind_error():
    cancelled = errors.SegmindCancelled(MODEL, "The run was cancelled.", "advice", request_id="r-1")
    assert isinstance(cancelled, errors.SegmindError)
    assert str(cancelled) == f"{MODEL}: The run was cancelled. Request id: r-1. advice"


# --------------------------------------------------------------------------------------------------
# waiting.server_requested_wait


@pytest.mark.parametrize("value, expected", [("0", 0.0), ("0.2", 0.2), ("7", 7.0), (" 12 ", 12.0), ("-3", 0.0)])
def test_retry_after_seconds(value, expected):
    assert waiting.server_requested_wait({"Retry-After": value}, now=NOW) == pytest.approx(expected)


def test_retry_after_http_date():
    moment = datetime.fromtimestamp(NOW + 30, timezone.utc)
    headers = {"retry-after": format_datetime(moment, usegmt=True)}
    assert waiting.server_requested_wait(headers, now=NOW) == pytest.approx(30.0)
    past = {"RETRY-AFTER": format_datetime(datetime.fromtimestamp(NOW - 300, timezone.utc), usegmt=True)}
    assert waiting.server_requested_wait(past, now=NOW) == 0.0


def test_rate_limit_reset_iso():
    moment = datetime.fromtimestamp(NOW, timezone.utc) + timedelta(seconds=45)
    as_z = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert waiting.server_requested_wait({"x-rate-limit-reset-at-utc": as_z}, now=NOW) == pytest.approx(45.0)
    offset = moment.isoformat()  # +00:00
    assert waiting.server_requested_wait({"X-Rate-Limit-Reset-At-UTC": offset}, now=NOW) == pytest.approx(45.0)
    naive = moment.replace(tzinfo=None).isoformat()  # read as UTC
    assert waiting.server_requested_wait({"x-rate-limit-reset-at-utc": naive}, now=NOW) == pytest.approx(45.0)


def test_rate_limit_reset_epoch_seconds_and_milliseconds():
    assert waiting.server_requested_wait({"x-rate-limit-reset-at-utc": str(int(NOW) + 20)}, now=NOW) == \
        pytest.approx(20.0)
    assert waiting.server_requested_wait({"x-rate-limit-reset-at-utc": str(int(NOW * 1000) + 1500)}, now=NOW) == \
        pytest.approx(1.5)
    assert waiting.server_requested_wait({"x-rate-limit-reset-at-utc": str(int(NOW) - 20)}, now=NOW) == 0.0


def test_retry_after_wins_over_reset_header():
    headers = {"Retry-After": "3", "x-rate-limit-reset-at-utc": str(int(NOW) + 50)}
    assert waiting.server_requested_wait(headers, now=NOW) == 3.0


def test_unparsable_retry_after_falls_back_to_reset_header_then_none():
    headers = {"Retry-After": "soon", "x-rate-limit-reset-at-utc": str(int(NOW) + 8)}
    assert waiting.server_requested_wait(headers, now=NOW) == pytest.approx(8.0)
    assert waiting.server_requested_wait({"Retry-After": "soon"}, now=NOW) is None
    assert waiting.server_requested_wait({"x-rate-limit-reset-at-utc": "tomorrow"}, now=NOW) is None
    assert waiting.server_requested_wait({}, now=NOW) is None


def test_server_requested_wait_uses_the_clock_by_default():
    headers = {"x-rate-limit-reset-at-utc": str(time.time() + 100)}
    assert 98.0 <= waiting.server_requested_wait(headers) <= 100.0


# --------------------------------------------------------------------------------------------------
# waiting.backoff_seconds / sleep_unless_stopped / SubmissionRateLimiter


@pytest.mark.parametrize("attempt", range(8))
def test_backoff_seconds_bounds(attempt):
    cap = min(constants.BACKOFF_MAX_S, constants.BACKOFF_FIRST_S * 2 ** attempt)
    samples = [waiting.backoff_seconds(attempt) for _ in range(200)]
    assert all(cap * 0.5 <= sample <= cap for sample in samples)
    assert max(samples) - min(samples) > 0  # jittered


def test_backoff_seconds_extremes(monkeypatch):
    class Fixed:
        def __init__(self, pick):
            self.pick = pick

        def uniform(self, low, high):
            return low if self.pick == "low" else high

    monkeypatch.setattr(waiting, "random", Fixed("high"))
    assert [waiting.backoff_seconds(a) for a in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    monkeypatch.setattr(waiting, "random", Fixed("low"))
    assert [waiting.backoff_seconds(a) for a in range(6)] == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0]


@pytest.fixture
def clock(monkeypatch):
    virtual = VirtualClock()
    monkeypatch.setattr(waiting, "time", virtual)
    return virtual


def test_sleep_unless_stopped_raises_when_stopped(clock):
    with pytest.raises(waiting.Cancelled):
        waiting.sleep_unless_stopped(30.0, lambda: True)
    assert clock.sleeps == []


def test_sleep_unless_stopped_notices_a_late_stop_within_a_check_period(clock):
    flag_at = clock.now + 0.15
    with pytest.raises(waiting.Cancelled):
        waiting.sleep_unless_stopped(30.0, lambda: clock.now >= flag_at)
    assert all(step <= constants.CANCEL_CHECK_S for step in clock.sleeps)
    assert flag_at <= clock.now <= flag_at + constants.CANCEL_CHECK_S


def test_sleep_unless_stopped_sleeps_the_time_asked(clock):
    waiting.sleep_unless_stopped(0.12, lambda: False)
    waiting.sleep_unless_stopped(-5, lambda: False)
    assert sum(clock.sleeps) == pytest.approx(0.12)
    assert all(step <= constants.CANCEL_CHECK_S for step in clock.sleeps)


def test_submission_rate_limiter_spaces_submissions(clock):
    limiter = waiting.SubmissionRateLimiter()
    limiter.wait_turn(600, lambda: False)  # 0.1 s apart
    assert clock.sleeps == []  # the first goes at once
    limiter.wait_turn(600, lambda: False)
    limiter.wait_turn(600, lambda: False)
    assert sum(clock.sleeps) == pytest.approx(0.2)
    before = len(clock.sleeps)
    for _ in range(5):
        limiter.wait_turn(0, lambda: False)  # no limit: never waits
    assert len(clock.sleeps) == before
    with pytest.raises(waiting.Cancelled):  # but a cancelled run never gets a turn
        limiter.wait_turn(0, lambda: True)


def test_submission_rate_limiter_wait_is_cancellable(clock):
    limiter = waiting.SubmissionRateLimiter()
    limiter.wait_turn(1, lambda: False)  # the next turn is a minute away
    started = clock.now
    with pytest.raises(waiting.Cancelled):
        limiter.wait_turn(1, lambda: clock.now - started > 0.1)
    assert clock.now - started <= 0.1 + constants.CANCEL_CHECK_S  # not the minute


def test_a_hold_from_the_servers_limit_delays_every_next_submission_even_without_a_limit(clock):
    limiter = waiting.SubmissionRateLimiter()
    limiter.hold(5.0)  # a 429 said the limit frees in 5 s
    limiter.wait_turn(0, lambda: False)
    assert sum(clock.sleeps) == pytest.approx(5.0)
    limiter.wait_turn(0, lambda: False)  # the hold has passed: at once
    assert sum(clock.sleeps) == pytest.approx(5.0)
