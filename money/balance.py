"""The account's balance, read from Segmind's free credits endpoint (client/endpoints.py): never billed."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

from ..client.config import Settings
from ..client.endpoints import balance_url
from ..client.errors import SegmindError, http_error
from ..client.transport import Transport

ACCOUNT_LABEL = "Segmind account"
TOP_UP_URL = "https://cloud.segmind.com/console/billing"


@dataclass(frozen=True)
class Balance:
    credits: float
    free_credits: float

    @property
    def usable(self) -> float:
        return self.credits + self.free_credits


def _usd(data: dict, *names: str) -> float | None:
    for name in names:
        value = data.get(name)
        try:
            number = float(value) if value is not None and not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is not None and math.isfinite(number):
            return number
    return None


def read_balance(settings: Settings, stop=lambda: False) -> Balance:
    """The balance in US dollars; SegmindError (worded like every other) when it cannot be read."""
    transport = Transport(settings, ACCOUNT_LABEL, stop)
    try:
        answer = transport.get(balance_url(settings))
    finally:
        transport.close()
    if not answer.ok:
        raise http_error(ACCOUNT_LABEL, answer.status, answer.body, answer.content_type, secret=settings.api_key)
    try:
        data = json.loads(answer.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        data = None
    credits = _usd(data, "credits", "balance") if isinstance(data, dict) else None
    if credits is None:
        raise SegmindError(ACCOUNT_LABEL, "The balance answer holds no number of credits.",
                           "Check the balance at " + TOP_UP_URL + "; report it if it repeats.")
    return Balance(credits, _usd(data, "free-credits", "free_credits") or 0.0)
