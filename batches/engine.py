"""Running a batch's prompts on one or more ComfyUI servers, QUEUED_AHEAD at a time on each, and turning
what each prompt reports into one result per row.

A server here is a comfy_http.ComfyHttp, or anything with its `queue_prompt`, `finished`, `output_url`,
`get_json` and `url` (scripts/comfy_driver.ComfyServer is one).
"""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Callable

from .comfy_http import ComfyHttpError
from .plan import BatchPlan
from .prompts import counted_cost, failed_node_row, ledger_cost, merged_prompt, row_outputs
from .results import FAILED, OK, REFUSED, ResultsFile, RowResult

# Words of the pack's refusals before any billable request (money/budget.py): the row is "refused".
REFUSAL_MARKS = ("Segmind spend cap", "Segmind balance check")
# Prompts waiting in ComfyUI's queue while one runs: it never idles, and a stop leaves little behind.
QUEUED_AHEAD = 2
REQUEST_ID_IN_ERROR = re.compile(r"Request id: ([A-Za-z0-9][A-Za-z0-9._:-]*[A-Za-z0-9])")


class NoServerAnswers(Exception):
    """Every server of the batch stopped answering: running it again goes on where it stopped."""


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


def execute(servers: list, batch: BatchPlan, groups: list[list[int]], results: ResultsFile,
            base_dir: Path | None, on_row: Callable[[RowResult], None], timeout: float,
            server_errors: tuple = (ComfyHttpError, OSError, ValueError), on_lost: Callable[[str], None] = lambda text: None,
            stop: Callable[[], bool] = lambda: False, extra_data: dict | None = None) -> int:
    """Runs the prompts and returns how many rows failed or were refused. A prompt that fails runs its
    other rows one by one (the rows that finished are served from the result cache), so that one row's
    failure is that row's only. A server that stops answering (`server_errors`) gives its prompts back to
    the others: with a shared state folder (one machine, or SEGMIND_CACHE_DIR on a shared disk) their
    submitted jobs are collected, never paid twice. Once `stop()` is true nothing more is queued; the
    prompts already queued finish. `extra_data` goes with every prompt (the editor's workflow, for the
    saved images' metadata)."""
    lanes, groups, failed = [Lane(server) for server in servers], list(groups), 0
    started = {}  # prompt id -> when it was queued, for the time-out
    reports: dict[int, list] = {}  # row -> what its Segmind nodes reported, in any prompt

    def record(result: RowResult) -> None:
        nonlocal failed
        results.record(result)
        on_row(result)
        failed += result.status != OK

    def lose(lane: Lane, why: BaseException) -> None:
        lane.alive = False
        on_lost(f"{lane.server.url} stopped answering ({why}); its rows move to the other server(s)")
        groups[:0] = [group for group, _ in lane.waiting]
        lane.waiting.clear()

    while (groups and not stop()) or any(lane.waiting for lane in lanes):
        alive = [lane for lane in lanes if lane.alive]
        if not alive:
            raise NoServerAnswers("no ComfyUI server of the batch answers; run the batch again to go on")
        for lane in alive:
            while groups and not stop() and len(lane.waiting) < QUEUED_AHEAD and lane.alive:
                group = groups.pop(0)
                try:
                    status, answer = lane.server.queue_prompt(merged_prompt({n: batch.prompts[n] for n in group}),
                                                              extra_data=extra_data)
                except server_errors as exc:
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
            except server_errors as exc:
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
        # That row's own failure: recorded, never sent again (only a retry of failed rows does).
        culprit = group[0] if len(group) == 1 else culprit
        request_id = REQUEST_ID_IN_ERROR.search(message)  # a job that reached the server says which
        record(RowResult(culprit, REFUSED if refused else FAILED, cost_usd="0" if refused else cost_of(culprit),
                         request_id=request_id[1] if request_id else "", error=message[:2000]))
        return [[number] for number in group if number != culprit]
    # A refused prompt sent nothing: alone, each row gets its own verdict.
    return [[number] for number in group]
