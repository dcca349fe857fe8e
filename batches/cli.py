"""A batch from the command line of any install (a registry install included: it needs only the pack's
folder and a Python): a client of a running ComfyUI's batch routes (routes/batch.py).

    python custom_nodes/comfyui-segmind-flux/batches/cli.py WORKFLOW_API.json ROWS.csv [--url URL]
        [--parallel N] [--max-spend USD] [--dry-run] [--results FILE]
    python .../batches/cli.py --resume BATCH_ID [--url URL]     (a stopped batch, e.g. after Ctrl+C)

The batch runs inside that ComfyUI: Ctrl+C stops it (the prompts already queued end) and says how to
resume it. Exit codes: 0 every row ok, 1 a row failed or was refused, 2 refused or bad rows, 3 no ComfyUI.
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import json
import sys
import time
from pathlib import Path


def _beside(name: str):
    """A module of this folder, by its path: the script runs without the pack being a package."""
    spec = importlib.util.spec_from_file_location(f"segmind_flux_batch_{name}", Path(__file__).with_name(f"{name}.py"))
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # dataclasses look it up there
    spec.loader.exec_module(module)
    return module


comfy_http = _beside("comfy_http")
ComfyHttp, ComfyHttpError = comfy_http.ComfyHttp, comfy_http.ComfyHttpError
FIELDS = _beside("results").FIELDS

DEFAULT_URL = "http://127.0.0.1:8188"
POLL_S = 1.0
ROUTE = "/segmind-flux/batches"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workflow", nargs="?", help="an API-format workflow (workflows/api/*.json)")
    parser.add_argument("rows", nargs="?", help="CSV whose header names NODE.input, or JSON Lines")
    parser.add_argument("--url", default=DEFAULT_URL, help=f"the running ComfyUI (default {DEFAULT_URL})")
    parser.add_argument("--parallel", type=int, default=8, help="rows per ComfyUI prompt (default 8)")
    parser.add_argument("--max-spend", type=float, metavar="USD", help="refuse a batch whose estimate is more")
    parser.add_argument("--dry-run", action="store_true", help="check the rows and estimate; send nothing")
    parser.add_argument("--results", metavar="FILE", help="where to write the results (default <rows>.results.csv)")
    parser.add_argument("--resume", metavar="BATCH_ID", help="resume a stopped batch instead of starting one")
    args = parser.parse_args(argv)
    if not args.resume and not (args.workflow and args.rows):
        parser.error("give WORKFLOW and ROWS, or --resume BATCH_ID")
    return args


def post(server: ComfyHttp, path: str, payload: dict) -> tuple[int, dict]:
    status, body = server.request("POST", path, payload, timeout=120)
    try:
        return status, json.loads(body or b"{}")
    except ValueError:
        return status, {"error": f"HTTP {status} (is the pack installed in that ComfyUI?)"}


def start(server: ComfyHttp, args) -> tuple[str | None, int]:
    rows = Path(args.rows)
    payload = {"prompt": json.loads(Path(args.workflow).read_text(encoding="utf-8")),
               "rows": rows.read_text(encoding="utf-8-sig"), "format": "csv" if rows.suffix.lower() == ".csv" else "jsonl",
               "parallel": args.parallel, "max_spend": args.max_spend, "dry_run": args.dry_run}
    status, answer = post(server, ROUTE, payload)
    for problem in answer.get("problems", []):
        print(f"[batch]   {problem}", file=sys.stderr)
    if status != 200:
        print(f"[batch] {answer.get('error', f'HTTP {status}')}", file=sys.stderr)
        return None, 2
    print(f"[batch] {answer['rows']} row(s); estimate ~{answer['estimate_text']} ({answer['cached_rows']} at $0: "
          f"in the result cache or free); verdict: {answer['verdict']}")
    if args.dry_run:
        return None, 0
    print(f"[batch] started {answer['id']} in {server.url}")
    return answer["id"], 0


def follow(server: ComfyHttp, batch_id: str) -> dict:
    """Prints each row as it ends; returns the batch once it is no longer running."""
    seen = set()
    while True:
        view = server.get_json(f"{ROUTE}/{batch_id}")
        for row in view["rows"]:
            if row["status"] != "pending" and row["row"] not in seen:
                seen.add(row["row"])
                error = f" ({row['error'][:120]})" if row.get("error") else ""
                print(f"[batch] row {row['row']}: {row['status']}{error} · {view['rows_done'] + view['rows_failed']}/"
                      f"{view['rows_total']} rows · spent {view['spent_text']}", flush=True)
        if view["state"] in ("done", "stopped"):
            return view
        time.sleep(POLL_S)


def write_results(path: Path, rows: list[dict], url: str) -> None:
    """The results file as `run-workflow --batch --url` writes it: the images as full URLs."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            images = [f"{url}{image}" if image.startswith("/") else image for image in row["images"].split(" | ") if image]
            writer.writerow({**row, "images": " | ".join(images)})


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    server = ComfyHttp(args.url)
    batch_id = args.resume
    try:
        if batch_id:
            status, answer = post(server, f"{ROUTE}/{batch_id}/resume", {})
            if status != 200:
                print(f"[batch] {answer.get('error', f'HTTP {status}')}", file=sys.stderr)
                return 2
        else:
            batch_id, code = start(server, args)
            if batch_id is None:
                return code
        try:
            view = follow(server, batch_id)
        except KeyboardInterrupt:
            post(server, f"{ROUTE}/{batch_id}/stop", {})
            print(f"\n[batch] stopping {batch_id} (the prompts already queued end); go on with --resume {batch_id}",
                  file=sys.stderr)
            return 1
        status, body = server.request("GET", f"{ROUTE}/{batch_id}/results.csv")
    except ComfyHttpError as exc:
        print(f"[batch] {exc}", file=sys.stderr)
        return 3
    results = Path(args.results) if args.results else (
        Path(args.rows).with_name(Path(args.rows).stem + ".results.csv") if args.rows else Path(f"{batch_id}.results.csv"))
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    write_results(results, rows, server.url)
    failed = sum(1 for row in rows if row["status"] != "ok")
    print(f"[batch] {view['state']}: {view['rows_done']} ok, {view['rows_failed']} failed or refused; spent "
          f"{view['spent_text']}; results in {results}" + (f"; {view['error']}" if view.get("error") else ""))
    return 1 if failed or view["state"] != "done" else 0


if __name__ == "__main__":
    sys.exit(main())
