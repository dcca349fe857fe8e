"""Segmind's own index of its models (www.segmind.com/llms.txt): one Markdown table per modality, a row per
model with its title, slug, description, modality, average cost and average latency. The pack keeps the
Flux-family rows as its catalogue: every model it can run, typed spec or not. A copy ships with the pack
(segmind_index.json); a refresh, only when the user asks, replaces it in the state folder.

Plain Python: no comfy, no torch, no network (client/model_index.py fetches and keeps the copies)."""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

INDEX_URL = "https://www.segmind.com/llms.txt"
BUNDLED_INDEX = Path(__file__).with_name("segmind_index.json")
# The columns a table row must have, by its header's names (the order Segmind writes them may change).
COLUMNS = {"model": "title", "slug": "slug", "description": "description", "modality": "modality",
           "avg cost": "avg_cost", "avg latency": "avg_latency"}
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
FLUX = re.compile(r"flux", re.I)
# A cost move smaller than this share of the old average is noise of Segmind's averaging, not news.
COST_MOVE_SHARE = 0.05


class UnreadableIndex(ValueError):
    """The text is not an index the pack can read (the copy it has stands)."""


@dataclass(frozen=True)
class IndexedModel:
    slug: str
    title: str
    modality: str
    avg_cost_usd: float | None  # Segmind's average over its users' jobs, not a price
    avg_latency_s: float | None  # None: the index shows "-" (a model too new to have an average)
    description: str


@dataclass(frozen=True)
class ModelIndex:
    date: str  # the day of the copy: the stored copy's, or the day a refresh fetched it
    source: str
    models: tuple[IndexedModel, ...]

    def by_slug(self) -> dict[str, IndexedModel]:
        return {model.slug: model for model in self.models}

    def to_json(self) -> str:
        return json.dumps({"date": self.date, "source": self.source,
                           "models": [asdict(model) for model in self.models]}, indent=1, ensure_ascii=False)


def _number(cell: str, unit: str) -> float | None:
    text = cell.strip().removeprefix("$").removesuffix(unit).strip()
    try:
        value = float(text)
    except ValueError:
        return None  # "-" or words: no average shown
    return value if value >= 0 else None


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def parse_index(text: str) -> list[IndexedModel]:
    """Every model row of every table whose header has the index's columns, in the order they come."""
    models, columns = [], None
    for line in text.splitlines():
        if not line.lstrip().startswith("|"):
            columns = None  # a table ends at the first line that is not a row
            continue
        cells = _cells(line)
        if columns is None:
            names = [cell.lower() for cell in cells]
            columns = {COLUMNS[name]: at for at, name in enumerate(names) if name in COLUMNS}
            if len(columns) < len(COLUMNS):
                columns = {}  # a table of something else: its rows are skipped
            continue
        if not columns or set(line.strip()) <= set("|-: "):
            continue
        if len(cells) <= max(columns.values()) or not SLUG.match(cells[columns["slug"]]):
            continue
        field = {name: cells[at] for name, at in columns.items()}
        models.append(IndexedModel(field["slug"], field["title"], field["modality"],
                                   _number(field["avg_cost"], ""), _number(field["avg_latency"], "s"),
                                   field["description"]))
    return models


def flux_family(models: list[IndexedModel]) -> tuple[IndexedModel, ...]:
    """The rows whose slug, title or description names Flux, each slug once, sorted by slug."""
    family = {model.slug: model for model in models
              if FLUX.search(model.slug) or FLUX.search(model.title) or FLUX.search(model.description)}
    return tuple(sorted(family.values(), key=lambda model: model.slug.lower()))


def index_from_text(text: str, date: str, source: str = INDEX_URL) -> ModelIndex:
    models = flux_family(parse_index(text))
    if not models:
        raise UnreadableIndex("it lists no Flux model (not Segmind's index, or a format the pack cannot read)")
    return ModelIndex(date, source, models)


def index_from_json(text: str) -> ModelIndex:
    try:
        data = json.loads(text)
        models = tuple(IndexedModel(**row) for row in data["models"])
        return ModelIndex(str(data["date"]), str(data["source"]), models)
    except (ValueError, KeyError, TypeError) as exc:
        raise UnreadableIndex(f"the saved copy is damaged ({type(exc).__name__})") from None


def bundled_index() -> ModelIndex:
    return index_from_json(BUNDLED_INDEX.read_text(encoding="utf-8"))


def changes(old: ModelIndex, new: ModelIndex) -> dict:
    """What a refresh changed: models new to the index, models gone from it, average costs that moved."""
    before, after = old.by_slug(), new.by_slug()
    moved = []
    for slug in sorted(set(before) & set(after)):
        was, now = before[slug].avg_cost_usd, after[slug].avg_cost_usd
        if was and now is not None and abs(now - was) > COST_MOVE_SHARE * was:
            moved.append({"slug": slug, "was_usd": was, "now_usd": now})
    return {"new": sorted(set(after) - set(before)), "gone": sorted(set(before) - set(after)), "cost_moves": moved}
