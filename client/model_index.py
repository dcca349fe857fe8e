"""The catalogue in use: Segmind's index as the user last refreshed it (kept in the state folder of the API
server, so a stand-in's index never replaces the real one), else the copy that ships with the pack. A
refresh happens only when the user asks; offline, or with an index it cannot read, the copy it has stands.
A model that leaves the index is remembered as retired, so that saved workflows naming it keep loading."""
from __future__ import annotations

import datetime
from pathlib import Path

from ..specs.segmind_index import ModelIndex, UnreadableIndex, bundled_index, changes, index_from_json, index_from_text
from .cache import _write_atomically
from .config import Settings
from .errors import SegmindError
from .transport import Transport

INDEX_FILE = "segmind-index.json"
RETIRED_FILE = "segmind-index-retired.txt"
INDEX_LABEL = "Segmind's model index"


def saved_index(folder: Path) -> ModelIndex:
    """The refreshed copy in `folder`, else the pack's own (a damaged copy never stops a run)."""
    try:
        return index_from_json((Path(folder) / INDEX_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, UnreadableIndex):
        return bundled_index()


def retired_slugs(folder: Path) -> tuple[str, ...]:
    """Models an earlier copy listed and the copy in use does not: Segmind retired them."""
    try:
        lines = (Path(folder) / RETIRED_FILE).read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        return ()
    return tuple(sorted(set(lines) - set(saved_index(folder).by_slug())))


def fetch_index(settings: Settings) -> str:
    """The index's text, or SegmindError saying why not (no key is sent: the index is public)."""
    transport = Transport(settings, INDEX_LABEL, stop=lambda: False)
    try:
        answer = transport.get(settings.index_url, with_key=False)
    finally:
        transport.close()
    if not answer.ok:
        raise SegmindError(INDEX_LABEL, f"HTTP {answer.status} from {settings.index_url}.",
                           "The catalogue keeps the copy it has; try again later.", status=answer.status)
    return answer.body.decode("utf-8", "replace")


def refresh(settings: Settings, folder: Path, today: datetime.date | None = None) -> dict:
    """Fetches the index, keeps its Flux-family rows and says what changed; on any failure the copy in use
    stands and the message says why."""
    old = saved_index(folder)
    date = (today or datetime.datetime.now(datetime.timezone.utc).date()).isoformat()
    try:
        new = index_from_text(fetch_index(settings), date, settings.index_url)
    except (SegmindError, UnreadableIndex) as exc:
        return {**summary(old, folder), "refreshed": False,
                "message": f"The catalogue was not refreshed: {exc} The copy of {old.date} stands."}
    folder = Path(folder)
    gone = changes(old, new)
    retired = (set(retired_slugs(folder)) | set(gone["gone"])) - set(new.by_slug())
    _write_atomically(folder / RETIRED_FILE, "".join(f"{slug}\n" for slug in sorted(retired)).encode("utf-8"))
    _write_atomically(folder / INDEX_FILE, new.to_json().encode("utf-8"))
    return {**summary(new, folder), **gone, "refreshed": True, "message": change_message(gone, new)}


def change_message(change: dict, new: ModelIndex) -> str:
    parts = [f"{len(new.models)} Flux models in Segmind's index of {new.date}"]
    if change["new"]:
        parts.append(f"new: {', '.join(change['new'])}")
    if change["gone"]:
        parts.append(f"retired: {', '.join(change['gone'])}")
    if change["cost_moves"]:
        parts.append("average cost moved: " + ", ".join(
            f"{move['slug']} ${move['was_usd']:.4f} -> ${move['now_usd']:.4f}" for move in change["cost_moves"]))
    if len(parts) == 1:
        parts.append("nothing changed")
    return "; ".join(parts) + "."


def summary(index: ModelIndex, folder: Path) -> dict:
    """What the panel shows: how many models, the copy's date and source, every model and the retired."""
    return {"count": len(index.models), "date": index.date, "source": index.source,
            "models": [{"slug": model.slug, "title": model.title, "modality": model.modality,
                        "avg_cost_usd": model.avg_cost_usd, "avg_latency_s": model.avg_latency_s}
                       for model in index.models],
            "retired": list(retired_slugs(folder))}
