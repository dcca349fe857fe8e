"""Node registry of the pack. Each group of nodes is imported on its own, so a missing dependency
disables only the nodes that need it, with one clear log line, and never stops ComfyUI."""
from __future__ import annotations

import importlib
import logging

log = logging.getLogger("comfyui-segmind-flux")

# (module, mapping of node ids to classes, mapping of display names, what the group needs)
NODE_GROUPS = (
    (".remote", "REMOTE_NODES", "REMOTE_DISPLAY_NAMES", "the remote Segmind nodes"),
    (".local", "LOCAL_NODES", "LOCAL_DISPLAY_NAMES", "the local Flux nodes"),
    (".lora_loader", "LORA_NODES", "LORA_DISPLAY_NAMES", "the Flux LoRA loader"),
)


def collect_nodes() -> tuple[dict, dict]:
    classes, names = {}, {}
    for module_name, classes_attr, names_attr, what in NODE_GROUPS:
        try:
            module = importlib.import_module(module_name, __name__)
        except ImportError as exc:
            log.error("[comfyui-segmind-flux] %s are disabled: missing dependency '%s' (pip install -r "
                      "requirements.txt in the pack's folder).", what, exc.name or exc)
            continue
        classes.update(getattr(module, classes_attr))
        names.update(getattr(module, names_attr))
    return classes, names
