"""Loads the pack the way ComfyUI does: by file location, under an alias, never via sys.path
(the pack's `nodes/` would shadow ComfyUI's `nodes.py`)."""
from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

PACK_DIR = Path(__file__).resolve().parent.parent
PACK_ALIAS = "comfyui_segmind_flux_under_test"


def load_pack():
    if PACK_ALIAS in sys.modules:
        return sys.modules[PACK_ALIAS]
    spec = importlib.util.spec_from_file_location(PACK_ALIAS, PACK_DIR / "__init__.py",
                                                  submodule_search_locations=[str(PACK_DIR)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[PACK_ALIAS] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[PACK_ALIAS]
        raise
    return module


def load_pack_module(dotted: str):
    """A submodule of the pack, e.g. "specs.choices", imported under the alias."""
    load_pack()
    return importlib.import_module(f"{PACK_ALIAS}.{dotted}")
