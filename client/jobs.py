"""Running one generation: v1 (one POST that answers with the image) or v2 (submit, poll, fetch).

`JobRunner.run` is synchronous and meant for a worker thread; it reports its progress through callbacks
and notices a cancel within a fraction of a second. It returns image bytes, accounting info and what the
caller's `accept` made of the images. The one retry layer for unusable results is here: a v2 result
whose answer or images arrive damaged is fetched again (GETs of a finished job are not billed).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urljoin

from . import endpoints
from .config import Settings
from .constants import (DAMAGED_RESULT_REFETCHES, DOWNLOAD_READ_TIMEOUT_S, JOB_DEADLINE_S, MAX_IMAGES_PER_ANSWER,
                        POLL_MAX_S, READ_TIMEOUT_S, REQUEST_ID_RE, V1_READ_TIMEOUT_S)
from .durations import DurationHistory, observed_duration
from .errors import SegmindCancelled, SegmindError, http_error, redact
from .outputs import DamagedOutput, ParsedOutput, UnreadableOutput, UnusableImage, info_from_json, parse_success
from .poll_schedule import PollSchedule, rate_limited_wait
from .transport import Answer, Transport, check_output_url
from .waiting import Cancelled, StopCheck, SubmissionRateLimiter, sleep_unless_stopped

MAX_REDIRECTS = 5
TERMINAL_OK, TERMINAL_FAILED = "COMPLETED", "FAILED"
CANCEL_ADVICE = ("Cancelled. The job had already been submitted and may still be billed; queue the same "
                 "inputs again within an hour to collect its result without paying again.")


@dataclass
class JobResult:
    images: list[bytes]
    info: dict[str, Any] = field(default_factory=dict)
    accepted: Any = None  # what `accept` returned for the images (e.g. the decoded batch)


@dataclass
class JobCallbacks:
    # (status, elapsed seconds): QUEUED / PROCESSING / DOWNLOADING, for the node's progress text.
    on_status: Callable[[str, float], None] = lambda status, elapsed: None
    # The request id as soon as it is known, so a time-out or cancel can still be recovered.
    on_request_id: Callable[[str], None] = lambda request_id: None
    # (why): a finished v2 result arrived damaged and is fetched again.
    on_refetch: Callable[[str], None] = lambda reason: None
    # True right before a billable POST goes out; False when its answer says no job was made. A cancel
    # in between may leave a billed job whose request id is not known yet (on_request_id follows).
    on_posting: Callable[[bool], None] = lambda posting: None


def _json(answer: Answer) -> Any:
    try:
        return json.loads(answer.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


class JobRunner:
    def __init__(self, settings: Settings, model_label: str, slug: str, stop: StopCheck,
                 callbacks: JobCallbacks | None = None, durations: DurationHistory | None = None,
                 typical_seconds: float | None = None, submissions: SubmissionRateLimiter | None = None,
                 work: float = 1.0, deadline_s: float = JOB_DEADLINE_S):
        self.settings, self.model_label, self.slug, self.stop = settings, model_label, slug, stop
        self.callbacks = callbacks or JobCallbacks()
        # The process's spacing of billable submissions (the runtime's); alone, a runner spaces its own.
        self.submissions = submissions or SubmissionRateLimiter()
        # Where jobs of this model ended before (else the page's typical time): where to poll densely.
        self.durations, self.typical_seconds = durations, typical_seconds
        self.work = work  # what this job asks relative to the page's defaults: its end moves with it
        self.deadline_s = deadline_s  # longer for a video model's jobs
        self.transport = Transport(settings, model_label, stop)
        self.started = time.monotonic()
        self.request_id: str | None = None

    def _elapsed(self) -> float:
        return time.monotonic() - self.started

    def _fail(self, answer: Answer, expired_request: bool = False) -> SegmindError:
        return http_error(self.model_label, answer.status, answer.body, answer.content_type,
                          request_id=self.request_id, secret=self.settings.api_key,
                          expired_request=expired_request)

    def _unreadable(self, exc: UnreadableOutput) -> SegmindError:
        return SegmindError(self.model_label, f"Could not read the result: {exc}.",
                            "Queue again; if it repeats, the API has changed: report it to the pack.",
                            request_id=self.request_id)

    def _image_unusable(self, exc: UnusableImage, transport: str) -> SegmindError:
        if transport == "v2" and self.request_id:
            advice = ("Queue the same inputs again within an hour: the finished job is collected again, "
                      "not paid again. Report it if it repeats.")
        else:
            advice = ("The image was lost on the way and v1 cannot collect it again: queueing again is billed "
                      "again. The v2 transport can re-collect a damaged result for free.")
        return SegmindError(self.model_label, f"The server's image could not be used: {exc}.", advice,
                            request_id=self.request_id)

    def run(self, body: dict, transport: str = "v2", resume_request_id: str | None = None,
            accept: Callable[[list[bytes]], Any] | None = None) -> JobResult:
        """`accept(images)` checks (and may convert) the images; raising UnusableImage fetches a v2
        result again."""
        try:
            if transport == "v1":
                return self._finish(self._run_v1(body), transport, accept)
            return self._run_v2(body, resume_request_id, accept)
        except UnusableImage as exc:  # v1's only answer, or v2's after its refetches
            raise self._image_unusable(exc, transport) from None
        except Cancelled:
            raise SegmindCancelled(self.model_label, "The run was cancelled.",
                                   CANCEL_ADVICE if self.request_id else "Nothing was submitted.",
                                   request_id=self.request_id) from None
        finally:
            self.transport.close()

    def _finish(self, parsed: ParsedOutput, transport: str, accept) -> JobResult:
        """The images (downloaded where the answer names URLs), checked by `accept`, and the info."""
        count = len(parsed.images) + len(parsed.urls) + len(parsed.audio_urls)
        if count > MAX_IMAGES_PER_ANSWER:  # checked before downloading: each may be 64 MB
            raise SegmindError(self.model_label, f"The result names {count} images; at most "
                               f"{MAX_IMAGES_PER_ANSWER} are accepted.", "This is not a Segmind result: "
                               "report it if it repeats.", request_id=self.request_id)
        # A video's separate sound file comes last: the video's decoder puts it into the MP4.
        images = parsed.images + [self._download(url) for url in parsed.urls + parsed.audio_urls]
        accepted = accept(images) if accept is not None else None
        info = {"model": self.slug, "transport": transport, **parsed.info}
        if self.request_id:
            info.setdefault("request_id", self.request_id)
        # A server that echoes the key in an accounting header must not put it in the info output.
        key = self.settings.api_key
        return JobResult(images, {name: redact(value, key) if isinstance(value, str) else value
                                  for name, value in info.items()}, accepted)

    def _post(self, url: str, body: dict, read_timeout: float, status: str | None = None) -> Answer:
        """A billable POST in the process's turn (each attempt), holding the process's other submissions
        back when the server's limit says; `status` is reported right before each attempt goes out."""
        def turn() -> None:
            self.submissions.wait_turn(self.settings.requests_per_minute, self.stop)
            if status is not None:
                self.callbacks.on_status(status, self._elapsed())
            self.callbacks.on_posting(True)

        try:
            return self.transport.post_json(url, body, read_timeout, turn=turn,
                                            on_rate_limited=self.submissions.hold)
        except SegmindError:
            self.callbacks.on_posting(False)  # no answer, no request id: reported as before, not counted
            raise

    def _run_v1(self, body: dict) -> ParsedOutput:
        # PROCESSING right before the POST: from then on the job may be billed (nodes/remote_job.py).
        answer = self._post(endpoints.sync_url(self.settings, self.slug), body, V1_READ_TIMEOUT_S, "PROCESSING")
        if not answer.ok:
            raise self._fail(answer)
        try:
            return parse_success(answer.body, answer.content_type, answer.headers)
        except UnreadableOutput as exc:
            raise self._unreadable(exc) from None

    def _submit_v2(self, body: dict) -> str:
        answer = self._post(endpoints.submit_url(self.settings, self.slug), body, READ_TIMEOUT_S)
        data = _json(answer)
        if not answer.ok:
            self.callbacks.on_posting(False)
            raise self._fail(answer)
        request_id = data.get("request_id") if isinstance(data, dict) else None
        key = self.settings.api_key
        if not isinstance(request_id, str) or not REQUEST_ID_RE.match(request_id) or (key and key in request_id):
            unusable = " that can be used" if request_id else ""
            raise SegmindError(self.model_label, f"The submission was accepted but the answer has no "
                               f"request id{unusable}.", "Check the account history on Segmind before "
                               "queueing again: this submission may be billed.")
        return request_id

    def _run_v2(self, body: dict, resume_request_id: str | None, accept) -> JobResult:
        self.request_id = resume_request_id or self._submit_v2(body)
        submitted = time.monotonic()
        self.callbacks.on_request_id(self.request_id)
        # An earlier job being collected started at an unknown time: no expectation, and nothing learnt.
        learning = self.durations is not None and not resume_request_id
        schedule = PollSchedule(self.durations.expected_end(self.slug, self.typical_seconds, self.work)
                                if learning else None)
        status_url = endpoints.status_url(self.settings, self.request_id)
        status, metrics_info, refusals = "QUEUED", {}, 0
        running_at, wait = 0.0, schedule.first_wait()
        while True:
            self._wait_for_poll(status, wait)
            polled_at = time.monotonic() - submitted
            answer = self.transport.get(status_url, request_id=self.request_id, retry_rate_limited=False)
            # The job ended after a poll sent while it ran, and before the answer that says it is done.
            answered_at = time.monotonic() - submitted
            if answer.status == 429:  # a refused poll is waited out, never a failed job (the deadline still holds)
                refusals += 1
                wait = rate_limited_wait(answer.headers, refusals)
                continue
            refusals = 0
            data = _json(answer)
            if answer.status == 422 or (isinstance(data, dict) and data.get("status") == TERMINAL_FAILED):
                raise self._fail(answer if answer.status >= 400 else Answer(422, answer.body,
                                                                            answer.content_type, answer.headers))
            if not answer.ok:
                raise self._fail(answer, expired_request=answer.status == 404)
            if isinstance(data, dict) and isinstance(data.get("status"), str):
                status = data["status"]
                metrics_info = info_from_json(data)
            if status == TERMINAL_OK:
                break
            running_at = polled_at
            wait = polled_at + schedule.gap_after(polled_at) - answered_at
        self.callbacks.on_status("DOWNLOADING", self._elapsed())
        result = self._collect_v2_result(metrics_info, accept)
        if learning:
            ended = observed_duration(running_at, answered_at, result.info, schedule.expected)
            self.durations.record(self.slug, ended, self.work)
        return result

    def _wait_for_poll(self, status: str, seconds: float) -> None:
        """Sleeps until the next poll, telling the node the elapsed time at least every POLL_MAX_S."""
        until = time.monotonic() + max(0.0, seconds)
        while True:
            elapsed = self._elapsed()
            self.callbacks.on_status(status, elapsed)
            if elapsed > self.deadline_s:
                raise SegmindError(self.model_label, f"The job did not finish within {self.deadline_s:.0f} s "
                                   f"(last status {status}).", "Queue the same inputs again within an "
                                   "hour to collect the result without paying again.",
                                   request_id=self.request_id)
            left = until - time.monotonic()
            if left <= 0:
                return
            sleep_unless_stopped(min(left, POLL_MAX_S), self.stop)

    def _collect_v2_result(self, metrics_info: dict, accept) -> JobResult:
        """The finished job's result, with its images, fetched again while the answer or an image arrives
        damaged (DAMAGED_RESULT_REFETCHES times at most): a GET of a finished job is not billed."""
        for attempt in range(DAMAGED_RESULT_REFETCHES + 1):
            answer = self.transport.get(endpoints.result_url(self.settings, self.request_id),
                                        request_id=self.request_id)
            if answer.status == 422:
                raise self._fail(answer)
            if not answer.ok:
                raise self._fail(answer, expired_request=answer.status == 404)
            try:
                parsed = parse_success(answer.body, answer.content_type, answer.headers)
                parsed.info = {**metrics_info, **parsed.info}
                return self._finish(parsed, "v2", accept)
            except UnreadableOutput as exc:
                last = attempt == DAMAGED_RESULT_REFETCHES
                if isinstance(exc, UnusableImage) and last:
                    raise
                if not isinstance(exc, DamagedOutput) or last:
                    raise self._unreadable(exc) from None
                self.callbacks.on_refetch(str(exc))
        raise AssertionError("unreachable")

    def _download(self, url: str) -> bytes:
        # Redirects are followed by hand, so that every hop passes the same check as the first URL.
        for _hop in range(MAX_REDIRECTS + 1):
            refusal = check_output_url(url, self.settings)
            if refusal:
                raise SegmindError(self.model_label, f"The result names {refusal}.",
                                   "Not fetched, for safety. Report it if it repeats.", request_id=self.request_id)
            # No key: output URLs are public, and the key must never travel to another host.
            answer = self.transport.get(url, with_key=False, read_timeout=DOWNLOAD_READ_TIMEOUT_S,
                                        request_id=self.request_id)
            location = {k.lower(): v for k, v in answer.headers.items()}.get("location")
            if answer.status in (301, 302, 303, 307, 308) and location:
                try:
                    url = urljoin(url, location)
                except ValueError:
                    url = location  # malformed: refused by check_output_url on the next hop
                continue
            if not answer.ok:
                raise SegmindError(self.model_label, f"Downloading the output file failed with HTTP "
                                   f"{answer.status}.", "Output links live 7 days; queue again if it expired.",
                                   status=answer.status, request_id=self.request_id)
            return answer.body
        raise SegmindError(self.model_label, f"The output file redirected more than {MAX_REDIRECTS} times.",
                           "Queue again; report it if it repeats.", request_id=self.request_id)


def collect_finished(settings: Settings, model_label: str, slug: str, request_id: str,
                     accept: Callable[[list[bytes]], Any] | None = None) -> JobResult:
    """The result of a v2 job submitted earlier: its status and result, GETs only (free; never a new
    submission). A damaged result is fetched again."""
    return JobRunner(settings, model_label, slug, stop=lambda: False).run({}, "v2", resume_request_id=request_id,
                                                                         accept=accept)
