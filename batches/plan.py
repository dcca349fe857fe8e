"""What a batch will run and cost before anything is sent: the rows still to run (those the results file
holds are done), each row's estimate ($0 where the result cache holds it), the verdict of the batch's
spending limit and the day cap, and the rows grouped into prompts."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..money.pricing import format_usd
from ..money.prompt_cost import prompt_costs, total_usd
from ..money.spend_ledger import DayCapExceeded, SpendLedger
from .results import FAILED, REFUSED, RowResult
from .rows import Row, check_rows, row_prompt


@dataclass
class BatchPlan:
    rows: list[Row]  # the rows to run now
    prompts: dict[int, dict]  # row number -> its prompt
    estimates: dict[int, float]  # row number -> estimated USD, $0 where the result cache holds it
    skipped: int  # rows already done in the results file

    @property
    def total_usd(self) -> float:
        return sum(self.estimates.values())


def plan(prompt: dict, rows: list[Row], done: dict[int, RowResult], retry_failed: bool, settings,
         root: Path | None) -> BatchPlan:
    """Checks every row (BadRows names each bad value) and estimates the rows not `done`. `root`: the
    state folder of the settings' API server, None when the ComfyUI that runs it is on another machine."""
    check_rows(rows, prompt)
    keep = [row for row in rows if row.number not in done
            or (retry_failed and done[row.number].status in (FAILED, REFUSED))]
    prompts = {row.number: row_prompt(prompt, row) for row in keep}
    with tempfile.TemporaryDirectory() as unknown:  # another machine's ComfyUI: its cache is not here
        estimates = {number: total_usd(prompt_costs(row, root or Path(unknown), settings.cache_enabled))
                     for number, row in prompts.items()}
    return BatchPlan(keep, prompts, estimates, len(rows) - len(keep))


def budget_refusal(batch: BatchPlan, settings, max_spend: float | None, root: Path | None,
                   limit_name: str = "--max-spend") -> str | None:
    """Why the batch must not start: over its spending limit (`limit_name` says where it was set), or over
    what the day cap leaves (with what other prompts hold now). None: it fits."""
    total = batch.total_usd
    if max_spend is not None and total > max_spend + 1e-9:
        return f"the batch's estimate ~{format_usd(total)} is over {limit_name} {format_usd(max_spend)}"
    if root is not None and settings.max_spend_per_day is not None:
        try:
            SpendLedger(root).check(total, settings.max_spend_per_day)
        except DayCapExceeded as over:
            return (f"the batch's estimate ~{format_usd(total)} with {format_usd(over.spent_today)} "
                    f"spent today and {format_usd(over.in_flight)} held by running jobs is over the day cap "
                    f"of {format_usd(settings.max_spend_per_day)} (SEGMIND_MAX_SPEND_PER_DAY)")
    return None


def chunks(batch: BatchPlan, parallel: int, per_prompt_cap: float | None) -> list[list[int]]:
    """Rows in prompts of at most `parallel`, each prompt within the per-prompt cap where its rows allow."""
    out, current, spend = [], [], 0.0
    for row in batch.rows:
        cost = batch.estimates[row.number]
        over_cap = per_prompt_cap is not None and current and spend + cost > per_prompt_cap + 1e-9
        if len(current) >= max(1, parallel) or over_cap:
            out.append(current)
            current, spend = [], 0.0
        current.append(row.number)
        spend += cost
    return out + ([current] if current else [])
