"""Start (or connect to) a ComfyUI server, submit API-format prompts, follow progress, read results.

Used by the headless runner (scripts/run_workflow.py) and by the integration tests. Standard library
only, plus aiohttp (ComfyUI's own dependency) for the progress websocket.
"""
from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

START_TIMEOUT_S = 180.0


def _pack_file_module(relative: str):
    """A module of the pack that imports nothing of the pack, loaded by its path (no package needed)."""
    path = Path(__file__).resolve().parent.parent / relative
    spec = importlib.util.spec_from_file_location(f"comfyui_segmind_flux_{path.stem}", path)
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # dataclasses look it up there
    spec.loader.exec_module(module)
    return module


comfy_http = _pack_file_module("batches/comfy_http.py")
ComfyError = comfy_http.ComfyHttpError


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def has_gpu() -> bool:
    return shutil.which("nvidia-smi") is not None and subprocess.run(
        ["nvidia-smi", "-L"], capture_output=True).returncode == 0


def _ends_with_its_parent():
    """What the child runs before ComfyUI starts: on Linux it is then stopped when the process that
    started it dies, even killed (a batch runner's crash must not leave a ComfyUI running its queued,
    paid prompts). Prepared here, in the parent: the child only makes the one C call (no import, no
    lock, as a fork beside other threads requires)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    pr_set_pdeathsig = 1
    return functools.partial(ctypes.CDLL(None, use_errno=True).prctl, pr_set_pdeathsig, int(signal.SIGTERM))


def database_option(base_dir: Path) -> list[str]:
    """ComfyUI's database in the base directory's user folder. Its default lies in the ComfyUI folder's
    user/, which a start with --base-directory never makes: "Failed to initialize database" on every start."""
    user = Path(base_dir) / "user"
    user.mkdir(parents=True, exist_ok=True)
    return ["--database-url", f"sqlite:///{user / 'comfyui.db'}"]


def start_up_errors(log: str) -> list[str]:
    """The lines of ComfyUI's start-up (until it serves) that report an error or a failure."""
    start_up = log.split("To see the GUI go to:")[0]
    return [line for line in start_up.splitlines() if re.search(r"error|fail|traceback", line, re.IGNORECASE)]


class ComfyServer(comfy_http.ComfyHttp):
    def __init__(self, url: str, process: subprocess.Popen | None = None, log_path: Path | None = None):
        super().__init__(url)
        self.process, self.log_path = process, log_path

    def __repr__(self) -> str:
        return f"ComfyServer(url={self.url!r}, log_path={self.log_path!r})"

    @classmethod
    def start(cls, comfy_dir: Path, python: str, base_dir: Path, env: dict | None = None,
              extra_args: list[str] | None = None, log_path: Path | None = None,
              front_end_root: str | None = None) -> "ComfyServer":
        """front_end_root: a frontend's static folder to serve instead of the one ComfyUI pins."""
        port = free_port()
        args = [python, str(Path(comfy_dir) / "main.py"), "--listen", "127.0.0.1", "--port", str(port),
                "--base-directory", str(base_dir), "--disable-auto-launch", *database_option(base_dir)]
        if front_end_root:
            args += ["--front-end-root", str(front_end_root)]
        if not has_gpu():
            args.append("--cpu")
        log_path = log_path or Path(base_dir) / "comfyui.log"
        log_file = open(log_path, "ab")
        process = subprocess.Popen(args + (extra_args or []), stdout=log_file, stderr=subprocess.STDOUT,
                                   env={**os.environ, **(env or {})}, cwd=str(comfy_dir),
                                   preexec_fn=_ends_with_its_parent())
        log_file.close()
        server = cls(f"http://127.0.0.1:{port}", process, log_path)
        server.wait_ready()
        return server

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise ComfyError(f"ComfyUI exited during start-up; see {self.log_path}:\n{self.log_tail()}")
            try:
                self.get_json("/system_stats")
                return
            except (OSError, ComfyError):
                time.sleep(0.3)
        raise ComfyError(f"ComfyUI did not answer within {timeout:.0f} s; see {self.log_path}")

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:] if self.log_path else ""
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    # --- HTTP (request, get_json, queue_prompt, finished, output_url: batches/comfy_http.py) ---
    def upload_input(self, name: str, data: bytes) -> None:
        """An image into the server's input folder (ComfyUI's POST /upload/image), for LoadImage."""
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"overwrite\"\r\n\r\ntrue\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{name}\"\r\n"
                f"Content-Type: image/png\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(self.url + "/upload/image", data=body, method="POST",
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
        except (urllib.error.HTTPError, urllib.error.URLError) as exc:
            raise ComfyError(f"cannot upload {name} to ComfyUI at {self.url}: {exc}") from None

    def interrupt(self) -> None:
        self.request("POST", "/interrupt", {})

    def wait_history(self, prompt_id: str, timeout: float = 300.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            entry = self.finished(prompt_id)
            if entry is not None:
                return entry
            time.sleep(0.1)
        raise ComfyError(f"prompt {prompt_id} did not finish within {timeout:.0f} s")

    def run(self, prompt: dict, timeout: float = 300.0) -> "RunResult":
        status, answer = self.queue_prompt(prompt)
        if status != 200:
            return RunResult(None, rejected=answer)
        return RunResult(answer["prompt_id"], history=self.wait_history(answer["prompt_id"], timeout))


@dataclass
class RunResult:
    prompt_id: str | None
    history: dict = field(default_factory=dict)
    rejected: dict | None = None

    @property
    def ok(self) -> bool:
        return self.rejected is None and self.history.get("status", {}).get("status_str") == "success"

    def messages(self, kind: str) -> list[dict]:
        return [data for name, data in self.history.get("status", {}).get("messages", []) if name == kind]

    def error(self) -> dict | None:
        errors = self.messages("execution_error")
        return errors[0] if errors else None

    def output_images(self) -> list[dict]:
        images = []
        for node_output in self.history.get("outputs", {}).values():
            images.extend(node_output.get("images", []))
        return images

    def node_output(self, node_id: str) -> dict:
        return self.history.get("outputs", {}).get(node_id, {})


def describe_rejection(answer: dict) -> str:
    lines = [answer.get("error", {}).get("message", "the prompt was rejected")]
    for node_id, node in (answer.get("node_errors") or {}).items():
        for error in node.get("errors", []):
            lines.append(f"  node {node_id} ({node.get('class_type')}): {error.get('details') or error.get('message')}")
    return "\n".join(lines)


def follow_progress(server_url: str, client_id: str, on_event: Callable[[str, dict], None],
                    stop: threading.Event) -> threading.Thread:
    """Forward ComfyUI's websocket events (progress, executing, progress_text) to on_event."""
    import asyncio

    import aiohttp

    async def listen():
        ws_url = server_url.replace("http", "ws", 1) + f"/ws?clientId={client_id}"
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(ws_url, heartbeat=10) as ws:
                while not stop.is_set():
                    try:
                        message = await ws.receive(timeout=0.2)
                    except asyncio.TimeoutError:
                        continue
                    if message.type == aiohttp.WSMsgType.TEXT:
                        data = json.loads(message.data)
                        on_event(data.get("type", ""), data.get("data", {}))
                    elif message.type == aiohttp.WSMsgType.BINARY and message.data[:4] == b"\x00\x00\x00\x03":
                        raw = message.data[4:]  # progress_text: node id length, node id, text
                        length = int.from_bytes(raw[:4], "big")
                        on_event("progress_text", {"node": raw[4:4 + length].decode(),
                                                   "text": raw[4 + length:].decode(errors="replace")})
                    elif message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                        return

    def main():
        try:
            asyncio.run(listen())
        except Exception:  # progress display is best-effort; the run itself is followed via /history
            pass

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    return thread
