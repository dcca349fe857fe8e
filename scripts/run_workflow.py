"""Run an API-format ComfyUI workflow headless and print where each output image was written.

    python scripts/run_workflow.py [WORKFLOW.json] [--set NODE.INPUT=VALUE ...] [--url http://host:port] [--dry-run]
                                   [--batch ROWS [--parallel N] [--max-spend USD] [--results FILE] [--retry-failed]]

NODE is a node id of the workflow, a node's title, or its class type. Without --url, a ComfyUI server is
started for the run (the one scripts/setup.sh prepared, or COMFYUI_PATH) and stopped afterwards.
--dry-run prints what each Segmind node would cost, the total and the spend caps in force, and sends nothing.
Exit codes: 0 success, 1 a node failed, 2 the workflow was rejected or could not be read.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys
import tempfile
import threading
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from comfy_driver import ComfyError, ComfyServer, describe_rejection, follow_progress  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
PACK_ALIAS = "comfyui_segmind_flux_runner"
DEFAULT_WORKFLOW = REPO / "workflows" / "api" / "segmind_flux_schnell.json"


def parse_value(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text  # plain words are strings: --set prompt=a red car


def apply_overrides(prompt: dict, overrides: list[str]) -> None:
    for override in overrides:
        target, _, value = override.partition("=")
        node_ref, _, input_name = target.rpartition(".")
        if not _ or not node_ref or not input_name:
            raise SystemExit(f"--set {override!r}: expected NODE.INPUT=VALUE")
        matches = [node_id for node_id, node in prompt.items()
                   if node_ref in (node_id, node.get("class_type"), node.get("_meta", {}).get("title"))]
        if len(matches) != 1:
            raise SystemExit(f"--set {override!r}: {len(matches)} nodes match {node_ref!r} "
                             f"(use the node id: {', '.join(prompt)})")
        prompt[matches[0]]["inputs"][input_name] = parse_value(value)


def start_fake_segmind(env: dict):
    sys.path.insert(0, str(REPO / "tests"))
    from segmind_loopback import SegmindLoopback

    stand_in = SegmindLoopback(api_key="offline-demo", job_seconds=1.0).start()
    # Its ledger and histories go to a folder of their own, removed afterwards: never the real ones.
    stand_in.state_dir = tempfile.TemporaryDirectory(prefix="segmind-stand-in-")
    env.update(SEGMIND_BASE_URL=stand_in.base_url, SEGMIND_API_KEY="offline-demo",
               SEGMIND_CACHE="0", SEGMIND_CACHE_DIR=stand_in.state_dir.name)
    print(f"[run] No SEGMIND_API_KEY is set: using the offline Segmind stand-in at {stand_in.base_url}.\n"
          "[run] Its images are flat test colours and nothing is billed. Set SEGMIND_API_KEY for real images.")
    return stand_in


def pack_module(dotted: str):
    """A pure module of the pack (no comfy, no torch), without running its ComfyUI entry point."""
    if PACK_ALIAS not in sys.modules:
        spec = importlib.util.spec_from_file_location(PACK_ALIAS, REPO / "__init__.py",
                                                      submodule_search_locations=[str(REPO)])
        sys.modules[PACK_ALIAS] = importlib.util.module_from_spec(spec)  # a package shell: not executed
    return importlib.import_module(f"{PACK_ALIAS}.{dotted}")


def result_cache_dir(settings, base_dir: Path | None) -> Path | None:
    """Where the pack keeps results, observed costs and the spend ledger for this API server (as
    nodes/user_data.py's data_dir says)."""
    root = settings.cache_dir or (base_dir / "user" / "comfyui-segmind-flux" / "results" if base_dir else None)
    return pack_module("client.state_folder").state_folder(Path(root), settings.base_url) if root else None


def dry_run(prompt: dict, titles: dict, base_dir: Path | None) -> int:
    """Each Segmind node's estimate, the total, the caps, and what a run would be told now: the run's own
    decision (money/budget.py), holding nothing and sending nothing billable (the balance read is free)."""
    pricing, config = pack_module("money.pricing"), pack_module("client.config")
    budget, ledger = pack_module("money.budget"), pack_module("money.spend_ledger")
    try:
        settings = config.load_settings()
    except config.ConfigError as exc:
        print(f"[dry-run] {exc}", file=sys.stderr)
        return 2
    root = result_cache_dir(settings, base_dir)
    with tempfile.TemporaryDirectory() as unknown:  # another machine's ComfyUI (--url): its state is not here
        costs, refusal = budget.dry_run_verdict(prompt, settings, root or Path(unknown))
    for cost in costs:
        shown = cost.estimate.text() if cost.billable else f"$0 ({cost.note})"
        print(f"[dry-run] {titles.get(cost.node_id, cost.node_id)}: {shown} (from the {cost.estimate.basis})")
    total = pack_module("money.prompt_cost").total_usd(costs)
    print(f"[dry-run] total: ~{pricing.format_usd(total)} for {len(costs)} Segmind node(s); nothing was sent")
    spent = ledger.SpendLedger(root).spent_today() if root else 0.0
    for name, cap in (("per prompt", settings.max_spend_per_prompt), ("per day", settings.max_spend_per_day)):
        print(f"[dry-run] cap {name}: {pricing.format_usd(cap) if cap else 'none'}")
    print(f"[dry-run] spent today (counted on this machine): {pricing.format_usd(spent)}")
    print(f"[dry-run] a run would be refused: {refusal}" if refusal else "[dry-run] a run would go ahead")
    return 0


def batch(args, prompt: dict, base_dir: Path | None, env: dict, start_server) -> int:
    """--batch ROWS: the pack's batch engine (scripts/batch_run.py), with the settings the started server will have."""
    from batch_run import run_batch

    def start_servers() -> list[ComfyServer]:
        if not args.url or len(args.url) == 1:
            return [start_server()]
        servers = [ComfyServer(url.rstrip("/")) for url in args.url]
        for each in servers:
            each.wait_ready(10)
        return servers

    config = pack_module("client.config")
    try:
        settings = config.load_settings(environ={**os.environ, **env})
    except config.ConfigError as exc:
        print(f"[batch] {exc}", file=sys.stderr)
        return 2
    root = result_cache_dir(settings, base_dir)
    return run_batch(args, prompt, pack_module, base_dir, root, settings, start_servers)


def spent_in_run(history: dict) -> tuple[float, int]:
    """What the run's Segmind nodes counted: the server's cost, or the estimate where none was reported."""
    counted_cost = pack_module("batches.prompts").counted_cost
    summaries = [summary for output in history.get("outputs", {}).values()
                 for summary in output.get("segmind_cost", [])]
    return sum(counted_cost(s) for s in summaries if not (s.get("cached") or s.get("failed"))), len(summaries)


def has_api_key() -> bool:
    """Whether the pack will find a key (environment or config file), without reading it out."""
    if os.environ.get("SEGMIND_API_KEY"):
        return True
    config = Path(os.environ.get("SEGMIND_CONFIG_FILE") or REPO / "config.json")
    try:
        return bool(json.loads(config.read_text(encoding="utf-8")).get("api_key"))
    except (OSError, ValueError, AttributeError):
        return False


def print_event(kind: str, data: dict, titles: dict) -> None:
    node = data.get("node")
    name = titles.get(node, node)
    if kind == "progress_text":
        print(f"[run] {name}: {data.get('text')}", flush=True)
    elif kind == "executing" and node:
        print(f"[run] running {name}", flush=True)
    elif kind == "progress" and data.get("max", 0) > 1 and data.get("value") == data.get("max"):
        print(f"[run] {name}: 100%", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workflow", nargs="?", default=str(DEFAULT_WORKFLOW))
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="NODE.INPUT=VALUE")
    parser.add_argument("--url", action="append", help="use a running ComfyUI server instead of starting one; "
                        "with --batch, give it more than once to spread the rows over several servers")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for the run")
    parser.add_argument("--dry-run", action="store_true",
                        help="print each Segmind node's estimated cost, the total and the caps; send nothing")
    parser.add_argument("--batch", metavar="ROWS", help="run the workflow once per row of ROWS (CSV with a "
                        "NODE.input header, or JSON Lines), several rows to a prompt; resumable")
    parser.add_argument("--parallel", type=int, default=8, help="with --batch: rows per ComfyUI prompt (default 8)")
    parser.add_argument("--max-spend", type=float, metavar="USD",
                        help="with --batch: refuse the batch, sending nothing, when its estimate is higher")
    parser.add_argument("--results", metavar="FILE", help="with --batch: the results file (default: "
                        "ROWS' name .results.csv, next to it)")
    parser.add_argument("--retry-failed", action="store_true",
                        help="with --batch: run again the rows the results file says failed or were refused")
    parser.add_argument("--fake-segmind", action="store_true",
                        help="use the offline Segmind stand-in (the default when SEGMIND_API_KEY is unset)")
    args = parser.parse_args(argv)

    try:
        prompt = json.loads(Path(args.workflow).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"[run] cannot read {args.workflow}: {exc}", file=sys.stderr)
        return 2
    if "nodes" in prompt and "links" in prompt:
        print(f"[run] {args.workflow} is a UI-format workflow; run the API-format file in workflows/api/.",
              file=sys.stderr)
        return 2
    apply_overrides(prompt, args.overrides)
    titles = {node_id: f"{node.get('_meta', {}).get('title', node['class_type'])} (#{node_id})"
              for node_id, node in prompt.items()}

    stand_in, server, env = None, None, {}
    base_dir = Path(os.environ.get("COMFYUI_BASE_DIR", "")) if not args.url else None
    if args.dry_run and not args.batch:
        return dry_run(prompt, titles, base_dir)

    if args.url and len(args.url) > 1 and not args.batch:
        print("[run] several --url are for --batch; a single run uses one server", file=sys.stderr)
        return 2

    def start_server() -> ComfyServer:
        nonlocal server
        if args.url:
            server = ComfyServer(args.url[0].rstrip("/"))
            server.wait_ready(10)
            return server
        print("[run] starting ComfyUI ...", flush=True)
        log_path = Path(tempfile.gettempdir()) / f"comfyui-segmind-flux-{uuid.uuid4().hex[:8]}.log"
        server = ComfyServer.start(Path(os.environ["COMFYUI_PATH"]), os.environ["COMFYUI_PYTHON"],
                                   base_dir, env=env, log_path=log_path)
        print(f"[run] ComfyUI is up at {server.url} (log: {log_path})", flush=True)
        return server

    def start_server_with_inputs() -> ComfyServer:
        started = start_server()
        upload_example_inputs(started, prompt)
        return started

    try:
        if not args.url and not args.dry_run and (args.fake_segmind or not has_api_key()):
            stand_in = start_fake_segmind(env)
        if args.batch:
            return batch(args, prompt, base_dir, env, start_server_with_inputs)
        start_server_with_inputs()
        client_id = uuid.uuid4().hex
        stop = threading.Event()
        follow_progress(server.url, client_id, lambda kind, data: print_event(kind, data, titles), stop)
        status, answer = server.queue_prompt(prompt, client_id)
        if status != 200:
            print("[run] ComfyUI rejected the workflow:\n" + describe_rejection(answer), file=sys.stderr)
            return 2
        history = server.wait_history(answer["prompt_id"], args.timeout)
        stop.set()
        if history["status"]["status_str"] != "success":
            for name, data in history["status"].get("messages", []):
                if name == "execution_error":
                    print(f"[run] node {data.get('node_id')} ({data.get('node_type')}) failed:\n"
                          f"{data.get('exception_message', '').strip()}", file=sys.stderr)
            return 1
        written = 0
        for node_id, output in history.get("outputs", {}).items():
            for image in output.get("images", []):
                if image.get("type") != "output":
                    continue
                written += 1
                if base_dir is not None:
                    path = base_dir / "output" / image.get("subfolder", "") / image["filename"]
                    print(f"[run] {titles.get(node_id, node_id)} wrote {path}")
                else:
                    print(f"[run] {titles.get(node_id, node_id)} wrote {image['filename']} ({server.output_url(image)})")
        spent, jobs = spent_in_run(history)
        if jobs:
            print(f"[run] Segmind: {jobs} job(s), spent {pack_module('money.pricing').format_usd(spent)}"
                  + (" (offline stand-in: nothing billed)" if stand_in is not None else ""))
        print(f"[run] done: {written} image(s)")
        return 0
    except ComfyError as exc:
        print(f"[run] {exc}", file=sys.stderr)
        return 2
    finally:
        if server is not None and not args.url:
            server.stop()
        if stand_in is not None:
            stand_in.stop()
            stand_in.state_dir.cleanup()


def upload_example_inputs(server: ComfyServer, prompt: dict) -> None:
    """The pack's example input images that the prompt's LoadImage nodes name, into the server's input folder."""
    from workflow_catalog import EXAMPLE_INPUTS_DIR

    names = {node["inputs"].get("image") for node in prompt.values()
             if isinstance(node, dict) and node.get("class_type") == "LoadImage"}
    for name in sorted(name for name in names if isinstance(name, str) and (EXAMPLE_INPUTS_DIR / name).is_file()):
        server.upload_input(name, (EXAMPLE_INPUTS_DIR / name).read_bytes())


if __name__ == "__main__":
    sys.exit(main())
