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

specs = load_pack_module("specs")
image_params = load_pack_module("specs.image_params")
video_params = load_pack_module("specs.video_params")
# Every parameter set away from its page default (each spec's `example`), so a test proves each value
# reaches the body; a new model's spec brings its own. Example images are made by core nodes in the graph.
# A node's inputs that pick its model (the fine-tune node's slug and trigger word) come before the example.
MODEL_INPUT_EXAMPLES = {"SegmindFluxFinetune": {"finetune_slug": "0a1b2c3d-0000-4000-8000-00000000abcd-test_tune",
                                                "trigger_word": "TOK"}}
NON_DEFAULTS = {spec.node_id: {**MODEL_INPUT_EXAMPLES.get(spec.node_id, {}), **spec.example} for spec in specs.MODELS}


def distinct_inputs(node_id: str, number: int, **extra) -> dict:
    """The node's example made a job of its own by `number` (past the result cache): its seed, or where the
    page has none (two-image Kontext [pro]), its prompt."""
    inputs = dict(NON_DEFAULTS[node_id])
    if "seed" in specs.MODELS_BY_NODE_ID[node_id].param_names:
        inputs["seed"] = number
    else:
        inputs["prompt"] = f"{inputs['prompt']} #{number}"
    return {**inputs, **extra}


def declared_input_names(spec) -> list[str]:
    """The node's inputs before the pack's options, as ComfyUI lists them: the inputs that pick the model,
    the required page fields (a list of images: its first socket), then the optional ones, in page order."""
    sockets = {p.name: list(p.sockets()) if image_params.is_image_field(p) else [p.name] for p in spec.params}
    required = [name for p in spec.params if p.required for name in sockets[p.name][:1]]
    optional = [name for p in spec.params for name in (sockets[p.name][1:] if p.required else sockets[p.name])]
    return [p.name for p in spec.model_inputs] + required + optional


def page_fields(node_id: str, inputs: dict) -> dict:
    """The inputs that are page fields (not the ones that pick the model)."""
    return {name: value for name, value in inputs.items() if name not in MODEL_INPUT_EXAMPLES.get(node_id, {})}


def slug_of(node_id: str, inputs: dict) -> str:
    return specs.MODELS_BY_NODE_ID[node_id].chosen(inputs).slug


def image_source(example, mask: bool) -> dict:
    """A core node that makes an example image (EmptyImage) or mask (SolidMask)."""
    if mask:
        return {"class_type": "SolidMask", "inputs": {"value": (example.color & 0xFF) / 255,
                                                      "width": example.width, "height": example.height}}
    return {"class_type": "EmptyImage", "inputs": {"width": example.width, "height": example.height,
                                                   "batch_size": example.frames, "color": example.color}}


def video_source(example, name: str) -> dict:
    """Core nodes that make an example video: EmptyImage frames, then Create Video ("vid_<input>")."""
    frames = image_source(image_params.ImageExample(example.width, example.height, example.color, example.frames),
                          mask=False)
    return {f"frames_{name}": frames,
            f"vid_{name}": {"class_type": "CreateVideo", "inputs": {"images": [f"frames_{name}", 0],
                                                                    "fps": example.fps}}}


def with_image_sources(class_type: str, inputs: dict) -> tuple[dict, dict]:
    """The node's inputs with each example image (or video) replaced by a link from a node that makes it, and
    those nodes ("img_<input>", "vid_<input>"). A list field's examples (a tuple) feed its sockets in order."""
    spec = specs.MODELS_BY_NODE_ID.get(class_type)
    fields = {param.name: param for param in image_params.image_fields(spec.params)} if spec else {}
    node_inputs, sources = {}, {}
    for name, value in inputs.items():
        param = fields.get(name)
        if isinstance(value, video_params.VideoExample):
            sources.update(video_source(value, name))
            node_inputs[name] = [f"vid_{name}", 0]
            continue
        if param is None or not isinstance(value, (tuple, image_params.ImageExample)):
            node_inputs[name] = value
            continue
        examples = value if isinstance(value, tuple) else (value,)
        for socket, example in zip(param.sockets(), examples):
            sources[f"img_{socket}"] = image_source(example, isinstance(param, image_params.MaskParam))
            node_inputs[socket] = [f"img_{socket}", 0]
    return node_inputs, sources


def is_video_node(class_type: str) -> bool:
    spec = specs.MODELS_BY_NODE_ID.get(class_type)
    return spec is not None and spec.output == "video"


def save_node(class_type: str, prefix: str | None) -> dict:
    """Save Image, or Save Video (its streams copied as they are) for a video model's node."""
    prefix = prefix or f"t/{uuid.uuid4().hex[:8]}"
    if is_video_node(class_type):
        return {"class_type": "SaveVideo", "inputs": {"video": ["1", 0], "filename_prefix": prefix,
                                                     "format": "auto", "codec": "auto"}}
    return {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": prefix}}


def graph(class_type: str, inputs: dict, prefix: str | None = None) -> dict:
    """The node as "1", its images (or video) saved by "2", its info shown by "3" (and its example inputs' makers)."""
    node_inputs, sources = with_image_sources(class_type, inputs)
    return {
        "1": {"class_type": class_type, "inputs": node_inputs},
        "2": save_node(class_type, prefix),
        "3": {"class_type": "PreviewAny", "inputs": {"source": ["1", 1]}},
        **sources,
    }


def example_pixels(example) -> tuple[int, ...]:
    """The colour an example image is made in (a mask: its grey level)."""
    return ((example.color >> 16) & 0xFF, (example.color >> 8) & 0xFF, example.color & 0xFF)


def saved_images(comfy_home, result) -> list[np.ndarray]:
    files = result.node_output("2")["images"]
    return [np.asarray(Image.open(comfy_home / "output" / f["subfolder"] / f["filename"]).convert("RGB"))
            for f in files]


def saved_videos(comfy_home, result) -> list[Path]:
    return [comfy_home / "output" / f["subfolder"] / f["filename"] for f in result.node_output("2")["images"]]


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
