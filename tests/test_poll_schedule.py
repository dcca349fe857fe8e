"""The v2 poll schedule (client/poll_schedule.py) and the duration history it is built from
(client/durations.py): where the polls fall for a job that ends early, on time, late and very late,
how many there are against the SDK's 1 s cadence, and a 429 on a poll that the job survives.

The schedule is pure arithmetic: it is checked on its values, without a clock. The runner tests use the
loopback server and assert on request counts and recorded values, not on time.
"""
from __future__ import annotations

import io
import json
import math
import random
import threading
import time

import pytest
from PIL import Image

from conftest import TEST_API_KEY
from example_files import client_settings
from pack_loader import load_pack_module
from segmind_loopback import Fault, expected_color

constants = load_pack_module("client.constants")
durations = load_pack_module("client.durations")
errors = load_pack_module("client.errors")
jobs = load_pack_module("client.jobs")
schedule_module = load_pack_module("client.poll_schedule")
specs = load_pack_module("specs")
transport_module = load_pack_module("client.transport")

PollSchedule, ExpectedEnd = schedule_module.PollSchedule, schedule_module.ExpectedEnd
SLUG = "flux-schnell"
# A model whose last ten jobs took 10-11 s, like the bench's schnell jobs.
TEN_SECOND_HISTORY = [(10.0 + step / 10, 1.0) for step in range(10)]  # (seconds, work at the page's defaults)


def poll_times(schedule, end: float) -> list[float]:
    """Seconds after submission of every poll, up to the first that finds a job ending at `end` done."""
    times = [schedule.first_wait()]
    while times[-1] < end:
        times.append(times[-1] + schedule.gap_after(times[-1]))
    return times


def sdk_polls(end: float) -> int:
    """The SDK polls at once and then every 1.0 s until a poll finds the job done."""
    return math.ceil(end / 1.0) + 1


def ten_second_schedule():
    return PollSchedule(durations.expected_end(TEN_SECOND_HISTORY, 10.0))


# --------------------------------------------------------------------------------------------------
# the schedule's values


def test_the_expected_window_spans_the_history_widened_by_its_spread():
    expected = durations.expected_end(TEN_SECOND_HISTORY, 10.0)
    # the larger of range / (samples - 1) = 0.1 and the few-samples share of the longest, 0.2 x 10.9 / 10
    spread = constants.DURATION_FEW_SAMPLES_SPREAD * 10.9 / 10
    assert spread > 0.9 / 9
    assert expected.from_history
    assert expected.earliest == pytest.approx(10.0 - constants.DURATION_MARGIN_S - spread)
    assert expected.latest == pytest.approx(10.9 + constants.DURATION_MARGIN_S + spread)


@pytest.mark.parametrize("end", [10.0, 10.3, 10.5, 10.8, 10.9])
def test_a_job_ending_on_time_is_caught_within_one_dense_gap(end):
    schedule = ten_second_schedule()
    times = poll_times(schedule, end)
    assert times[-1] - end <= schedule.dense <= 0.15
    # Sparse while the job cannot be done yet: no poll in the first 4 s, at most three before 9.5 s.
    assert times[0] == constants.POLL_EARLY_MAX_S
    assert len([t for t in times if t < 9.5]) <= 3


def test_jobs_inside_the_window_cost_fewer_polls_than_the_sdk_on_average():
    schedule = ten_second_schedule()
    expected = schedule.expected
    width = expected.latest - expected.earliest
    ends = [expected.earliest + width * k / 100 for k in range(101)]
    ours, sdks = [len(poll_times(schedule, end)) for end in ends], [sdk_polls(end) for end in ends]
    assert sum(ours) < sum(sdks)
    # No more than the SDK for a job ending in the first POLL_BUDGET_SHARE of the window.
    share = int(100 * constants.POLL_BUDGET_SHARE)
    assert all(our <= sdk for our, sdk in zip(ours[:share + 1], sdks[:share + 1]))


def test_a_job_ending_early_is_caught_by_the_sparse_polls_before_the_window():
    schedule = ten_second_schedule()
    times = poll_times(schedule, 5.0)
    assert times == [4.0, 8.0]  # the cap on early gaps: a job failing early is seen within 4 s
    early_gaps = [schedule.gap_after(t) for t in (0.0, 4.0, 8.0)]
    assert early_gaps == sorted(early_gaps, reverse=True)  # closing in on the window


def test_a_job_ending_late_is_polled_with_gaps_growing_from_the_dense_one():
    schedule = ten_second_schedule()
    end = schedule.expected.latest + 0.5
    times = poll_times(schedule, end)
    late_gaps = [b - a for a, b in zip(times, times[1:]) if a >= schedule.expected.latest]
    assert late_gaps == sorted(late_gaps) and late_gaps[0] < 0.25
    assert times[-1] - end < 0.5


def test_a_job_ending_very_late_falls_back_to_the_steady_one_second_cadence():
    schedule = ten_second_schedule()
    times = poll_times(schedule, 60.0)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert gaps[-40:] == [pytest.approx(constants.POLL_MAX_S)] * 40
    assert max(gaps[3:]) == pytest.approx(constants.POLL_MAX_S)  # past the early polls: never sparser
    # Beyond the window's dense polls, the SDK's count: one a second.
    window_polls = len([t for t in times if schedule.expected.earliest <= t <= schedule.expected.latest])
    assert len(times) <= sdk_polls(60.0) + window_polls


@pytest.mark.parametrize("page_seconds", sorted({spec.typical_seconds for spec in specs.MODELS}))
def test_a_model_s_first_job_ending_at_its_page_time_is_seen_as_quickly_as_later_ones(page_seconds):
    """No history yet, only the page's time: jobs ending at it + 0-1 s are seen within 0.15 s on average
    and 0.4 s at most, with no more polls than the SDK's (a poll at once, then one a second)."""
    ends = [page_seconds + step / 50 for step in range(51)]
    lags, polls, sdk = [], [], []
    for end in ends:
        times = poll_times(PollSchedule(durations.expected_end([], page_seconds)), end)
        lags.append(times[-1] - end)
        polls.append(len(times))
        sdk.append(sdk_polls(end))
    assert sum(lags) / len(lags) <= 0.15 and max(lags) <= 0.4, (sum(lags) / len(lags), max(lags))
    assert sum(polls) <= sum(sdk), (sum(polls) / len(ends), sum(sdk) / len(ends))


@pytest.mark.parametrize("end", [0.3, 1.0, 2.0, 4.0, 6.5, 9.0])
def test_without_history_a_model_faster_than_its_page_is_still_seen_within_seconds(end):
    cold = PollSchedule(durations.expected_end([], 10.0))
    assert not cold.expected.from_history and cold.expected.earliest > end
    times = poll_times(cold, end)
    bound = min(constants.POLL_COLD_EARLY_MAX_S, max(constants.POLL_COLD_FIRST_S,
                                                     constants.POLL_COLD_GROWTH_PER_ELAPSED_S * end))
    assert times[-1] - end <= bound + 1e-9
    assert len(times) <= sdk_polls(end)


@pytest.mark.parametrize("end", [0.3, 0.8, 1.5, 2.0])
def test_a_job_ending_before_its_short_history_s_window_is_seen_within_seconds_at_the_sdk_s_cost(end):
    """Jobs of 2.5-4 s: one that fails at once is still seen within POLL_COLD_EARLY_MAX_S, and the polls
    before the window are no more than the SDK's (a poll at once, then one a second)."""
    history = [(random.Random(index).uniform(2.5, 4.0), 1.0) for index in range(10)]
    learnt = PollSchedule(durations.expected_end(history, 10.0))
    assert 0.0 < learnt.expected.earliest < constants.POLL_SPARSE_FROM_S
    times = poll_times(learnt, end)
    assert times[-1] - end <= constants.POLL_COLD_EARLY_MAX_S and len(times) <= sdk_polls(end)


request_work = load_pack_module("specs.request_work").request_work


def test_a_request_s_work_is_images_times_steps_times_megapixels_of_the_page_s_defaults():
    schnell, redux = specs.MODELS_BY_NODE_ID["SegmindFluxSchnell"], specs.MODELS_BY_NODE_ID["SegmindFluxReduxDev"]
    page = {"width": 1024, "height": 1024, "steps": 4, "samples": 1}
    assert request_work(schnell, page) == 1.0
    assert request_work(schnell, {**page, "width": 512, "height": 512}) == 0.25
    assert request_work(schnell, {**page, "samples": 3, "steps": 8}) == 6.0
    assert request_work(redux, {"megapixels": "0.25", "num_inference_steps": 28, "num_outputs": 2}) == 0.5
    assert request_work(schnell, {**page, "width": "not a size"}) == 1.0  # unknown: the page's work
    # Only the model's own step field counts: PuLID's is num_steps, so a stray "steps" is no step count of it.
    pulid = specs.MODELS_BY_NODE_ID["SegmindFluxPuLID"]
    size = {"width": 896, "height": 1152}
    assert request_work(pulid, {**size, "num_steps": 20, "steps": 4}) == 1.0
    assert request_work(pulid, {**size, "num_steps": 10}) == 0.5
    # A video: its seconds (auto: the longest, 20), whatever the resolution.
    t2v = specs.MODELS_BY_NODE_ID["SegmindFlux3TextToVideo"]
    assert [request_work(t2v, {"duration": d, "resolution": "fhd"}) for d in (5, 10, "auto")] == [1.0, 2.0, 4.0]


def alternating_history(jobs: int = 10) -> list:
    """Schnell jobs alternating 512x512 (work 0.25, 3.4-4.4 s) and 1024x1024 (work 1, 7.7-8.7 s)."""
    spread = [(0.37 * n) % 1.0 for n in range(jobs)]
    return [(3.4 + spread[n], 0.25) if n % 2 else (7.7 + spread[n], 1.0) for n in range(jobs)]


def test_jobs_alternating_two_sizes_each_expect_the_end_of_their_own_size():
    """Schnell at 512x512 and 1024x1024 in turn (bench/varying_work_sim.py): each job's window is its own
    size's, its result seen within 0.15 s on average and 0.4 s at most, the series within the SDK's polls."""
    lags, polls, sdk = [], 0, 0
    for work, low in [(0.25, 3.4), (1.0, 7.7)]:
        expected = durations.expected_end(alternating_history(), 7.7, work)
        assert low - 0.6 <= expected.earliest <= low + 0.2 and low + 0.8 <= expected.latest <= low + 1.8
        ends = [low + step / 20 for step in range(21)]
        times = [poll_times(PollSchedule(expected), end) for end in ends]
        lags += [t[-1] - end for t, end in zip(times, ends)]
        polls, sdk = polls + sum(map(len, times)), sdk + sum(map(sdk_polls, ends))
    assert sum(lags) / len(lags) <= 0.15 and max(lags) <= 0.4
    assert polls <= sdk, (polls, sdk)


@pytest.mark.parametrize("low", [2.45, 3.4, 7.7], ids=["fast-flux-schnell", "schnell-512", "schnell-1024"])
def test_jobs_of_one_short_length_are_seen_soon_within_the_sdk_s_polls(low):
    """Jobs of a few seconds, each ending anywhere in a second (bench/varying_work_sim.py): the SDK makes only
    4-10 polls, so a poll spent before the jobs can end shows. Within 0.15 s on average, 0.4 s at most."""
    history = [(low + (0.37 * n) % 1.0, 1.0) for n in range(10)]
    schedule = PollSchedule(durations.expected_end(history, 7.7))
    ends = [low + step / 40 for step in range(41)]
    times = [poll_times(schedule, end) for end in ends]
    lags = [t[-1] - end for t, end in zip(times, ends)]
    assert sum(lags) / len(lags) <= 0.15 and max(lags) <= 0.4
    assert sum(map(len, times)) <= sum(map(sdk_polls, ends)), (sum(map(len, times)), sum(map(sdk_polls, ends)))


def test_one_request_whose_length_varies_eightfold_is_polled_no_more_than_the_sdk_polls():
    """The last ten jobs of one request took 0.5-4 s: the window spans all of it, and polls across it at the
    window's own gap (they went every 0.2 s, 2.8x the SDK's requests). At the SDK's count no schedule sees
    such jobs within 0.15 s: the lag is the SDK's, within 0.05 s, and never over its 1 s."""
    history = [(0.5 + 3.5 * ((0.37 * n) % 1.0), 1.0) for n in range(10)]
    schedule = PollSchedule(durations.expected_end(history, 10.0))
    ends = [0.5 + 3.5 * step / 80 for step in range(81)]
    times = [poll_times(schedule, end) for end in ends]
    lags = [t[-1] - end for t, end in zip(times, ends)]
    sdk_lags = [math.ceil(end) - end for end in ends]
    assert sum(map(len, times)) <= sum(map(sdk_polls, ends)), (sum(map(len, times)), sum(map(sdk_polls, ends)))
    assert sum(lags) / len(lags) <= sum(sdk_lags) / len(sdk_lags) + 0.05 and max(lags) <= constants.POLL_MAX_S


def test_a_job_of_a_new_size_is_expected_along_the_line_of_the_others():
    expected = durations.expected_end(alternating_history(), 7.7, 0.5)  # 768x768-ish: between the two
    assert 3.6 < expected.earliest < (expected.earliest + expected.latest) / 2 < 7.7
    assert expected.from_history
    only_one_size = [(7.8, 1.0)] * 4
    scaled = durations.expected_end(only_one_size, 7.7, 0.25)  # no line yet: between the scaled and the known
    assert scaled.earliest <= 7.8 * 0.25 and scaled.latest >= 7.8 and not scaled.from_history


def test_a_first_job_away_from_the_page_s_work_spans_the_page_s_time_and_the_scaled_one():
    bigger = durations.expected_end([], 10.0, 4.0)
    assert bigger.earliest == pytest.approx(10.0 * (1 - constants.DURATION_PAGE_EARLY))
    assert bigger.latest == pytest.approx(40.0 * (1 + constants.DURATION_PAGE_LATE))
    smaller = durations.expected_end([], 10.0, 0.25)
    assert smaller.earliest == pytest.approx(2.5 * (1 - constants.DURATION_PAGE_EARLY))
    assert smaller.latest == pytest.approx(10.0 * (1 + constants.DURATION_PAGE_LATE))


def test_a_narrow_short_history_does_not_make_an_earlier_short_job_wait():
    """Two jobs of 3.4 and 3.6 s say little: a 1 s job is still caught by the steady polls."""
    learnt = PollSchedule(durations.expected_end([(3.4, 1.0), (3.6, 1.0)], 10.0))
    assert learnt.expected.earliest > 1.0
    times = poll_times(learnt, 1.0)
    assert times[-1] - 1.0 <= constants.POLL_FIRST_S


def test_without_an_expectation_the_first_poll_is_at_once_then_the_steady_schedule():
    schedule = PollSchedule(None)
    assert schedule.first_wait() == 0.0
    assert [schedule.gap_after(t) for t in (0.0, 2.0, 5.0, 30.0)] == [0.2, 0.2, 0.5, 1.0]


def test_a_429_waits_what_the_server_asks_capped_else_a_growing_backoff(monkeypatch):
    assert schedule_module.rate_limited_wait({"Retry-After": "3"}, 1) == 3.0
    assert schedule_module.rate_limited_wait({"retry-after": "9999"}, 1) == constants.RATE_LIMIT_WAIT_MAX_S
    asked = []
    monkeypatch.setattr(schedule_module, "backoff_seconds", lambda attempt: asked.append(attempt) or 0.5)
    assert [schedule_module.rate_limited_wait({}, n) for n in (1, 2, 3)] == [0.5, 0.5, 0.5]
    assert asked == [2, 3, 4]


# --------------------------------------------------------------------------------------------------
# the duration history


def test_observed_duration_takes_the_servers_figure_only_between_the_two_polls():
    assert durations.observed_duration(9.8, 10.1, {"queue_time": 0.5, "inference_time": 9.4}) == pytest.approx(9.9)
    assert durations.observed_duration(9.8, 10.1, {"total_time": 10.0, "inference_time": 3}) == 10.0
    # The loopback's fixed 1.35 s (or any figure outside the two polls) says nothing: the middle is kept.
    assert durations.observed_duration(9.8, 10.2, {"queue_time": 0.1, "inference_time": 1.25}) == pytest.approx(10.0)
    assert durations.observed_duration(0.0, 4.0, {"inference_time": "fast"}) == 2.0


def test_a_job_found_done_at_the_window_s_first_poll_ended_just_before_it():
    """Polls at 2.0 s (running) and at the window's start, 3.6 s (done): the job ended in the window's part
    of that gap, not at its middle (2.8 s would widen the next windows by a second, each poll of it spent)."""
    window = ExpectedEnd(3.6, 4.6)
    assert durations.observed_duration(2.0, 3.6, {}, window) == 3.6
    # The loopback's fixed 1.35 s lies between the polls but not where the job could have ended.
    assert durations.observed_duration(1.0, 3.6, {"queue_time": 0.1, "inference_time": 1.25}, window) == 3.6
    assert durations.observed_duration(3.8, 4.0, {}, window) == pytest.approx(3.9)  # in the window: as before
    assert durations.observed_duration(4.8, 5.2, {}, window) == pytest.approx(5.0)  # after it: the middle
    assert durations.observed_duration(4.4, 5.0, {"total_time": 4.55}, window) == 4.55
    # A model grown faster is still learnt: each job found at the window's start moves the next window earlier.
    history = [(3.6 + n / 10, 1.0) for n in range(10)]
    starts = []
    for _ in range(6):
        expected = durations.expected_end(history, 7.7)
        starts.append(expected.earliest)
        history = history[1:] + [(durations.observed_duration(1.0, expected.earliest, {}, expected), 1.0)]
    assert all(later < earlier - 0.1 for earlier, later in zip(starts, starts[1:])), starts


def test_history_survives_a_restart_keeps_the_last_jobs_and_drops_nonsense(tmp_path):
    first = durations.DurationHistory(tmp_path / "durations.json")
    for seconds in [float("nan"), -1.0, 1e9, 0.0] + [10.0 + n for n in range(12)]:
        first.record(SLUG, seconds)
    restarted = durations.DurationHistory(tmp_path / "durations.json")
    assert restarted.samples(SLUG) == [(10.0 + n, 1.0) for n in range(2, 12)]
    assert len(restarted.samples(SLUG)) == constants.DURATION_HISTORY_SIZE
    assert restarted.samples("flux-dev") == []


def test_a_history_written_by_another_process_is_merged_not_overwritten(tmp_path):
    path = tmp_path / "durations.json"
    ours, theirs = durations.DurationHistory(path), durations.DurationHistory(path)
    ours.record(SLUG, 10.0)
    theirs.record(SLUG, 11.0)
    ours.record("flux-dev", 20.0)
    assert json.loads(path.read_text())["models"] == {SLUG: [[10.0, 1.0], [11.0, 1.0]], "flux-dev": [[20.0, 1.0]]}


@pytest.mark.parametrize("damage", ["not json", '{"models": [1, 2]}', '{"models": {"flux-schnell": ["x", 3.5]}}'])
def test_a_damaged_history_file_is_ignored_or_cleaned(tmp_path, damage):
    path = tmp_path / "durations.json"
    path.write_text(damage)
    history = durations.DurationHistory(path)
    assert history.samples(SLUG) == ([(3.5, 1.0)] if "3.5" in damage else [])  # a bare number: an older file
    history.record(SLUG, 10.0)
    assert durations.DurationHistory(path).samples(SLUG)[-1] == (10.0, 1.0)


def test_an_unwritable_history_never_fails_and_is_kept_in_memory(tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    history = durations.DurationHistory(blocker / "durations.json")  # its folder is a file
    history.record(SLUG, 10.0)
    history.record(SLUG, 10.5)
    assert history.samples(SLUG) == [(10.0, 1.0), (10.5, 1.0)]
    warnings = [r for r in caplog.records if "could not be written" in r.getMessage()]
    assert len(warnings) == 1


def test_one_history_per_cache_folder_in_a_process(tmp_path):
    histories = durations.DurationHistories()  # the runtime holds one
    assert histories.beside(tmp_path) is histories.beside(tmp_path)
    assert histories.beside(tmp_path).path == tmp_path / durations.FILE_NAME
    assert histories.beside(None).path is None
    assert durations.DurationHistories().beside(tmp_path) is not histories.beside(tmp_path)  # a fresh runtime


# --------------------------------------------------------------------------------------------------
# the runner against the loopback server


def run_job(segmind, history=None, body=None, stop=lambda: False, resume=None, work=1.0):
    settings = client_settings(segmind.base_url, TEST_API_KEY)
    runner = jobs.JobRunner(settings, "Segmind Flux.1 Schnell (flux-schnell)", SLUG, stop, durations=history,
                            typical_seconds=10.0, work=work)
    return runner.run(body or {"prompt": "a fox", "seed": 5, "steps": 4, "width": 16, "height": 16}, "v2",
                      resume_request_id=resume)


def status_polls(segmind) -> list:
    return [r for r in segmind.received if r.method == "GET" and r.path.endswith("/status")]


def test_a_job_that_ends_where_its_history_says_is_polled_sparsely_then_densely_and_teaches_the_history(segmind):
    history = durations.DurationHistory(None)
    for _ in range(5):
        history.record(SLUG, 5.5)
    expected = history.expected_end(SLUG, 10.0)
    assert expected.earliest >= constants.POLL_SPARSE_FROM_S
    segmind.job_seconds = 5.5
    result = run_job(segmind, history)
    assert len(result.images) == 1
    polls = status_polls(segmind)
    # The steady schedule would poll about 19 times by 5.5 s (at once, every 0.2 s, then slower);
    # this one polls at 4 s, closes in on the window and polls it densely.
    assert 3 <= len(polls) <= 8
    submitted = segmind.posts()[0].at
    assert polls[0].at - submitted >= constants.POLL_EARLY_MAX_S - 0.1
    learnt = history.samples(SLUG)
    assert len(learnt) == 6 and 5.4 <= learnt[-1][0] <= 5.8 and learnt[-1][1] == 1.0
    segmind.job_seconds = 1.5
    run_job(segmind, history, work=0.25)  # a smaller job is learnt with its own work
    assert history.samples(SLUG)[-1][1] == 0.25 and 1.0 <= history.samples(SLUG)[-1][0] <= 2.0


def test_a_429_on_polls_is_waited_out_and_the_job_completes(segmind):
    refusals = transport_module.GET_ATTEMPTS + 2  # more than the transport's own retries would survive
    segmind.inject(Fault("GET", "/status", status=429, body={"error": "Too many requests"},
                     headers={"Retry-After": "0.05"}, times=refusals))
    body = {"prompt": "a fox", "seed": 9, "steps": 4, "width": 16, "height": 16}
    history = durations.DurationHistory(None)
    result = run_job(segmind, history, body)
    with Image.open(io.BytesIO(result.images[0])) as image:
        assert image.convert("RGB").getpixel((0, 0)) == expected_color(body)
    assert len(status_polls(segmind)) >= refusals + 1
    assert len(segmind.posts()) == 1 and segmind.billable_submissions == 1
    assert len(history.samples(SLUG)) == 1


def test_a_429_without_a_wait_header_backs_off_more_each_time_in_a_row(segmind, monkeypatch):
    asked = []
    monkeypatch.setattr(schedule_module, "backoff_seconds", lambda attempt: asked.append(attempt) or 0.01)
    segmind.inject(Fault("GET", "/status", status=429, body={"error": "slow down"}, times=3))
    result = run_job(segmind)
    assert len(result.images) == 1
    assert asked == [2, 3, 4]


def test_a_collected_earlier_job_is_polled_at_once_and_teaches_nothing(segmind):
    history = durations.DurationHistory(None)
    history.record(SLUG, 30.0)
    segmind.job_seconds = 0.05
    first = run_job(segmind)
    segmind.received.clear()
    result = run_job(segmind, history, resume=first.info["request_id"])
    assert len(result.images) == 1
    assert len(status_polls(segmind)) == 1 and segmind.posts() == []
    assert history.samples(SLUG) == [(30.0, 1.0)]


def test_a_failed_job_teaches_nothing(segmind):
    history = durations.DurationHistory(None)
    segmind.job_seconds = 0.05
    with pytest.raises(errors.SegmindError):
        run_job(segmind, history, {"prompt": "FAIL", "seed": 1, "steps": 4, "width": 16, "height": 16})
    assert history.samples(SLUG) == []


def test_a_cancel_during_a_long_sparse_gap_still_lands_within_a_second(segmind):
    history = durations.DurationHistory(None)
    for _ in range(3):
        history.record(SLUG, 30.0)
    segmind.job_seconds = 30.0
    stop, outcome = threading.Event(), {}

    def work():
        try:
            run_job(segmind, history, stop=stop.is_set)
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            outcome["error"] = exc
        outcome["ended"] = time.monotonic()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    segmind.wait_for_submission()
    stop.set()
    flagged = time.monotonic()
    thread.join(3)
    assert isinstance(outcome.get("error"), errors.SegmindCancelled)
    assert outcome["ended"] - flagged < 1.0
    assert status_polls(segmind) == []  # the first poll was still 4 s away
