"""`run-workflow WORKFLOW --batch ROWS`: the command line of the pack's batch engine (batches/): reads and
checks the rows, prints the estimate and the verdict, runs the prompts with a progress bar and says where
the results file is. Run again, finished rows are skipped and a job that was submitted but never collected
is collected by the pack (its result cache), never paid again."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from comfy_driver import ComfyError

SERVER_GONE = (ComfyError, OSError, ValueError)  # refused, reset, or an answer that is not JSON


class Progress:
    """A bar on a terminal; plain lines otherwise."""

    def __init__(self, total: int, usd_text):
        self.total, self.done, self.spent, self.usd_text = total, 0, 0.0, usd_text
        self.started, self.bar = time.monotonic(), sys.stdout.isatty()

    def row(self, result) -> None:
        self.done += 1
        self.spent += float(result.cost_usd or 0)
        elapsed = time.monotonic() - self.started
        left = elapsed / self.done * (self.total - self.done)
        summary = (f"{self.done}/{self.total} rows · spent {self.usd_text(self.spent)} · "
                   f"~{int(left // 60)}:{int(left % 60):02d} left")
        detail = f"row {result.row}: {result.status}" + (f" ({result.error[:120]})" if result.error else "")
        if self.bar:
            filled = int(30 * self.done / max(1, self.total))
            print(f"\r[batch] [{'#' * filled}{'.' * (30 - filled)}] {summary}", end="", flush=True)
            if result.status != "ok":
                print(f"\n[batch] {detail}", flush=True)
            if self.done == self.total:
                print(flush=True)
        else:
            print(f"[batch] {detail} · {summary}", flush=True)


def run_batch(args, prompt: dict, pack_module, base_dir: Path | None, root: Path | None, settings,
              start_server) -> int:
    """Exit codes: 0 every row ok, 1 some row failed or was refused, 2 bad rows or a refused batch."""
    rows, results_file, planning = (pack_module(f"batches.{name}") for name in ("rows", "results", "plan"))
    rows_path = Path(args.batch)
    results = results_file.ResultsFile(Path(args.results) if args.results else
                                       results_file.default_results_path(rows_path))
    usd = pack_module("money.pricing").format_usd
    try:
        batch = planning.plan(prompt, rows.read_rows(rows_path), results.finished(), args.retry_failed, settings, root)
    except rows.BadRows as bad:
        print(f"[batch] {rows_path}: {len(bad.problems)} bad row value(s); nothing was sent:", file=sys.stderr)
        for problem in bad.problems:
            print(f"[batch]   {problem}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"[batch] cannot read {rows_path}: {exc}", file=sys.stderr)
        return 2
    total = batch.total_usd
    cached = sum(1 for usd_ in batch.estimates.values() if usd_ == 0)
    print(f"[batch] {len(batch.rows)} row(s) to run ({batch.skipped} already in {results.path}); estimate "
          f"~{usd(total)} ({cached} row(s) at $0: in the result cache or free)")
    refusal = planning.budget_refusal(batch, settings, args.max_spend, root)
    if args.dry_run:
        for row in batch.rows:
            print(f"[batch] row {row.number} (line {row.line}): ~{usd(batch.estimates[row.number])}")
        print(f"[batch] a run would be refused: {refusal}" if refusal else "[batch] a run would go ahead; nothing was sent")
        return 0
    if refusal:
        print(f"[batch] refused, nothing was sent: {refusal}", file=sys.stderr)
        return 2
    if not batch.rows:
        print("[batch] nothing to do")
        return 0
    groups = planning.chunks(batch, args.parallel, settings.max_spend_per_prompt)
    servers = start_server()
    progress = Progress(len(batch.rows), usd)
    engine = pack_module("batches.engine")
    try:
        failed = engine.execute(servers, batch, groups, results, base_dir, progress.row, args.timeout, SERVER_GONE,
                                lambda text: print(f"\n[batch] {text}", file=sys.stderr, flush=True))
    except engine.NoServerAnswers as exc:
        raise ComfyError(f"{exc} with the same command") from None
    print(f"[batch] done: {len(batch.rows) - failed} ok, {failed} failed or refused; spent "
          f"{usd(progress.spent)}; results in {results.path}")
    return 1 if failed else 0
