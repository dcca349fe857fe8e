"""The test command works whatever the clone's folder is called: the README's and ComfyUI-Manager's
`comfyui-segmind-flux`, GitHub's `ComfyUI-Segmind-Flux`, and inside a ComfyUI's custom_nodes/."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pack_loader import PACK_DIR

# Fast tests that load the pack (the root __init__.py) and its specs: enough to show the layout works.
PROBE_TESTS = ["tests/test_pack_loading.py", "tests/test_specs.py"]
LAYOUTS = ["comfyui-segmind-flux", "ComfyUI-Segmind-Flux", "ComfyUI/custom_nodes/comfyui-segmind-flux"]


def copy_of_the_pack(destination: Path) -> None:
    shutil.copytree(PACK_DIR, destination, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", "__pycache__", "screenshots", "results", "config.json"))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("where", ["root", "tests"])
def test_the_suite_runs_from_a_clone_of_any_name(tmp_path, layout, where):
    clone = tmp_path / layout
    copy_of_the_pack(clone)
    arguments = PROBE_TESTS if where == "root" else [Path(path).name for path in PROBE_TESTS]
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", *arguments,
                          f"--basetemp={tmp_path / 'pytest'}"], cwd=clone if where == "root" else clone / "tests",
                         capture_output=True, text=True, timeout=300)
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:]
    assert run.returncode == 0 and " passed" in summary and "error" not in summary, run.stdout[-3000:]
    assert "skipped" not in summary, summary  # the pages' checks read the repository's sheets: none is skipped
