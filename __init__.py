"""ComfyUI-Segmind-Flux: Segmind's hosted Flux models as ComfyUI nodes, and local twins of them.

ComfyUI imports this file by location; it exposes the classic node mappings and nothing heavy
(no torch, no network) at import time.
"""
from .nodes import collect_nodes
from .nodes.runtime import PackRuntime

# Everything the pack keeps while ComfyUI runs; its prompt hook and routes go on ComfyUI's server here.
RUNTIME = PackRuntime()
NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS = collect_nodes(RUNTIME)
RUNTIME.install()
# The editor extension: each remote node shows its estimated cost, and after a run what it cost.
WEB_DIRECTORY = "./web"

__all__ = ["NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS", "WEB_DIRECTORY"]
