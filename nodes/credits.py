"""SegmindCredits: the account's balance, free of charge; it doubles as "test my key"."""
from __future__ import annotations

import asyncio
from pathlib import Path

from ..money.balance import ACCOUNT_LABEL, read_balance
from ..client.config import load_settings
from ..client.errors import missing_key_error
from ..money.pricing import format_usd
from ..money.spend_ledger import SpendLedger
from .user_data import data_dir


def _spent_today(root: Path) -> float | None:
    try:
        return SpendLedger(root).spent_today()
    except (OSError, ValueError):
        return None  # the balance is what was asked for; the ledger is a bonus


class SegmindCredits:
    DESCRIPTION = ("Reads the Segmind balance of the account of SEGMIND_API_KEY (free: never billed), and what "
                   "the pack counted as spent today on this machine. With no key or a wrong key it fails "
                   "with the same error as the model nodes: use it to test a key.")
    CATEGORY = "segmind/flux/remote"
    RETURN_TYPES = ("FLOAT", "FLOAT", "STRING")
    RETURN_NAMES = ("credits", "free_credits", "text")
    OUTPUT_TOOLTIPS = ("The paid balance in US dollars.", "The free credits in US dollars.",
                       "The balance, the free credits and today's counted spend, as one line.")
    FUNCTION = "read"
    OUTPUT_NODE = True  # runs (and shows the balance) without anything connected

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {}}

    @classmethod
    def IS_CHANGED(cls, **_):
        return float("nan")  # the balance changes outside ComfyUI: read it on every run

    async def read(self):
        settings = load_settings()
        if not settings.api_key:
            raise missing_key_error(ACCOUNT_LABEL)
        balance = await asyncio.to_thread(read_balance, settings)
        spent = await asyncio.to_thread(_spent_today, data_dir(settings))
        text = (f"Segmind balance: {format_usd(balance.credits)} credits + {format_usd(balance.free_credits)} "
                f"free credits" + (f"; spent today (counted here): {format_usd(spent)}" if spent is not None else ""))
        # The editor shows the short form on the node (web/money_badges.js).
        short = f"balance {format_usd(balance.credits)} + {format_usd(balance.free_credits)} free"
        return {"ui": {"text": [text], "segmind_balance": [{"text": short}]},
                "result": (balance.credits, balance.free_credits, text)}


CREDITS_NODES = {"SegmindCredits": SegmindCredits}
CREDITS_DISPLAY_NAMES = {"SegmindCredits": "Segmind Credits (balance, free)"}
