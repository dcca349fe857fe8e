"""Node registry of the pack. Each group of nodes is imported on its own, so a missing dependency
disables only the nodes that need it, with one clear log line, and never stops ComfyUI."""
from __future__ import annotations

import importlib
import logging

log = logging.getLogger("comfyui-segmind-flux")

# (module with node_group(runtime) -> (classes, display names), what the group is)
NODE_GROUPS = (
    (".remote", "the remote Segmind nodes"),
    (".local", "the local Flux nodes"),
    (".lora_loader", "the Flux LoRA loader"),
)


def collect_nodes(runtime) -> tuple[dict, dict]:
    """Every node class of the pack, made for `runtime` (nodes/runtime.py)."""
    classes, names = {}, {}
    for module_name, what in NODE_GROUPS:
        try:
            module = importlib.import_module(module_name, __name__)
        except ImportError as exc:
            log.error("[comfyui-segmind-flux] %s are disabled: missing dependency '%s' (pip install -r "
                      "requirements.txt in the pack's folder).", what, exc.name or exc)
            continue
        group_classes, group_names = module.node_group(runtime)
        classes.update(group_classes)
        names.update(group_names)
    return classes, names
