"""`run-workflow WORKFLOW --batch ROWS`: many rows of one workflow, several rows to a ComfyUI prompt so
that their remote jobs run side by side, within a budget checked before anything is sent, each row's
result written as soon as it ends, and resumable: run again, finished rows are skipped and a job that was
submitted but never collected is collected by the pack (its result cache), never paid again."""
from __future__ import annotations

import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from batch_prompts import counted_cost, failed_node_row, ledger_cost, merged_prompt, row_outputs
from batch_results import FAILED, OK, REFUSED, ResultsFile, RowResult, default_results_path
from batch_rows import BadRows, Row, check_rows, read_rows, row_prompt
from comfy_driver import ComfyError

# Words of the pack's refusals before any billable request (money/budget.py): the row is "refused".
REFUSAL_MARKS = ("Segmind spend cap", "Segmind balance check")
QUEUED_AHEAD = 2
REQUEST_ID_IN_ERROR = re.compile(r"Request id: ([A-Za-z0-9][A-Za-z0-9._:-]*[A-Za-z0-9])")  # prompts waiting in ComfyUI's queue while one runs: it never idles, a Ctrl+C leaves little


@dataclass
class BatchPlan:
    rows: list[Row]  # the rows to run now
    prompts: dict[int, dict]  # row number -> its prompt
    estimates: dict[int, float]  # row number -> estimated USD, $0 where the result cache holds it
    skipped: int  # rows already done in the results file


def input_rules(pack_module) -> dict:
    """class type -> {input: Param} for the pack's nodes: the page's rules, and the remote options."""
    specs, options = pack_module("specs"), pack_module("specs.pack_options")
    rules = {spec.node_id: {p.name: p for p in (*spec.params, *options.PACK_OPTIONS)} for spec in specs.MODELS}
    rules.update({twin.node_id: {p.name: p for p in twin.params} for twin in specs.LOCAL_TWINS})
    return rules


def plan(prompt: dict, rows_path: Path, results: ResultsFile, retry_failed: bool, pack_module,
         settings, root: Path | None) -> BatchPlan:
    rows = read_rows(rows_path)
    check_rows(rows, prompt, input_rules(pack_module))
    done = results.finished()
    keep = [row for row in rows if row.number not in done
            or (retry_failed and done[row.number].status in (FAILED, REFUSED))]
    prompts = {row.number: row_prompt(prompt, row) for row in keep}
    prompt_cost = pack_module("money.prompt_cost")
    with tempfile.TemporaryDirectory() as unknown:  # another machine's ComfyUI (--url): its cache is not here
        estimates = {number: prompt_cost.total_usd(prompt_cost.prompt_costs(row, root or Path(unknown),
                                                                            settings.cache_enabled))
                     for number, row in prompts.items()}
    return BatchPlan(keep, prompts, estimates, len(rows) - len(keep))


def budget_refusal(batch: BatchPlan, settings, max_spend: float | None, root: Path | None, pack_module) -> str | None:
    """Why the batch must not start: over --max-spend, or over what the day cap leaves (with what other
    prompts hold now). None: it fits."""
    pricing, ledger = pack_module("money.pricing"), pack_module("money.spend_ledger")
    total = sum(batch.estimates.values())
    if max_spend is not None and total > max_spend + 1e-9:
        return f"the batch's estimate ~{pricing.format_usd(total)} is over --max-spend {pricing.format_usd(max_spend)}"
    if root is not None and settings.max_spend_per_day is not None:
        try:
            ledger.SpendLedger(root).check(total, settings.max_spend_per_day)
        except ledger.DayCapExceeded as over:
            return (f"the batch's estimate ~{pricing.format_usd(total)} with {pricing.format_usd(over.spent_today)} "
                    f"spent today and {pricing.format_usd(over.in_flight)} held by running jobs is over the day cap "
                    f"of {pricing.format_usd(settings.max_spend_per_day)} (SEGMIND_MAX_SPEND_PER_DAY)")
    return None


def chunks(batch: BatchPlan, parallel: int, per_prompt_cap: float | None) -> list[list[int]]:
    """Rows in prompts of at most `parallel`, each prompt within the per-prompt cap where its rows allow."""
    out, current, spend = [], [], 0.0
    for row in batch.rows:
        cost = batch.estimates[row.number]
        over_cap = per_prompt_cap is not None and current and spend + cost > per_prompt_cap + 1e-9
        if len(current) >= parallel or over_cap:
            out.append(current)
            current, spend = [], 0.0
        current.append(row.number)
        spend += cost
    return out + ([current] if current else [])


class Progress:
    """A bar on a terminal; plain lines otherwise."""

    def __init__(self, total: int, usd_text):
        self.total, self.done, self.spent, self.usd_text = total, 0, 0.0, usd_text
        self.started, self.bar = time.monotonic(), sys.stdout.isatty()

    def row(self, result: RowResult) -> None:
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
            if result.status != OK:
                print(f"\n[batch] {detail}", flush=True)
            if self.done == self.total:
                print(flush=True)
        else:
            print(f"[batch] {detail} · {summary}", flush=True)


def row_result(number: int, found: dict) -> RowResult:
    reports = found.get("segmind", [])
    failures = [r for r in reports if r.get("failed")]
    cost = sum(counted_cost(r) for r in reports)
    seeds = [str(r["seed"]) for r in reports if r.get("seed") is not None]
    ids = [str(r["request_id"]) for r in reports if r.get("request_id")]
    return RowResult(number, FAILED if failures else OK, " | ".join(found.get("images", [])), " ".join(seeds),
                     f"{cost:.6g}", " ".join(ids), "; ".join(str(r.get("reason") or "") for r in failures))


class Lane:
    """One ComfyUI server of the batch and the prompts waiting on it."""

    def __init__(self, server):
        self.server, self.waiting, self.alive = server, [], True  # waiting: (group, prompt id)


SERVER_GONE = (ComfyError, OSError, ValueError)  # refused, reset, or an answer that is not JSON


def execute(servers: list, batch: BatchPlan, groups: list[list[int]], results: ResultsFile,
            base_dir: Path | None, progress: Progress, timeout: float) -> int:
    """Runs the prompts, QUEUED_AHEAD at a time on each server. A prompt that fails runs its other rows
    one by one (the rows that finished are served from the result cache), so that one row's failure is
    that row's only. A server that stops answering gives its prompts back to the others: with a shared
    state folder (one machine, or SEGMIND_CACHE_DIR on a shared disk) their submitted jobs are collected,
    never paid twice."""
    lanes, groups, failed = [Lane(server) for server in servers], list(groups), 0
    started = {}  # prompt id -> when it was queued, for the time-out
    reports: dict[int, list] = {}  # row -> what its Segmind nodes reported, in any prompt

    def record(result: RowResult) -> None:
        nonlocal failed
        results.record(result)
        progress.row(result)
        failed += result.status != OK

    def lose(lane: Lane, why: BaseException) -> None:
        lane.alive = False
        print(f"\n[batch] {lane.server.url} stopped answering ({why}); its rows move to the other server(s)",
              file=sys.stderr, flush=True)
        groups[:0] = [group for group, _ in lane.waiting]
        lane.waiting.clear()

    while groups or any(lane.waiting for lane in lanes):
        alive = [lane for lane in lanes if lane.alive]
        if not alive:
            raise ComfyError("no ComfyUI server of the batch answers; run the same command again to go on")
        for lane in alive:
            while groups and len(lane.waiting) < QUEUED_AHEAD and lane.alive:
                group = groups.pop(0)
                try:
                    status, answer = lane.server.queue_prompt(merged_prompt({n: batch.prompts[n] for n in group}))
                except SERVER_GONE as exc:
                    groups.insert(0, group)
                    lose(lane, exc)
                    break
                if status != 200:
                    message = str(answer.get("error", {}).get("message") or answer)[:500]
                    for number in group:
                        record(RowResult(number, FAILED, cost_usd="0", error=f"ComfyUI rejected it: {message}"))
                    continue
                lane.waiting.append((group, answer["prompt_id"]))
                started[answer["prompt_id"]] = time.monotonic()
        progressed = False
        for lane in alive:
            if not lane.alive or not lane.waiting:
                continue
            group, prompt_id = lane.waiting[0]
            try:
                history = lane.server.finished(prompt_id)
            except SERVER_GONE as exc:
                lose(lane, exc)
                continue
            if history is None:
                if time.monotonic() - started[prompt_id] > timeout:
                    lose(lane, TimeoutError(f"prompt {prompt_id} did not end within {timeout:.0f} s"))
                continue
            lane.waiting.pop(0)
            progressed = True
            outputs = row_outputs(history, base_dir, lane.server)
            for number, found in outputs.items():  # what each job said, wherever it ran
                reports.setdefault(number, []).extend(found["segmind"])
            if history["status"].get("status_str") != "success":
                groups[:0] = _after_failure(group, history, record,
                                            lambda row: ledger_cost(lane.server, prompt_id, row))
                continue
            for number in group:
                found = outputs.get(number, {"images": [], "segmind": []})
                # A row run again after its prompt failed may be served from ComfyUI's own cache, which
                # reports nothing: what its job said the first time stands.
                record(row_result(number, {**found, "segmind": found["segmind"] or reports.get(number, [])}))
        if not progressed:
            time.sleep(0.1)
    return failed


def _after_failure(group: list[int], history: dict, record, cost_of) -> list[list[int]]:
    """Records the row whose own failure stopped the prompt (`cost_of(row)`: what the ledger counted for
    it); returns the rows to run again alone."""
    culprit, message = failed_node_row(history)
    refused = any(mark in message for mark in REFUSAL_MARKS)
    if len(group) == 1 or (culprit in group and not refused):
        # That row's own failure: recorded, never sent again (only --retry-failed does).
        culprit = group[0] if len(group) == 1 else culprit
        request_id = REQUEST_ID_IN_ERROR.search(message)  # a job that reached the server says which
        record(RowResult(culprit, REFUSED if refused else FAILED, cost_usd="0" if refused else cost_of(culprit),
                         request_id=request_id[1] if request_id else "", error=message[:2000]))
        return [[number] for number in group if number != culprit]
    # A refused prompt sent nothing: alone, each row gets its own verdict.
    return [[number] for number in group]


def run_batch(args, prompt: dict, pack_module, base_dir: Path | None, root: Path | None, settings,
              start_server) -> int:
    """Exit codes: 0 every row ok, 1 some row failed or was refused, 2 bad rows or a refused batch."""
    rows_path = Path(args.batch)
    results = ResultsFile(Path(args.results) if args.results else default_results_path(rows_path))
    usd = pack_module("money.pricing").format_usd
    try:
        batch = plan(prompt, rows_path, results, args.retry_failed, pack_module, settings, root)
    except BadRows as bad:
        print(f"[batch] {rows_path}: {len(bad.problems)} bad row value(s); nothing was sent:", file=sys.stderr)
        for problem in bad.problems:
            print(f"[batch]   {problem}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"[batch] cannot read {rows_path}: {exc}", file=sys.stderr)
        return 2
    total = sum(batch.estimates.values())
    cached = sum(1 for usd_ in batch.estimates.values() if usd_ == 0)
    print(f"[batch] {len(batch.rows)} row(s) to run ({batch.skipped} already in {results.path}); estimate "
          f"~{usd(total)} ({cached} row(s) at $0: in the result cache or free)")
    refusal = budget_refusal(batch, settings, args.max_spend, root, pack_module)
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
    groups = chunks(batch, max(1, args.parallel), settings.max_spend_per_prompt)
    servers = start_server()
    progress = Progress(len(batch.rows), usd)
    failed = execute(servers, batch, groups, results, base_dir, progress, args.timeout)
    print(f"[batch] done: {len(batch.rows) - failed} ok, {failed} failed or refused; spent "
          f"{usd(progress.spent)}; results in {results.path}")
    return 1 if failed else 0
