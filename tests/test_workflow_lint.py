"""The API workflows under comfy-lint (a third-party linter of API prompts, run against a server's
/object_info), on a bare install: ComfyUI with only the pack and no model file (the pack places its
example input images as ComfyUI starts: prestartup_script.py). Only the absent model files may be reported."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import comfy_base, start_pack_server
from example_files import WORKFLOWS
from workflow_catalog import EXAMPLE_INPUTS, EXAMPLE_INPUTS_DIR, MODEL_FILES, STACKED_LORA_FILES, example_lora_files

MODEL_FILE_NAMES = {*MODEL_FILES.values(), *STACKED_LORA_FILES.values(), *example_lora_files()}


@pytest.fixture(scope="module")
def bare_schema(loopback, tmp_path_factory) -> Path:
    base = comfy_base(tmp_path_factory, "bare-install")
    assert not (base / "input").exists() and not (base / "models").exists()
    mine, shipped = EXAMPLE_INPUTS["inpaint"], EXAMPLE_INPUTS["photo"]
    (base / "input").mkdir()
    (base / "input" / mine).write_bytes(b"the user's own file of that name")
    server = start_pack_server(loopback, base)
    try:
        schema = base / "object_info.json"
        schema.write_text(json.dumps(server.get_json("/object_info")))
    finally:
        server.stop()
    # The pack placed its example input as ComfyUI started, and replaced nothing of the user's.
    assert (base / "input" / shipped).read_bytes() == (EXAMPLE_INPUTS_DIR / shipped).read_bytes()
    assert (base / "input" / mine).read_bytes() == b"the user's own file of that name"
    return schema


def lint(schema: Path, files: list[Path]) -> dict:
    run = subprocess.run([sys.executable, "-m", "comfy_lint.cli", "--schema-cache", str(schema), "--json",
                          *map(str, files)], capture_output=True, text=True, timeout=120)
    assert run.stdout, run.stderr
    return json.loads(run.stdout)


def test_comfy_lint_reports_nothing_in_the_api_workflows_but_model_files_absent_on_a_bare_install(bare_schema):
    files = sorted((WORKFLOWS / "api").glob("*.json"))
    report = lint(bare_schema, files)
    assert report["summary"]["files"] == len(files) and report["unreadable"] == []
    absent_models, other = [], []
    for checked in report["files"]:
        prompt = json.loads(Path(checked["path"]).read_text(encoding="utf-8"))
        for found in checked["diagnostics"]:
            value = prompt[found["node_id"]]["inputs"].get(found["field"])
            wanted = found["rule"] == "invalid-enum" and value in MODEL_FILE_NAMES
            (absent_models if wanted else other).append((Path(checked["path"]).name, found["message"]))
    assert other == []
    assert {message.split("'")[1] for _, message in absent_models} == MODEL_FILE_NAMES


def test_comfy_lint_does_report_a_value_the_node_refuses(bare_schema, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"1": {"class_type": "SegmindFluxDev",
                                     "inputs": {"prompt": "x", "aspect_ratio": "7:5", "steps": 25}}}))
    [checked] = lint(bare_schema, [bad])["files"]
    assert [(d["rule"], d["field"]) for d in checked["diagnostics"]] == [("invalid-enum", "aspect_ratio")]
