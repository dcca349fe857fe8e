"""Open the ComfyUI editor with the pack: the ComfyUI that scripts/setup.sh prepared, or COMFYUI_PATH's.

    python scripts/editor.py [--port 8188] [--listen [IP]] [--base-directory DIR] [other ComfyUI options]

It checks the port, says where the key comes from, prints the URL and then becomes ComfyUI itself
(exec), so Ctrl+C stops ComfyUI the way ComfyUI stops: cleanly, exit code 0. Options it does not know
go to ComfyUI unchanged (e.g. --lowvram, --front-end-root DIR).
"""
from __future__ import annotations

import argparse
import errno
import os
import socket
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from comfy_driver import database_option  # noqa: E402
from run_workflow import has_api_key  # noqa: E402

DEFAULT_PORT = 8188
REPO = Path(__file__).resolve().parent.parent
PACK_FOLDER = "comfyui-segmind-flux"
ALL_ADDRESSES = "0.0.0.0,::"  # what ComfyUI listens on for a bare --listen
# ComfyUI's device and memory options: given any of them, the choice of device is the user's.
DEVICE_OPTIONS = ("--cpu", "--gpu-only", "--highvram", "--normalvram", "--lowvram", "--novram", "--directml",
                  "--cuda-device", "--default-device", "--oneapi-device-selector")


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    parser.add_argument("--listen", nargs="?", const=ALL_ADDRESSES, default="127.0.0.1", metavar="IP",
                        help="address to listen on (default 127.0.0.1; alone: every address, for other machines)")
    parser.add_argument("--base-directory", default=os.environ.get("COMFYUI_BASE_DIR"), metavar="DIR",
                        help="where models, input, output and custom_nodes are (default: set-up's)")
    return parser.parse_known_args(argv)


def address_in_use(addresses: str, port: int) -> str | None:
    for address in addresses.split(","):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        try:
            with socket.socket(family) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as ComfyUI's server binds
                probe.bind((address, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return address
    return None


def has_accelerator() -> bool:
    """Whether torch sees a GPU ComfyUI can use; without one ComfyUI must be started with --cpu."""
    import torch

    mps, xpu = getattr(torch.backends, "mps", None), getattr(torch, "xpu", None)
    return bool(torch.cuda.is_available() or (mps and mps.is_available()) or (xpu and xpu.is_available()))


def editor_url(addresses: str, port: int) -> str:
    first = addresses.split(",")[0]
    host = "127.0.0.1" if first in ("0.0.0.0", "::", "") else first
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def key_source() -> str:
    if os.environ.get("SEGMIND_API_KEY"):
        return "from the environment (SEGMIND_API_KEY)"
    if has_api_key():
        return "from " + (os.environ.get("SEGMIND_CONFIG_FILE") or "the pack's config.json")
    return ("none: the remote nodes will say how to set one (SEGMIND_API_KEY or config.json, then start "
            "again); the local nodes need none")


def with_the_pack(base: Path) -> None:
    """ComfyUI loads custom nodes from the base directory, and does not start without its custom_nodes/:
    a base directory of the user's, new or not, gets the folder and the pack linked in (as set-up links it)."""
    custom_nodes = base / "custom_nodes"
    custom_nodes.mkdir(parents=True, exist_ok=True)
    link = custom_nodes / PACK_FOLDER
    if not link.exists() and not link.is_symlink():
        link.symlink_to(REPO, target_is_directory=True)


def main(argv: list[str] | None = None) -> int:
    args, comfy_options = parse(sys.argv[1:] if argv is None else argv)
    comfy_dir = Path(os.environ.get("COMFYUI_PATH", ""))
    if not (comfy_dir / "main.py").is_file():
        print(f"[editor] COMFYUI_PATH={str(comfy_dir)!r} is not a ComfyUI folder: run `bash scripts/editor`.",
              file=sys.stderr)
        return 2
    busy = address_in_use(args.listen, args.port)
    if busy is not None:
        print(f"[editor] port {args.port} on {busy} is in use (another ComfyUI?): choose one with --port.",
              file=sys.stderr)
        return 2
    command = [sys.executable, str(comfy_dir / "main.py"), "--listen", args.listen, "--port", str(args.port)]
    base = Path(args.base_directory).resolve() if args.base_directory else comfy_dir.resolve()
    if base != comfy_dir.resolve():
        with_the_pack(base)
        command += ["--base-directory", str(base)]
    if not any(option.split("=")[0] == "--database-url" for option in comfy_options):
        command += database_option(base)
    if not any(option.split("=")[0] in DEVICE_OPTIONS for option in comfy_options) and not has_accelerator():
        command.append("--cpu")
    print(f"[editor] ComfyUI {comfy_dir} with comfyui-segmind-flux: {editor_url(args.listen, args.port)} "
          "(ready when ComfyUI prints it again; Ctrl+C stops it)\n"
          f"[editor] models, input, output: {base}\n"
          f"[editor] Segmind API key: {key_source()}", flush=True)
    os.chdir(comfy_dir)
    os.execv(sys.executable, command + comfy_options)
    return 0  # not reached: exec replaced this process


if __name__ == "__main__":
    sys.exit(main())
