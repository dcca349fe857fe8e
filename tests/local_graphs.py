"""Prompts for one local twin fed by the test-only tiny Flux models, with each twin's example values
made cheap for a CPU: shared by the tests of the local nodes."""
from __future__ import annotations

import uuid

import tiny_flux
from conftest import LORA_FILE
from pack_loader import load_pack_module

TWINS = {twin.node_id: twin for twin in load_pack_module("specs").LOCAL_TWINS}


# The size of the image an image twin gets (Kontext's to edit, Fill's to inpaint, Depth's depth map, Redux's).
INPUT_SIZE = (64, 48)
# What feeds each kind of link input: a core node (an image, a mask of the image's size) or the tiny Redux pair.
LINK_SOURCES = {
    "IMAGE": ("EmptyImage", {"width": INPUT_SIZE[0], "height": INPUT_SIZE[1], "batch_size": 1, "color": 0x336699}, 0),
    "MASK": ("SolidMask", {"value": 1.0, "width": INPUT_SIZE[0], "height": INPUT_SIZE[1]}, 0),
    "CLIP_VISION": ("SegmindTestTinyReduxModels", {"weights_seed": tiny_flux.DEFAULT_SEED}, 0),
    "STYLE_MODEL": ("SegmindTestTinyReduxModels", {"weights_seed": tiny_flux.DEFAULT_SEED}, 1),
}


def tiny_variant(twin) -> str:
    """The tiny model a twin runs: Fill's and Depth's by the channels their img_in reads, else its base model."""
    return next((variant for variant, channels in tiny_flux.IN_CHANNELS.items()
                 if channels == twin.model_channels and variant in ("fill", "depth")), twin.base_model)


def models(variant: str) -> dict:
    return {"m": {"class_type": "SegmindTestTinyFluxModels", "inputs": {"variant": variant,
                                                                        "weights_seed": tiny_flux.DEFAULT_SEED}}}


def local_graph(node_id: str, variant: str, inputs: dict, output: str = "SaveImage") -> dict:
    """The tiny models as "m", the twin as "n", its images saved or previewed by "o"; the link inputs it
    needs and `inputs` leave out from "link_<kind>" nodes."""
    graph = models(variant)
    graph["n"] = {"class_type": node_id, "inputs": {"model": ["m", 0], "clip": ["m", 1], "vae": ["m", 2], **inputs}}
    for link in TWINS[node_id].link_inputs if node_id in TWINS else ():
        if link.name not in inputs:
            class_type, values, index = LINK_SOURCES[link.kind]
            graph[f"link_{class_type}"] = {"class_type": class_type, "inputs": values}
            graph["n"]["inputs"][link.name] = [f"link_{class_type}", index]
    out_inputs = {"images": ["n", 0]}
    if output == "SaveImage":
        out_inputs["filename_prefix"] = f"local/{uuid.uuid4().hex[:8]}"
    graph["o"] = {"class_type": output, "inputs": out_inputs}
    return graph


def local_example(twin) -> dict:
    """The remote model's example values that the twin takes, with 1 step (2 for schnell, whose images
    are smaller) and, at about a megapixel, 1 image; the test LoRA for a LoRA twin."""
    names = {param.name for param in twin.params}
    values = {name: value for name, value in twin.remote.example.items() if name in names}
    small = "width" in values
    values[twin.steps_param] = 2 if small else 1
    if "samples" in values:
        values["samples"] = min(values["samples"], 2) if small else 1
    if twin.takes_lora:
        values["lora_name"] = LORA_FILE
    return values


# node id -> (tiny model variant, inputs, output node): one run per twin, saving and previewing in turn.
RUNS = {twin.node_id: (tiny_variant(twin), local_example(twin), ("SaveImage", "PreviewImage")[index % 2])
        for index, twin in enumerate(TWINS.values())}
