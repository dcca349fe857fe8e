"""Prompts for one remote node, and what to read back from them: shared by the tests of the remote nodes."""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

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


def wait_for(condition, timeout: float, step: float = 0.01):
    """What `condition()` returns once it is truthy; an AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(step)
    raise AssertionError("timed out waiting")


@dataclass
class Cancel:
    entry: dict  # the cancelled prompt's history entry
    cancelled_at: float  # time.monotonic() of the cancel
    took_s: float  # from the cancel to the prompt's end
    request_id: str  # the job the server had


class LogTail:
    """What a log file gained after this was made (ComfyUI's log, for the pack's warnings)."""

    def __init__(self, path: Path):
        self.path, self.start = path, path.stat().st_size

    def text(self) -> str:
        with open(self.path, "rb") as log:
            log.seek(self.start)
            return log.read().decode("utf-8", "replace")


def cancel_after_submission(comfy, segmind, prompt: dict, wait_s: float = 0.0, before_cancel=None) -> Cancel:
    """Queues `prompt`, waits until the stand-in has its job, `before_cancel()`, `wait_s` more, then
    cancels the prompt and waits for it to end."""
    jobs_before = set(segmind.jobs)
    status, answer = comfy.queue_prompt(prompt)
    assert status == 200, answer
    # The job, not the POST: the stand-in records a POST before it makes the job and its request id.
    request_id = wait_for(lambda: next((job for job in list(segmind.jobs) if job not in jobs_before), None), 20)
    if before_cancel is not None:
        before_cancel()
    time.sleep(wait_s)
    cancelled_at = time.monotonic()
    comfy.interrupt()
    entry = wait_for(lambda: comfy.finished(answer["prompt_id"]), 10)
    return Cancel(entry, cancelled_at, time.monotonic() - cancelled_at, request_id)
