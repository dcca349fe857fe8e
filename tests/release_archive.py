"""The registry package, built exactly as `comfy node publish` builds it.

comfy-cli (PyPI, pinned) lives in a virtual environment of its own under the runtime folder, apart from
ComfyUI's (its dependencies would clash), installed once and reused. It runs `comfy node pack` and
`comfy node validate` in a copy of the checkout's git-tracked files (pack zips `git ls-files` minus
.comfyignore plus [tool.comfy].includes; it writes node.zip where it runs), with telemetry and the
update check off, a home folder of its own, and every network connection refused and recorded.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pack_loader import PACK_DIR

COMFY_CLI_VERSION = "1.23.0"
# Refuses and records every connection and name lookup of the Python processes it is loaded into.
NETWORK_GUARD = '''
import os, socket
_log, _connect = os.environ["RELEASE_NETWORK_LOG"], socket.socket.connect


def _record(what):
    with open(_log, "a", encoding="utf-8") as log:
        log.write(repr(what) + "\\n")
    raise OSError("the network is off for this test")


def _connect_or_refuse(sock, address, *rest):
    if sock.family == getattr(socket, "AF_UNIX", None):
        return _connect(sock, address, *rest)
    _record(address)


socket.socket.connect = _connect_or_refuse
socket.socket.connect_ex = _connect_or_refuse
socket.getaddrinfo = lambda host, *rest, **kw: _record(host)
'''


class ReleaseToolError(AssertionError):
    pass


def runtime_dir() -> Path:
    """The folder scripts/setup.sh installs the runtime into (same rule)."""
    return Path(os.environ.get("SEGMIND_FLUX_RUNTIME") or Path.home() / ".cache" / "comfyui-segmind-flux")


def comfy_cli_python() -> Path:
    """The Python of comfy-cli's own virtual environment; installed on first use (about 15 s)."""
    venv = runtime_dir() / f"comfy-cli-{COMFY_CLI_VERSION}"
    python = venv / "bin" / "python"
    if python.is_file():
        return python
    staging = venv.with_name(f"{venv.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(staging)], check=True, capture_output=True)
    install = subprocess.run([str(staging / "bin" / "python"), "-m", "pip", "install", "-q",
                              "--disable-pip-version-check", f"comfy-cli=={COMFY_CLI_VERSION}"],
                             capture_output=True, text=True)
    if install.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise ReleaseToolError(f"pip could not install comfy-cli {COMFY_CLI_VERSION}:\n{install.stderr[-3000:]}")
    try:
        staging.rename(venv)  # complete or absent: a half-made environment is never reused
    except OSError:  # another run finished first
        shutil.rmtree(staging, ignore_errors=True)
    return python


def tracked_copy(destination: Path) -> list[str]:
    """The checkout's git-tracked files (as they are on disk) in a fresh git repository."""
    listed = subprocess.run(["git", "-C", str(PACK_DIR), "ls-files", "-z"], capture_output=True, text=True)
    if listed.returncode != 0:
        raise ReleaseToolError("the registry package is made of git-tracked files: run this in a git clone "
                               f"({listed.stderr.strip()})")
    files = [name for name in listed.stdout.split("\0") if name and (PACK_DIR / name).is_file()]
    for name in files:
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PACK_DIR / name, destination / name)
    for command in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", "-C", str(destination), *command], check=True, capture_output=True)
    return files


@dataclass
class CliRun:
    returncode: int
    output: str


@dataclass
class ReleaseArchive:
    path: Path  # node.zip
    names: list[str]  # its entries
    extracted: Path
    pack: CliRun
    validate: CliRun
    network_attempts: list[str]


def run_comfy_cli(work: Path, *arguments: str) -> CliRun:
    home, guard = work.parent / "home", work.parent / "guard"
    home.mkdir(exist_ok=True)
    guard.mkdir(exist_ok=True)
    (guard / "sitecustomize.py").write_text(NETWORK_GUARD, encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "PYTHONPATH": str(guard),
           "RELEASE_NETWORK_LOG": str(work.parent / "network.log"), "DO_NOT_TRACK": "1",
           "COMFY_NO_TELEMETRY": "1", "COMFY_NO_UPDATE_CHECK": "1", "LANG": "C.UTF-8"}
    run = subprocess.run([str(comfy_cli_python()), "-m", "comfy_cli", "--skip-prompt", *arguments], cwd=work,
                         env=env, capture_output=True, text=True, timeout=300)
    return CliRun(run.returncode, run.stdout + run.stderr)


def build_release_archive(root: Path) -> ReleaseArchive:
    """Packs and validates a copy of the checkout in `root` (an empty folder)."""
    work = root / "checkout"
    work.mkdir(parents=True)
    tracked_copy(work)
    pack = run_comfy_cli(work, "node", "pack")
    validate = run_comfy_cli(work, "node", "validate")
    archive = work / "node.zip"
    if pack.returncode != 0 or not archive.is_file():
        raise ReleaseToolError(f"comfy node pack failed ({pack.returncode}):\n{pack.output}")
    extracted = root / "extracted"
    with zipfile.ZipFile(archive) as package:
        names = package.namelist()
        package.extractall(extracted)
    log = root / "network.log"
    attempts = log.read_text(encoding="utf-8").splitlines() if log.is_file() else []
    return ReleaseArchive(archive, names, extracted, pack, validate, attempts)


_built: dict[str, ReleaseArchive] = {}


def release_archive(tmp_path_factory) -> ReleaseArchive:
    """Built once per test session (the package and the scanner tests share it)."""
    if "archive" not in _built:
        _built["archive"] = build_release_archive(tmp_path_factory.mktemp("registry-package"))
    return _built["archive"]
