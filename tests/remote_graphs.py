"""Prompts for one remote node, and what to read back from them: shared by the tests of the remote nodes."""
from __future__ import annotations

import json
import uuid

import numpy as np
from PIL import Image

from pack_loader import load_pack_module

# Every parameter set away from its page default (each spec's `example`), so a test proves each value
# reaches the body; a new model's spec brings its own.
NON_DEFAULTS = {spec.node_id: dict(spec.example) for spec in load_pack_module("specs").MODELS}


def graph(class_type: str, inputs: dict, prefix: str | None = None) -> dict:
    """The node as "1", its images saved by "2", its info shown by "3"."""
    return {
        "1": {"class_type": class_type, "inputs": inputs},
        "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0],
                                                   "filename_prefix": prefix or f"t/{uuid.uuid4().hex[:8]}"}},
        "3": {"class_type": "PreviewAny", "inputs": {"source": ["1", 1]}},
    }


def saved_images(comfy_home, result) -> list[np.ndarray]:
    files = result.node_output("2")["images"]
    return [np.asarray(Image.open(comfy_home / "output" / f["subfolder"] / f["filename"]).convert("RGB"))
            for f in files]


def info_of(result) -> dict:
    return json.loads(result.node_output("3")["text"][0])
