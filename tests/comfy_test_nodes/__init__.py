"""Test-only ComfyUI custom nodes: tiny Flux MODEL / CLIP / VAE and Redux's CLIP_VISION / STYLE_MODEL
(tests/tiny_flux.py), and a memory probe.

Linked into a test server's custom_nodes/ by tests/test_server_local.py; never part of the pack. The
builder is imported by file location (this folder may be reached through a symlink: resolve() finds the
real tests/ folder), under a name of its own, so nothing is put on sys.path.
"""
from __future__ import annotations

import collections
import ctypes
import ctypes.util
import gc
import importlib.util
import os
import sys
from pathlib import Path

_BUILDER_NAME = "segmind_test_tiny_flux_builder"


def _builder():
    module = sys.modules.get(_BUILDER_NAME)
    if module is None:
        path = Path(__file__).resolve().parent.parent / "tiny_flux.py"
        spec = importlib.util.spec_from_file_location(_BUILDER_NAME, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[_BUILDER_NAME] = module
        spec.loader.exec_module(module)
    return module


class SegmindTestTinyFluxModels:
    DESCRIPTION = "TEST ONLY: tiny random-weight Flux MODEL, CLIP and VAE built through ComfyUI's classes."
    CATEGORY = "testing/segmind"
    RETURN_TYPES = ("MODEL", "CLIP", "VAE")
    RETURN_NAMES = ("model", "clip", "vae")
    FUNCTION = "build"

    @classmethod
    def INPUT_TYPES(cls):
        builder = _builder()
        return {"required": {"variant": (list(builder.VARIANTS), {"default": "dev"}),
                             "weights_seed": ("INT", {"default": builder.DEFAULT_SEED, "min": 0, "max": 2**31 - 1})}}

    def build(self, variant, weights_seed):
        return _builder().build_flux(variant, seed=weights_seed)


class SegmindTestTinyReduxModels:
    DESCRIPTION = "TEST ONLY: tiny random-weight SigLIP CLIP vision and Redux style model, for the tiny Flux models."
    CATEGORY = "testing/segmind"
    RETURN_TYPES = ("CLIP_VISION", "STYLE_MODEL")
    RETURN_NAMES = ("clip_vision", "style_model")
    FUNCTION = "build"

    @classmethod
    def INPUT_TYPES(cls):
        builder = _builder()
        return {"required": {"weights_seed": ("INT", {"default": builder.DEFAULT_SEED, "min": 0, "max": 2**31 - 1})}}

    def build(self, weights_seed):
        return _builder().build_redux(seed=weights_seed)


def _resident_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def _return_free_memory_to_system() -> None:
    # glibc keeps freed heap pages (and raises its mmap threshold); trimming leaves only live memory.
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        getattr(ctypes.CDLL(libc_name), "malloc_trim", lambda _pad: 0)(0)


class SegmindTestMemoryProbe:
    DESCRIPTION = ("TEST ONLY: collects garbage, returns freed heap to the system, then reports the server's "
                   "resident memory, live Python objects, live torch tensors, threads and open files.")
    CATEGORY = "testing/segmind"
    RETURN_TYPES = ()
    OUTPUT_NODE = True
    FUNCTION = "probe"

    @classmethod
    def INPUT_TYPES(cls):
        # tick: a new value each time, so ComfyUI's cache never skips the probe.
        return {"required": {"tick": ("INT", {"default": 0, "min": 0, "max": 2**31 - 1})}}

    def probe(self, tick):
        import torch
        gc.collect()
        _return_free_memory_to_system()
        objects = gc.get_objects()
        tensors = sum(1 for obj in objects if isinstance(obj, torch.Tensor))
        by_type = collections.Counter(f"{type(obj).__module__}.{type(obj).__qualname__}" for obj in objects)
        vitals = {"rss_mb": _resident_mb(), "tensors": tensors, "objects_by_type": dict(by_type),
                  "threads": len(os.listdir("/proc/self/task")), "fds": len(os.listdir("/proc/self/fd"))}
        return {"ui": {"memory": [vitals]}}


NODE_CLASS_MAPPINGS = {"SegmindTestTinyFluxModels": SegmindTestTinyFluxModels,
                       "SegmindTestTinyReduxModels": SegmindTestTinyReduxModels,
                       "SegmindTestMemoryProbe": SegmindTestMemoryProbe}
NODE_DISPLAY_NAME_MAPPINGS = {"SegmindTestTinyFluxModels": "Tiny Flux models (Segmind pack tests only)",
                              "SegmindTestTinyReduxModels": "Tiny Redux models (Segmind pack tests only)",
                              "SegmindTestMemoryProbe": "Memory probe (Segmind pack tests only)"}
