"""The request object the node for any model offers when a model is picked: a typed model's page defaults,
its required images as references to the node's inputs ("{image_1}", "{mask}", "{video}"); else the page example that
catalogue_examples.json keeps for the model (its image URLs already references). Plain Python."""
from __future__ import annotations

import functools
import json
from pathlib import Path

from .any_model import IMAGE_SOCKETS, MASK_SOCKET, TYPED, VIDEO_SOCKET
from .image_params import ImageListParam, MaskParam, is_image_field
from .model import ModelSpec

EXAMPLES_FILE = Path(__file__).with_name("catalogue_examples.json")


def typed_example(spec: ModelSpec) -> dict:
    body, free = {}, iter(IMAGE_SOCKETS)
    for param in spec.params:
        if not is_image_field(param):
            body[param.name] = param.default
        elif isinstance(param, MaskParam):
            body[param.name] = "{" + MASK_SOCKET + "}"
        elif param.kind == "VIDEO":
            body[param.name] = "{" + VIDEO_SOCKET + "}"
        elif param.required:  # an optional image is left out, as the pages' text-to-image examples do
            reference = "{" + next(free) + "}"
            body[param.name] = [reference] if isinstance(param, ImageListParam) else reference
    return body


@functools.lru_cache(maxsize=1)
def example_texts() -> dict[str, str]:
    """slug -> the example as the node's text widget shows it (typed models first: their spec is the truth)."""
    shipped = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8")) if EXAMPLES_FILE.is_file() else {}
    bodies = {slug: entry["body"] for slug, entry in shipped.items() if not slug.startswith("_")}
    bodies.update({slug: typed_example(spec) for slug, spec in TYPED.items()})
    return {slug: json.dumps(body, indent=1, ensure_ascii=False) for slug, body in sorted(bodies.items())}
