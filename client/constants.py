"""Every time-out, retry and poll figure of the client, in one place."""
import os


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

# Polls of a v2 job: fast at first (a quick job returns quickly), then no faster than the SDK's 1 s.
POLL_FIRST_S = 0.2
POLL_GROWTH_PER_ELAPSED_S = 0.1
POLL_MAX_S = 1.0
# Give up waiting for a job after this long; the request id is reported so the result can be recovered.
JOB_DEADLINE_S = 600.0

# GET retries: capped, jittered exponential backoff.
GET_ATTEMPTS = 5
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 8.0
# A 429'd POST (nothing was created) is retried this often, waiting what the server asks, at most this.
RATE_LIMITED_POST_ATTEMPTS = 4
RATE_LIMIT_WAIT_MAX_S = 60.0

# A v2 result that arrives damaged (an answer cut off without a Content-Length cannot be told from a
# whole one until it is read) is fetched again this often: a GET of a finished job is not billed.
DAMAGED_RESULT_REFETCHES = 2

# Bodies and images larger than this are refused (no legitimate Flux output comes close).
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_IMAGE_PIXELS = 4096 * 4096
# One answer: at most this many images (the pages allow 4 samples), and this many pixels together
# (4 samples of 2048 x 2048, the largest a page allows), so that decoding needs at most ~400 MB.
MAX_IMAGES_PER_ANSWER = 16
MAX_BATCH_PIXELS = 4 * 2048 * 2048

# How often a waiting thread looks at the cancel flag: cancel must land within one second.
CANCEL_CHECK_S = 0.1

# v2 results live 1 hour on the server; a journalled request id older than this is not recovered.
RESULT_RETENTION_S = 3600.0

USER_AGENT = "comfyui-segmind-flux/0.1.0"
