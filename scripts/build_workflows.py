"""Builds every example workflow in the real ComfyUI editor (the pinned frontend, so that every newer
one reads the files), laid out by scripts/workflow_layout.py, and writes, for each:
workflows/<name>.json (UI format, a template), workflows/api/<name>.json (the editor's API prompt for it)
and workflows/<name>.jpg (the template thumbnail). A layout with overlapping or hidden nodes stops it.

    bash scripts/setup.sh --with-browser && source ~/.cache/comfyui-segmind-flux/env.sh
    $COMFYUI_PYTHON scripts/build_workflows.py
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
from frontend_driver import build, frontend, layout, load, thumbnail  # noqa: E402
from workflow_catalog import catalog, place_placeholder_models  # noqa: E402
from workflow_layout import layout_problems, place  # noqa: E402

REPO = SCRIPTS.parent
WORKFLOWS = REPO / "workflows"
THUMBNAIL_SIZE = (800, 500)


def start_server_with_pack(base: Path, env: dict | None = None) -> ComfyServer:
    (base / "custom_nodes").mkdir(parents=True, exist_ok=True)
    link = base / "custom_nodes" / "comfyui-segmind-flux"
    if not link.exists():
        link.symlink_to(REPO, target_is_directory=True)
    place_placeholder_models(base)
    return ComfyServer.start(Path(os.environ["COMFYUI_PATH"]), os.environ["COMFYUI_PYTHON"], base, env=env or {})


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def save_thumbnail(png: bytes, path: Path) -> None:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as shot:
        shot.convert("RGB").resize(THUMBNAIL_SIZE, Image.LANCZOS).save(path, "JPEG", quality=80)


def main() -> None:
    server = start_server_with_pack(Path(tempfile.mkdtemp(prefix="build-workflows-")))
    try:
        with frontend(server.url) as page:
            for name, entry in catalog().items():
                graph = entry["graph"]
                ui, api = build(page, graph, lambda sizes: place(graph["nodes"], sizes))
                loaded = load(page, ui)
                assert loaded["api"] == api and not loaded["missing"] and not loaded["dialogs"], (name, loaded)
                problems = layout_problems(layout(page))
                assert not problems, (name, problems)
                write_json(WORKFLOWS / f"{name}.json", ui)
                write_json(WORKFLOWS / "api" / f"{name}.json", api)
                save_thumbnail(thumbnail(page), WORKFLOWS / f"{name}.jpg")
                print(f"workflows/{name}.json, workflows/api/{name}.json, workflows/{name}.jpg")
            if page.errors:
                print("page errors:", *page.errors, sep="\n  ")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
