"""A batch from a registry install: the package that `comfy node pack` builds (no scripts/, no tests/),
installed into a ComfyUI's custom_nodes/, runs a batch of Schnell rows from its own command line
(batches/cli.py, a client of the batch routes); its results file is the one `run-workflow --batch --url`
writes for the same rows."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import TEST_API_KEY, comfy_base, start_pack_server
from release_archive import release_archive
from segmind_loopback import TEST_PRICES

REPO = Path(__file__).resolve().parent.parent
FIELDS = ["row", "status", "images", "seed", "cost_usd", "request_id", "error"]


def write_rows(path: Path, node: str, seeds: range) -> Path:
    path.write_text(f"{node}.prompt,{node}.seed\n" + "".join(f"package fox {seed},{seed}\n" for seed in seeds))
    return path


def read_results(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_a_registry_install_runs_a_batch_from_its_own_command_line_as_run_workflow_does(
        loopback, segmind, tmp_path_factory, tmp_path):
    package = release_archive(tmp_path_factory).extracted
    base = comfy_base(tmp_path_factory, "registry-install")
    (base / "custom_nodes" / "comfyui-segmind-flux").unlink()  # the package, not the checkout
    shutil.copytree(package, base / "custom_nodes" / "comfyui-segmind-flux")
    installed = base / "custom_nodes" / "comfyui-segmind-flux"
    assert not (installed / "scripts").exists() and (installed / "batches" / "cli.py").is_file()
    workflow = installed / "workflows" / "api" / "segmind_flux_schnell.json"
    node = next(node_id for node_id, node in json.loads(workflow.read_text()).items()
                if node["class_type"] == "SegmindFluxSchnell")
    server = start_pack_server(loopback, base)
    try:
        segmind.job_seconds = 0.5
        rows = write_rows(tmp_path / "foxes.csv", node, range(900, 904))
        run = subprocess.run([sys.executable, str(installed / "batches" / "cli.py"), str(workflow), str(rows),
                              "--url", server.url, "--parallel", "2"], capture_output=True, text=True, timeout=300,
                             cwd=tmp_path)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "[batch] 4 row(s); estimate ~" in run.stdout and "done: 4 ok, 0 failed or refused" in run.stdout
        ours = read_results(tmp_path / "foxes.results.csv")
        assert sorted(p.body["seed"] for p in segmind.posts()) == [900, 901, 902, 903]  # each row once
        # The same kind of rows through today's command line (a checkout's run-workflow, --url).
        theirs_rows = write_rows(tmp_path / "more.csv", node, range(910, 914))
        env = {"SEGMIND_BASE_URL": segmind.base_url, "SEGMIND_API_KEY": TEST_API_KEY,
               "SEGMIND_CACHE_DIR": str(base / "segmind-cache"), "SEGMIND_CONFIG_FILE": str(base / "no-config.json")}
        today = subprocess.run([sys.executable, str(REPO / "scripts" / "run_workflow.py"), str(workflow), "--url",
                                server.url, "--batch", str(theirs_rows), "--parallel", "2"], capture_output=True,
                               text=True, timeout=300, env={**os.environ, **env})
        assert today.returncode == 0, today.stdout + today.stderr
        theirs = read_results(tmp_path / "more.results.csv")
    finally:
        server.stop()
    assert list(ours[0]) == list(theirs[0]) == FIELDS
    for mine, other in zip(sorted(ours, key=lambda r: int(r["row"])), sorted(theirs, key=lambda r: int(r["row"]))):
        assert (mine["row"], mine["status"], mine["cost_usd"], mine["error"]) == \
            (other["row"], other["status"], other["cost_usd"], other["error"]) == \
            (mine["row"], "ok", f"{TEST_PRICES['flux-schnell']:.6g}", "")
        assert int(mine["seed"]) == 899 + int(mine["row"]) and int(other["seed"]) == 909 + int(other["row"])
        assert mine["request_id"] in segmind.jobs and other["request_id"] in segmind.jobs
        for images in (mine["images"], other["images"]):
            assert images.startswith(f"{server.url}/view?") and f"_row{mine['row']}_" in images
