"""Reads the facts a spec is checked against from its Segmind API page (../shared/segmind-api/): the
parameter names in page order with their required flags, the slug in the endpoint URL, and the
typical time and price where the page shows them."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

# Beside the checkout, as in CI; SEGMIND_API_PAGES names them for a clone that sits elsewhere.
PAGES = Path(os.environ.get("SEGMIND_API_PAGES") or Path(__file__).resolve().parents[2] / "shared" / "segmind-api")
PARAMETER = re.compile(r"([a-z_]+?)(required|optional)(?=string|number|integer|boolean|\s|$)")


@dataclass(frozen=True)
class Page:
    params: tuple[tuple[str, bool], ...]  # (name, required) in the page's order
    slug: str
    typical_seconds: float | None
    price_usd: float | None


def read_page(file_name: str, pages: Path = PAGES) -> Page:
    text = (pages / file_name).read_text(encoding="utf-8")
    listed = re.sub(r"\+\d+ more", " ", text.split("Parameters", 1)[1])  # "+17 more" runs into the next name
    params = tuple((name, flag == "required") for name, flag in PARAMETER.findall(listed))
    slug = re.search(r"https://api\.segmind\.com/v1/([\w-]+)", text).group(1)
    head = text[:400]
    seconds = re.search(r"^~([\d.]+)s$", head, re.M)
    price = re.search(r"^~\$([\d.]+)$", head, re.M)
    return Page(params, slug, float(seconds.group(1)) if seconds else None, float(price.group(1)) if price else None)
