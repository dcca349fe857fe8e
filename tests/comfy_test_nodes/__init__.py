"""Test-only ComfyUI custom node: tiny Flux MODEL / CLIP / VAE (tests/tiny_flux.py), for server tests.

Linked into a test server's custom_nodes/ by tests/test_server_local.py; never part of the pack. The
builder is imported by file location (this folder may be reached through a symlink: resolve() finds the
real tests/ folder), under a name of its own, so nothing is put on sys.path.
"""
from __future__ import annotations

import importlib.util
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


NODE_CLASS_MAPPINGS = {"SegmindTestTinyFluxModels": SegmindTestTinyFluxModels}
NODE_DISPLAY_NAME_MAPPINGS = {"SegmindTestTinyFluxModels": "Tiny Flux models (Segmind pack tests only)"}
