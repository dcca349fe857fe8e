"""The headless runner (the README's main command) against the real server and the loopback Segmind."""
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from segmind_loopback import Fault

REPO = Path(__file__).resolve().parent.parent
RUNNER = REPO / "scripts" / "run_workflow.py"
SCHNELL = REPO / "workflows" / "api" / "segmind_flux_schnell.json"


def run_runner(*args, env=None):
    return subprocess.run([sys.executable, str(RUNNER), *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_runner_runs_a_workflow_with_overrides_and_prints_output_paths(comfy, comfy_home, segmind):
    out = run_runner(str(SCHNELL), "--url", comfy.url, "--set", "SegmindFluxSchnell.seed=8080", "--set",
                     "SegmindFluxSchnell.prompt=a red fox", "--set", "SegmindFluxSchnell.width=640")
    assert out.returncode == 0, out.stderr
    assert segmind.posts()[0].body["prompt"] == "a red fox" and segmind.posts()[0].body["seed"] == 8080
    written = [line for line in out.stdout.splitlines() if " wrote " in line]
    assert len(written) == 1 and "wrote segmind_flux_schnell_" in written[0] and "subfolder=segmind" in written[0]
    assert "[run] done: 1 image(s)" in out.stdout
    assert "[run] Segmind: 1 job(s), spent $0.008\n" in out.stdout  # as the loopback server reported it
    assert "QUEUED" in out.stdout or "PROCESSING" in out.stdout  # progress text from the node
    name = written[0].split(" wrote ")[1].split(" ")[0]
    assert Image.open(comfy_home / "output" / "segmind" / name).size == (640, 1024)


def test_runner_prints_the_failing_nodes_error_and_exits_non_zero(comfy, segmind):
    segmind.inject(Fault("POST", "/v2/", status=406, body={"error": "Insufficient credits"}))
    out = run_runner(str(SCHNELL), "--url", comfy.url, "--set", "SegmindFluxSchnell.seed=8081")
    assert out.returncode == 1
    assert "(SegmindFluxSchnell) failed" in out.stderr
    assert "HTTP 406" in out.stderr and "Insufficient credits" in out.stderr


def test_runner_reports_a_rejected_workflow(comfy, segmind):
    out = run_runner(str(SCHNELL), "--url", comfy.url, "--set", "SegmindFluxSchnell.steps=99")
    assert out.returncode == 2
    assert "input 'steps' must be an integer from 1 to 8; got 99." in out.stderr
    assert segmind.received == []


def test_runner_starts_its_own_server_with_the_offline_stand_in(tmp_path):
    base = tmp_path / "base"
    (base / "custom_nodes").mkdir(parents=True)
    (base / "custom_nodes" / "comfyui-segmind-flux").symlink_to(REPO, target_is_directory=True)
    env = {"COMFYUI_BASE_DIR": str(base), "SEGMIND_API_KEY": "", "SEGMIND_CONFIG_FILE": str(tmp_path / "none.json")}
    out = run_runner(env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "offline Segmind stand-in" in out.stdout
    assert "[run] Segmind: 1 job(s), spent $0.008 (offline stand-in: nothing billed)" in out.stdout
    paths = [Path(line.split(" wrote ")[1]) for line in out.stdout.splitlines() if " wrote " in line]
    assert len(paths) == 1 and paths[0].is_file() and str(paths[0]).startswith(str(base / "output"))
    # The stand-in's job is nowhere in the real API's state: a dry run for it counts nothing spent.
    state = ("spend-ledger.json", "jobs.json", "observed-costs.json", "durations.json", "info.json")
    assert [path for path in base.rglob("*.json") if path.name in state] == []
    dry = run_runner("--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "[dry-run] spent today (counted on this machine): $0" in dry.stdout.splitlines()
    assert "(from the page price)" in dry.stdout, dry.stdout
    assert Image.open(paths[0]).size == (1024, 1024)


def test_a_killed_runner_leaves_no_comfyui_running(tmp_path):
    """The runner's own ComfyUI dies with it, even when the runner is killed: it would otherwise go on
    with the prompts a batch had queued."""
    import signal
    import time
    import urllib.request

    base = tmp_path / "base"
    (base / "custom_nodes").mkdir(parents=True)
    (base / "custom_nodes" / "comfyui-segmind-flux").symlink_to(REPO, target_is_directory=True)
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(f'{{"SegmindFluxSchnell.seed": {n}}}\n' for n in range(4)))
    env = {**os.environ, "COMFYUI_BASE_DIR": str(base), "SEGMIND_API_KEY": "",
           "SEGMIND_CONFIG_FILE": str(tmp_path / "none.json")}
    runner = subprocess.Popen([sys.executable, str(RUNNER), "--batch", str(rows)], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = None
    for line in runner.stdout:
        if "ComfyUI is up at " in line:
            url = line.split("ComfyUI is up at ")[1].split()[0]
            break
    assert url, "the runner never started its ComfyUI"
    urllib.request.urlopen(url + "/system_stats", timeout=5).read()  # it answers while the runner lives
    runner.send_signal(signal.SIGKILL)
    runner.wait(10)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/system_stats", timeout=1).read()
        except OSError:
            return  # gone
        time.sleep(0.2)
    raise AssertionError(f"ComfyUI at {url} still answers after its runner was killed")
