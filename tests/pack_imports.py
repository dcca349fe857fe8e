"""Which installed distributions the pack's Python imports, and which of them no requirements file declares."""
from __future__ import annotations

import ast
import importlib.metadata
import re
import sys

# ComfyUI's own modules, which a custom node imports from the running ComfyUI (no distribution provides them).
COMFYUI_MODULES = {"comfy", "comfy_api", "comfy_execution", "comfy_extras", "folder_paths", "latent_preview",
                   "node_helpers", "nodes", "server", "execution", "app"}


def imported_modules(source: str) -> dict[str, int]:
    """Top-level module -> first line that imports it (absolute imports only: relative ones are the pack)."""
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            found.setdefault(name.split(".")[0], node.lineno)
    return found


def requirement_names(text: str) -> set[str]:
    """The distribution names of a requirements file (or list), normalised as pip compares them."""
    names = set()
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
        if match:
            names.add(normalised(match.group(0)))
    return names


def normalised(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def modules_of(distributions: set[str]) -> set[str]:
    """The top-level modules that the installed distributions of these names provide."""
    return {module for module, owners in importlib.metadata.packages_distributions().items()
            if any(normalised(owner) in distributions for owner in owners)}


def undeclared(sources: dict[str, str], declared: set[str]) -> list[str]:
    """'file:line imports module' for each third-party module that no declared distribution provides."""
    allowed = modules_of(declared) | COMFYUI_MODULES | set(sys.stdlib_module_names)
    return [f"{name}:{line} imports {module}" for name, source in sorted(sources.items())
            for module, line in sorted(imported_modules(source).items()) if module not in allowed]
