"""Reads the facts a spec is checked against from the fact sheet of its Segmind page, transcribed into
tests/page_sheets/<slug>.md (each sheet names the stored copy it came from, and when): the slug of the
endpoint, the parameter table in page order (name, required flag, default and allowed values where the
stored copy shows them; None past the point where it is cut), the time and price shown, and the page's
example request body. Nothing outside the repository is read."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SHEETS = Path(__file__).resolve().parent / "page_sheets"
NOT_SHOWN = object()


@dataclass(frozen=True)
class SheetParam:
    name: str
    required: bool | None  # None: past the cut (known from the example only)
    default: Any  # NOT_SHOWN where the stored copy does not show it
    allowed: tuple  # the values shown (a cut list shows its first ones)


@dataclass(frozen=True)
class Sheet:
    slug: str
    params: tuple[SheetParam, ...]
    typical_seconds: float | None
    price_usd: float | None
    example: dict


def _backticked(cell: str) -> list:
    values = []
    for raw in re.findall(r"`([^`]+)`", cell):
        try:
            values.append(json.loads(raw))
        except ValueError:
            continue
    return values


def sheet_path(slug: str) -> Path:
    return SHEETS / f"{slug}.md"


def read_sheet(slug: str) -> Sheet:
    text = sheet_path(slug).read_text(encoding="utf-8")
    table = text.split("## Parameters", 1)[1].split("\n## ", 1)[0]
    params = []
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("| ") or cells[0] in ("name", "") or set(cells[0]) <= set("-: "):
            continue
        name = cells[0].strip("*` ")
        if name.startswith("("):
            continue  # the row that marks where the stored copy is cut
        flag = cells[1].lower()
        required = True if "required" in flag else False if "optional" in flag else None
        defaults = _backticked(cells[3]) if required is not None else []
        params.append(SheetParam(name, required, defaults[0] if defaults else NOT_SHOWN,
                                 tuple(_backticked(cells[4])) if required is not None else ()))
    seconds = re.search(r"`~([\d.]+)s`", text)
    price = re.search(r"`\$([\d.]+) per generation`|`~\$([\d.]+)`", text)
    example = json.loads(re.search(r"```json\n(.*?)\n```", text, re.S).group(1))
    endpoint = re.search(r"https://api\.segmind\.com/v1/([\w.-]+)", text).group(1)
    return Sheet(endpoint, tuple(params), float(seconds.group(1)) if seconds else None,
                 float(next(group for group in price.groups() if group)) if price else None, example)
