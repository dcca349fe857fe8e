"""Builds every example workflow in the real ComfyUI editor (the pinned frontend, so that every newer
one reads the files), laid out by scripts/workflow_layout.py, and writes, for each:
workflows/<name>.json (UI format, a template), workflows/api/<name>.json (the editor's API prompt for it)
and workflows/<name>.jpg (the template thumbnail). Each node also gets the room the newest editor's
Nodes 2.0 gives it as a fresh install shows it (no model files yet: loaders grow an "Issues" footer).
A layout with overlapping or hidden nodes, in either editor, stops it.

    bash scripts/setup.sh --with-browser && source ~/.cache/comfyui-segmind-flux/env.sh
    $COMFYUI_PYTHON scripts/build_workflows.py [NAME ...]   (only these workflows; default: all)
"""
from __future__ import annotations

import io
import json
import os
import sys
import tempfile
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))
from comfy_driver import ComfyServer  # noqa: E402
from frontend_driver import build, chromium, layout, load, node_extents, open_editor, thumbnail  # noqa: E402
from workflow_catalog import catalog, place_placeholder_models  # noqa: E402
from workflow_layout import layout_problems, place  # noqa: E402

NEWEST_FRONTEND_ROOT = os.environ.get("COMFYUI_NEWEST_FRONTEND_ROOT")

REPO = SCRIPTS.parent
WORKFLOWS = REPO / "workflows"
THUMBNAIL_SIZE = (800, 500)


def start_server_with_pack(base: Path, env: dict | None = None, models: bool = True,
                           front_end_root: str | None = None) -> ComfyServer:
    (base / "custom_nodes").mkdir(parents=True, exist_ok=True)
    link = base / "custom_nodes" / "comfyui-segmind-flux"
    if not link.exists():
        link.symlink_to(REPO, target_is_directory=True)
    if models:
        place_placeholder_models(base)
    return ComfyServer.start(Path(os.environ["COMFYUI_PATH"]), os.environ["COMFYUI_PYTHON"], base, env=env or {},
                             front_end_root=front_end_root)


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def save_thumbnail(png: bytes, path: Path) -> None:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as shot:
        shot.convert("RGB").resize(THUMBNAIL_SIZE, Image.LANCZOS).save(path, "JPEG", quality=80)


def declared_inputs_only(api: dict, object_info: dict) -> dict:
    """The API prompt without the values the editor sends for its own display widgets (1.32.9's PreviewAny
    "preview"): ComfyUI ignores them, newer editors no longer send them, and linters flag them."""
    def declared(node_type: str) -> set:
        inputs = object_info[node_type]["input"]
        return {name for group in ("required", "optional") for name in inputs.get(group, {})}

    return {node_id: {**node, "inputs": {name: value for name, value in node["inputs"].items()
                                         if name in declared(node["class_type"])}}
            for node_id, node in api.items()}


def main(only: list[str]) -> None:
    unknown = set(only) - set(catalog())
    if unknown:
        raise SystemExit(f"no such workflow: {', '.join(sorted(unknown))}")
    server = start_server_with_pack(Path(tempfile.mkdtemp(prefix="build-workflows-")))
    # The newest editor in Nodes 2.0, as a fresh install: no model files.
    fresh = start_server_with_pack(Path(tempfile.mkdtemp(prefix="build-workflows-fresh-")), models=False,
                                   front_end_root=NEWEST_FRONTEND_ROOT)
    object_info = server.get_json("/object_info")
    try:
        with chromium() as browser:
            page, nodes_2 = open_editor(browser, server.url), open_editor(browser, fresh.url, nodes_2=True)
            for name, entry in catalog().items():
                if only and name not in only:
                    continue
                graph = entry["graph"]
                ids = {}

                def placed(sizes, extras=None):
                    return place(graph["nodes"], sizes, {key: extras[ids[key]] for key in ids} if extras else None)

                ui, _ = build(page, graph, placed)
                ids.update({spec["key"]: str(node["id"]) for spec, node in zip(graph["nodes"], ui["nodes"],
                                                                               strict=True)})
                load(nodes_2, ui)
                extras = node_extents(nodes_2)
                ui, api = build(page, graph, lambda sizes: placed(sizes, extras))
                loaded = load(page, ui)
                assert loaded["api"] == api and not loaded["missing"] and not loaded["dialogs"], (name, loaded)
                problems = layout_problems(layout(page))
                load(nodes_2, ui)
                problems += [f"Nodes 2.0: {problem}" for problem in layout_problems(layout(nodes_2))]
                assert not problems, (name, problems)
                write_json(WORKFLOWS / f"{name}.json", ui)
                write_json(WORKFLOWS / "api" / f"{name}.json", declared_inputs_only(api, object_info))
                save_thumbnail(thumbnail(page), WORKFLOWS / f"{name}.jpg")
                print(f"workflows/{name}.json, workflows/api/{name}.json, workflows/{name}.jpg")
            for editor in (page, nodes_2):
                if editor.errors:
                    print("page errors:", *editor.errors, sep="\n  ")
    finally:
        server.stop()
        fresh.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
