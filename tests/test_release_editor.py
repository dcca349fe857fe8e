"""`bash scripts/editor`: sets up as a new user's machine would, starts ComfyUI with the pack, serves the
editor page with the pack's nodes and front-end extension, and stops cleanly on Ctrl+C (SIGINT)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from comfy_driver import ComfyServer, free_port, start_up_errors
from pack_loader import PACK_DIR, load_pack
from release_archive import runtime_dir

EDITOR = PACK_DIR / "scripts" / "editor"
START_TIMEOUT_S = 300.0  # set-up's checks, then ComfyUI's start (~20 s here; slow on a busy CI machine)
STOP_TIMEOUT_S = 60.0


def editor_env(tmp_path: Path) -> dict:
    env = {**os.environ, "SEGMIND_API_KEY": "", "SEGMIND_CONFIG_FILE": str(tmp_path / "no-config.json"),
           "PYTHONUNBUFFERED": "1"}
    comfy = env.get("COMFYUI_PATH")
    if comfy and Path(comfy).resolve().parent == runtime_dir().resolve():
        # The embedded ComfyUI of scripts/test: the editor finds it through set-up, as a new user's does.
        for name in ("COMFYUI_PATH", "COMFYUI_PYTHON", "COMFYUI_BASE_DIR", "COMFYUI_NEWEST_FRONTEND_ROOT"):
            env.pop(name, None)
    return env


def collect(stream, lines: list[str]) -> threading.Thread:
    thread = threading.Thread(target=lambda: lines.extend(stream), daemon=True)
    thread.start()
    return thread


def test_the_editor_starts_with_the_pack_serves_the_page_and_stops_cleanly_on_ctrl_c(tmp_path):
    base = tmp_path / "base"  # a new folder: the editor makes it a base directory with the pack
    port = free_port()
    # SIGINT as a terminal's Ctrl+C gives it (a test runner started in the background would pass it on ignored).
    editor = subprocess.Popen(["bash", str(EDITOR), "--port", str(port), "--base-directory", str(base)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=editor_env(tmp_path),
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines: list[str] = []
    reader = collect(editor.stdout, lines)
    try:
        server = ComfyServer(f"http://127.0.0.1:{port}", editor)
        server.wait_ready(START_TIMEOUT_S)
        output = "".join(lines)
        assert "[editor] ComfyUI " in output and f": http://127.0.0.1:{port} " in output, output
        assert "[editor] Segmind API key: none" in output and f"models, input, output: {base}" in output

        status, page = server.request("GET", "/")
        assert status == 200 and b"<title>ComfyUI</title>" in page
        assert set(load_pack().NODE_CLASS_MAPPINGS) <= set(server.get_json("/object_info"))
        web = sorted(path.relative_to(PACK_DIR / "web").as_posix() for path in (PACK_DIR / "web").rglob("*.js"))
        served = server.get_json("/extensions")
        assert [f"/extensions/comfyui-segmind-flux/{name}" for name in web if
                f"/extensions/comfyui-segmind-flux/{name}" not in served] == []
    finally:
        editor.send_signal(signal.SIGINT)
        try:
            code = editor.wait(STOP_TIMEOUT_S)
        finally:
            if editor.poll() is None:
                editor.kill()
                editor.wait()
        reader.join(10)
    output = "".join(lines)
    assert code == 0, output[-3000:]
    assert "Stopped server" in output and "Traceback" not in output, output[-3000:]
    assert start_up_errors(output) == [] and (base / "user" / "comfyui.db").is_file()
    assert (base / "custom_nodes" / "comfyui-segmind-flux").resolve() == PACK_DIR.resolve()
    # The example input images, placed by the pack as ComfyUI started.
    assert sorted(path.name for path in (base / "input").glob("segmind_example_*.png")) == [
        "segmind_example_depth.png", "segmind_example_house.png", "segmind_example_inpaint.png"]


def test_the_editor_refuses_a_port_in_use_before_starting_comfyui():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run([sys.executable, str(PACK_DIR / "scripts" / "editor.py"), "--port", str(port)],
                             capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert f"port {port} on 127.0.0.1 is in use (another ComfyUI?): choose one with --port." in run.stderr
    assert run.stdout == ""  # nothing started, no URL printed
