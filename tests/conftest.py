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


@pytest.fixture(scope="session")
def comfy_home(tmp_path_factory):
    """A ComfyUI base directory of its own, with the pack linked into custom_nodes/."""
    base = tmp_path_factory.mktemp("comfy-base")
    (base / "custom_nodes").mkdir()
    (base / "custom_nodes" / "comfyui-segmind-flux").symlink_to(PACK_DIR, target_is_directory=True)
    place_placeholder_models(base)  # the example workflows' model files, empty: enough to validate
    return base


@pytest.fixture(scope="session")
def comfy(loopback, comfy_home):
    comfy_dir, python = comfy_runtime()
    env = {"SEGMIND_BASE_URL": loopback.base_url, "SEGMIND_API_KEY": TEST_API_KEY,
           "SEGMIND_CACHE_DIR": str(comfy_home / "segmind-cache"),
           "SEGMIND_CONFIG_FILE": str(comfy_home / "no-config.json")}
    server = ComfyServer.start(comfy_dir, python, comfy_home, env=env, log_path=comfy_home / "comfyui.log")
    yield server
    server.stop()
