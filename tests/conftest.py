"""Shared fixtures: the loopback Segmind server, and a real ComfyUI 0.3.75 server with the pack.

The runtime comes from scripts/setup.sh (scripts/test sources its env file): COMFYUI_PATH and
COMFYUI_PYTHON must be set, or the integration tests fail with a clear message (never skip).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
PACK_DIR = TESTS_DIR.parent
sys.path.insert(0, str(PACK_DIR / "scripts"))  # comfy_driver: scripts/ holds no package that shadows ComfyUI

from comfy_driver import ComfyServer  # noqa: E402
from segmind_loopback import SegmindLoopback  # noqa: E402
from workflow_catalog import place_placeholder_models  # noqa: E402


class _PackRootAsPlainFolder:
    """The pack's root holds ComfyUI's `__init__.py`, which ComfyUI imports by location as a package.
    pytest would import it as a test package named after the folder, which fails for names such as
    `comfyui-segmind-flux`: collected as a plain folder, the tests load the pack as ComfyUI does."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_collect_directory(self, path: Path, parent):
        return pytest.Dir.from_parent(parent, path=path) if path == PACK_DIR else None


# Where this project's developers keep the Segmind pages. Users, forks and CI have no such folder: a test that
# read it would pass only here, so reading it fails (the facts the tests check are in tests/page_sheets/).
_BESIDE_THE_CLONE = os.path.join(str(PACK_DIR.parent), "shared") + os.sep


def _refuse_reading_beside_the_clone(event: str, args: tuple) -> None:
    if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, os.PathLike)):
        if os.path.abspath(args[0]).startswith(_BESIDE_THE_CLONE):
            raise PermissionError(f"a test read {args[0]}, outside the repository: transcribe what it needs "
                                  "into tests/page_sheets/ instead")


sys.addaudithook(_refuse_reading_beside_the_clone)


def pytest_configure(config):
    # A plugin, not a conftest hook: conftest hooks do not reach the collection of their parent folder.
    config.pluginmanager.register(_PackRootAsPlainFolder(), "segmind-flux-pack-root")


# A recognisable key: the tests search for it everywhere it must not appear.
TEST_API_KEY = "sk-SECRET-test-key-7f3a9c"


@pytest.fixture(scope="session")
def loopback():
    stand_in = SegmindLoopback(api_key=TEST_API_KEY).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def segmind(loopback):
    loopback.reset()
    yield loopback
    loopback.reset()


def comfy_runtime() -> tuple[Path, str]:
    comfy_dir, python = os.environ.get("COMFYUI_PATH"), os.environ.get("COMFYUI_PYTHON", sys.executable)
    if not comfy_dir or not (Path(comfy_dir) / "main.py").is_file():
        pytest.fail("COMFYUI_PATH does not name a ComfyUI folder: run the tests with `bash scripts/test`.")
    return Path(comfy_dir), python


def comfy_base(tmp_path_factory, name: str, test_nodes: bool = False) -> Path:
    """A ComfyUI base directory of its own, with the pack (and the test-only nodes) in custom_nodes/ (the
    pack puts the example workflows' input images in input/ as ComfyUI starts)."""
    base = tmp_path_factory.mktemp(name)
    (base / "custom_nodes").mkdir()
    (base / "custom_nodes" / "comfyui-segmind-flux").symlink_to(PACK_DIR, target_is_directory=True)
    if test_nodes:
        (base / "custom_nodes" / "segmind-test-nodes").symlink_to(TESTS_DIR / "comfy_test_nodes",
                                                                  target_is_directory=True)
    return base


@pytest.fixture(scope="session")
def comfy_home(tmp_path_factory):
    """A ComfyUI base directory of its own, with the pack linked into custom_nodes/."""
    base = comfy_base(tmp_path_factory, "comfy-base")
    place_placeholder_models(base)  # the example workflows' model files, empty: enough to validate
    return base


def start_pack_server(loopback, home: Path, front_end_root: str | None = None, api_key: str = TEST_API_KEY,
                      extra_env: dict | None = None) -> ComfyServer:
    """ComfyUI with the pack, calling the loopback Segmind server with the test key (api_key="": none)."""
    comfy_dir, python = comfy_runtime()
    env = {"SEGMIND_BASE_URL": loopback.base_url, "SEGMIND_API_KEY": api_key, "PYTHONUNBUFFERED": "1",
           "SEGMIND_INDEX_URL": f"{loopback.base_url}/llms.txt",
           "SEGMIND_CACHE_DIR": str(home / "segmind-cache"),
           "SEGMIND_CONFIG_FILE": str(home / "no-config.json"), **(extra_env or {})}
    return ComfyServer.start(comfy_dir, python, home, env=env, log_path=home / "comfyui.log",
                             front_end_root=front_end_root)


def pack_state(home: Path, loopback) -> Path:
    """Where a server of start_pack_server keeps its ledger, jobs, histories and results for the loopback."""
    from pack_loader import load_pack_module

    return load_pack_module("client.state_folder").state_folder(home / "segmind-cache", loopback.base_url)


@pytest.fixture(scope="session")
def comfy(loopback, comfy_home):
    server = start_pack_server(loopback, comfy_home)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def dev():
    """Tiny Flux dev weights (MODEL, CLIP, VAE) built in this process, with ComfyUI's modules."""
    import tiny_flux  # torch and comfy: only for the tests that use it

    tiny_flux.comfy_in_process()
    return tiny_flux.build_flux("dev")


@pytest.fixture(scope="module")
def schnell():
    """Tiny Flux schnell weights (MODEL, CLIP, VAE) built in this process, with ComfyUI's modules."""
    import tiny_flux

    tiny_flux.comfy_in_process()
    return tiny_flux.build_flux("schnell")


LORA_FILE = "segmind-test-tiny-flux-lora.safetensors"


@pytest.fixture(scope="session")
def local_home(tmp_path_factory):
    """A ComfyUI base directory with the pack, the test-only nodes and a LoRA for the tiny model."""
    import tiny_flux  # torch and comfy: only for the tests that use this server

    base = comfy_base(tmp_path_factory, "comfy-local-base", test_nodes=True)
    tiny_flux.write_lora(base / "models" / "loras" / LORA_FILE)
    return base


@pytest.fixture(scope="session")
def local_server(local_home):
    """A server for the local nodes, fed by the test-only node that builds tiny Flux models."""
    comfy_dir, python = comfy_runtime()
    # One torch thread: steadier on a 2-core CI machine shared with other work (spinning OpenMP threads).
    env = {"OMP_NUM_THREADS": "1", "SEGMIND_API_KEY": "", "SEGMIND_CACHE_DIR": str(local_home / "segmind-cache"),
           "SEGMIND_CONFIG_FILE": str(local_home / "no-config.json")}
    server = ComfyServer.start(comfy_dir, python, local_home, env=env, log_path=local_home / "comfyui.log")
    yield server
    server.stop()
