"""Every time-out, retry and poll figure of the client, in one place."""
import os
import re
from pathlib import Path


def _read_timeout_cap() -> float:
    try:
        return max(0.1, float(os.environ.get("SEGMIND_READ_TIMEOUT_S") or "inf"))
    except ValueError:
        return float("inf")


# For tests against a stand-in server only: SEGMIND_READ_TIMEOUT_S caps every read time-out below.
_READ_TIMEOUT_CAP_S = _read_timeout_cap()

CONNECT_TIMEOUT_S = 10.0
# Reads of small JSON answers (status, result, submit).
READ_TIMEOUT_S = min(30.0, _READ_TIMEOUT_CAP_S)
# A v1 call holds the connection for the whole generation (pages: 10-36 s); the SDK's 30 s is too short.
V1_READ_TIMEOUT_S = min(180.0, _READ_TIMEOUT_CAP_S)
DOWNLOAD_READ_TIMEOUT_S = min(60.0, _READ_TIMEOUT_CAP_S)

# Polls of a v2 job with no expected end: fast at first (a quick job returns quickly), then no faster
# than the SDK's 1 s. POLL_MAX_S is also the steady cadence a job falls back to once it runs long.
POLL_FIRST_S = 0.2
POLL_GROWTH_PER_ELAPSED_S = 0.1
POLL_MAX_S = 1.0
# With an expected end (client/poll_schedule.py): at least this many polls across the expected window,
# never closer than POLL_DENSE_MIN_S apart (each poll is a request; the lag is about half a gap). Few: the
# SDK makes only 4-5 polls for a job of 2-4 s, and a window from the page's time, or from jobs whose length
# varies (one request taking 0.5-4 s), is wide (bench/varying_work_sim.py, tests/test_poll_schedule.py).
POLL_WINDOW_POLLS = 4
POLL_DENSE_MIN_S = 0.1
# A job ending this far into the window costs as many polls as the SDK's 1 s cadence would make.
POLL_BUDGET_SHARE = 0.6
# Before the window each gap covers this share of the way to it, but is at most POLL_EARLY_MAX_S,
# so that a job failing early (safety filter) is still reported within seconds.
POLL_APPROACH = 0.75
POLL_EARLY_MAX_S = 4.0
# A window that opens sooner than this is approached as a page-only window is (POLL_COLD_*): a job that
# ends before its history says is still seen within seconds, at no more than the SDK's 1 s cadence.
POLL_SPARSE_FROM_S = 5.0
# When the window comes only from the page's typical time (a model's first job), the first poll is at
# POLL_COLD_FIRST_S (the SDK's too), and early gaps are at most POLL_COLD_GROWTH_PER_ELAPSED_S of the
# time elapsed and POLL_COLD_EARLY_MAX_S: a model faster than its page is still seen within seconds
# (bench/first_job_sim.py weighs these against the polls and the lag at the page's time).
POLL_COLD_FIRST_S = 1.0
POLL_COLD_GROWTH_PER_ELAPSED_S = 0.5
POLL_COLD_EARLY_MAX_S = 2.5
# Past the window the gap grows by this many seconds per second late, up to POLL_MAX_S.
POLL_LATE_GROWTH = 0.5

# The duration history (client/durations.py): the last this many finished jobs of each model.
DURATION_HISTORY_SIZE = 10
# The window spans the history's range widened on each side by this plus the larger of the range /
# (samples - 1) and DURATION_FEW_SAMPLES_SPREAD x the longest / samples. With no history, from
# DURATION_PAGE_EARLY before the page's typical time to DURATION_PAGE_LATE after it (shares of it): the
# pages' times are measured, and a job off them teaches the history for the next one. The margin is small
# (every poll in it is spent before the jobs seen could end); the few-samples share covers a young history.
DURATION_MARGIN_S = 0.1
DURATION_FEW_SAMPLES_SPREAD = 0.2
DURATION_PAGE_EARLY = 0.03
DURATION_PAGE_LATE = 0.12
# ... and at least this wide: a job of a few seconds varies by a second whatever its page says (queue,
# cold start), and a 0.4 s window would be polled densely for nothing (Fast Flux Schnell: 2.45 s).
DURATION_PAGE_MIN_WIDTH_S = 1.0

# Give up waiting for a job after this long; the request id is reported so the result can be recovered.
JOB_DEADLINE_S = 600.0

# GET retries: capped, jittered exponential backoff.
GET_ATTEMPTS = 5
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 8.0
# A POST that never reached the server, or a 429 that names no wait, is tried this often in all (nothing
# was created). A 429 naming a wait of at most RATE_LIMIT_WAIT_MAX_S (a tier's per-minute limit) is
# waited out RATE_LIMITED_POST_WAITS times: a batch on a free-tier key queues behind the limit, no row fails.
RATE_LIMITED_POST_ATTEMPTS = 4
RATE_LIMITED_POST_WAITS = 12
RATE_LIMIT_WAIT_MAX_S = 60.0

# A v2 result that arrives damaged (an answer cut off without a Content-Length cannot be told from a
# whole one until it is read) is fetched again this often: a GET of a finished job is not billed.
DAMAGED_RESULT_REFETCHES = 2

# Bodies and images larger than this are refused (no legitimate Flux output comes close).
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
# A video answer (Content-Type video/*): a 20 s Full-HD clip with its sound is tens of MB.
MAX_VIDEO_RESPONSE_BYTES = 512 * 1024 * 1024
MAX_IMAGE_PIXELS = 4096 * 4096
# One answer: at most this many images (the pages allow 4 samples), and this many pixels together
# (4 samples of 2048 x 2048, the largest a page allows), so that decoding needs at most ~400 MB.
MAX_IMAGES_PER_ANSWER = 16
MAX_BATCH_PIXELS = 4 * 2048 * 2048

# How often a waiting thread looks at the cancel flag: cancel must land within one second.
CANCEL_CHECK_S = 0.1

# v2 results live 1 hour on the server; a journalled request id older than this is not recovered.
RESULT_RETENTION_S = 3600.0


def _pack_version() -> str:
    """[project].version of the pack's pyproject.toml: the one place the version is written."""
    try:
        text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return "unknown"
    found = re.search(r'^version\s*=\s*"([^"]+)"', text, re.MULTILINE)  # the first one is [project]'s
    return found.group(1) if found else "unknown"


USER_AGENT = f"comfyui-segmind-flux/{_pack_version()}"

# Request ids go into URL paths: a plain token only (Segmind's are UUIDs), never "..", "/", "?" or "#".
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
