"""The inputs every remote node has besides its page's parameters: how the job is sent, whether an earlier
result is reused, and what a failed job gives. They come after every page parameter and never reuse a
page name (flux-pro has `interval`)."""
from .params import BoolParam, EnumParam

TRANSPORTS = ("v2", "v1")
ON_FAILURE_MODES = ("error", "placeholder")

PACK_OPTIONS = (
    EnumParam("transport", (
        "v2: submit the job and poll for it (recommended; a cancelled or timed-out job can be collected "
        "later). v1: one synchronous request (in maintenance at Segmind)."), default="v2", allowed=TRANSPORTS),
    BoolParam("force_refresh", (
        "Call the API even when these exact inputs were already generated (and paid for). Off: the "
        "earlier result is reused from the cache.")),
    EnumParam("on_failure", (
        "error: a job the server refuses (e.g. its safety filter) or that fails for good stops the run. "
        "placeholder: it yields a neutral grey image of the requested size and count instead, info says "
        "\"failed\": true and why, and the rest of the graph goes on. A cancel always stops the run."),
        default="error", allowed=ON_FAILURE_MODES),
)
