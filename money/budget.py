"""Money decisions of one prompt, inside ComfyUI: once per prompt, before its first billable request,
the estimate of all its remote nodes is checked against the caps and the balance; each job then counts
what it spent.

The first remote node of a prompt to run makes the decision; the others wait for it, so that a refusal
reaches every node before any of them sends a billable request. ComfyUI runs one prompt at a time per
process: when a new prompt starts, what an earlier one still holds (jobs that never ran) is given back.
"""
from __future__ import annotations

import asyncio
import logging
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .balance import TOP_UP_URL, read_balance
from .billing import Billing
from ..client.config import Settings
from .cost_history import CostHistory
from ..client.errors import SegmindError
from .pricing import format_usd, work_units
from .prompt_cost import NodeCost, describe, node_cost, prompt_costs, total_usd
from .spend_ledger import DayCapExceeded, SpendLedger
from ..specs import ModelSpec

log = logging.getLogger("comfyui-segmind-flux")
CAP_HELP = ("Raise it in ComfyUI's Settings (Segmind section) or with the environment variable {env} (remove "
            "it for no cap), or make the prompt cheaper (fewer samples or steps, fewer remote nodes).")


class SpendRefused(Exception):
    """A prompt refused before any billable request: over a cap, or over the balance."""

    def __init__(self, message: str, estimate_usd: float = 0.0):
        super().__init__(message)
        self.estimate_usd = estimate_usd  # the refused node's own part of the prompt's estimate


@dataclass
class PromptBudget:
    key: str
    settings: Settings
    root: Path
    costs: dict[str, NodeCost]
    decision: asyncio.Future | None = None
    held: dict[str, float] = field(default_factory=dict)  # the parts reserved in the ledger, per node

    @property
    def ledger(self) -> SpendLedger:
        return SpendLedger(self.root)


@dataclass
class NodeSpend:
    """One remote node's share of its prompt's budget (None: run outside a prompt's decision)."""
    cost: NodeCost
    budget: PromptBudget | None
    spent: float = 0.0  # what settle counted for this job


def _refuse_over_cap(kind: str, cap: float, costs: list[NodeCost], spent: str = "") -> SpendRefused:
    env, key = f"SEGMIND_MAX_SPEND_PER_{kind.upper()}", f"max_spend_per_{kind}"
    return SpendRefused(
        f"Segmind spend cap: this prompt's remote nodes would cost ~{format_usd(total_usd(costs))} together "
        f"({describe(costs)}){spent}, over the per-{kind} cap of {format_usd(cap)} ({env} / {key}). Nothing "
        f"was sent to Segmind. " + CAP_HELP.format(env=env, key=key))


def check_prompt(costs: list[NodeCost], settings: Settings, ledger: SpendLedger, hold_as: str | None) -> bool:
    """The one decision on a prompt's money, for a run and a dry run alike: the per-prompt cap, the day
    cap (with what other prompts hold now), then the balance. A run holds its estimate in the ledger
    under `hold_as`; a dry run (None) holds nothing. Raises SpendRefused; returns whether it holds."""
    total = total_usd(costs)
    if total <= 0:
        return False  # nothing billable: every node is served from the cache or collects an earlier job
    if settings.max_spend_per_prompt is not None and total > settings.max_spend_per_prompt + 1e-9:
        raise _refuse_over_cap("prompt", settings.max_spend_per_prompt, costs)
    holds = False
    try:
        if hold_as is None:
            ledger.check(total, settings.max_spend_per_day)
        else:
            ledger.reserve(hold_as, total, settings.max_spend_per_day)
            holds = True
    except DayCapExceeded as over:
        in_flight = f" plus {format_usd(over.in_flight)} held by jobs running now" if over.in_flight else ""
        raise _refuse_over_cap("day", settings.max_spend_per_day, costs,
                               f"; {format_usd(over.spent_today)} was already spent today{in_flight}") from None
    except (OSError, ValueError) as exc:  # the ledger is damaged or locked by a hung process
        if settings.max_spend_per_day is not None:
            raise SpendRefused(f"Segmind spend cap: the spend ledger cannot be used ({exc}), so the per-day cap "
                               f"cannot be checked and nothing was sent. Delete or repair the file.") from None
        log.warning("Segmind: the spend ledger cannot be used (%s); today's spend is not counted.", exc)
    if not settings.api_key:
        return holds  # the job itself reports the missing key, with what to do
    try:
        balance = read_balance(settings)
    except SegmindError as exc:
        log.warning("Segmind: the balance could not be read before this prompt (%s); going on (Segmind "
                    "itself refuses a job the balance cannot pay for).", exc)
        return holds
    if balance.usable < total:
        if holds:
            ledger.release([hold_as])
        raise SpendRefused(
            f"Segmind balance check: the account holds {format_usd(balance.usable)} "
            f"({format_usd(balance.credits)} credits + {format_usd(balance.free_credits)} free credits), less "
            f"than this prompt's estimate of ~{format_usd(total)} ({describe(costs)}). Nothing was sent, so no "
            f"node pays for images the others could not finish. Top up at {TOP_UP_URL}.")
    return holds


def dry_run_verdict(prompt: dict, settings: Settings, root: Path) -> tuple[list[NodeCost], str | None]:
    """What a run of `prompt` would be told now: its node costs, and the refusal (None: it would run)."""
    costs = prompt_costs(prompt, root, settings.cache_enabled)
    try:
        check_prompt(costs, settings, SpendLedger(root), hold_as=None)
    except SpendRefused as refused:
        return costs, str(refused)
    return costs, None


def _decide(budget: PromptBudget, prompt: dict) -> None:
    """Runs in a worker thread (files, a lock, the network). Raises SpendRefused."""
    budget.costs = {cost.node_id: cost for cost in prompt_costs(prompt, budget.root, budget.settings.cache_enabled)}
    if check_prompt(list(budget.costs.values()), budget.settings, budget.ledger, hold_as=budget.key):
        budget.held = {node_id: cost.usd for node_id, cost in budget.costs.items()}


class PromptBudgets:
    """The money decisions of the prompts running in this process (the pack's runtime holds one)."""

    def __init__(self):
        self._budgets: dict[str, PromptBudget] = {}

    def _begin(self, prompt_key: str, prompt: dict, settings: Settings, root: Path) -> PromptBudget:
        finished = [key for key in self._budgets if key != prompt_key]
        for key in finished:  # one prompt at a time per process: the earlier ones are over
            del self._budgets[key]
        budget = PromptBudget(prompt_key, settings, root, {})
        self._budgets[prompt_key] = budget

        def decide() -> None:
            if finished:
                try:
                    budget.ledger.release(finished)
                except (OSError, ValueError) as exc:
                    log.warning("Segmind: the spend ledger could not be tidied (%s).", exc)
            _decide(budget, prompt)

        budget.decision = asyncio.get_running_loop().run_in_executor(None, decide)
        return budget

    async def admit(self, spec: ModelSpec, node_id: str | None, prompt_id: str | None, prompt: dict | None,
                    values: dict, settings: Settings, root: Path) -> NodeSpend:
        """Waits for the prompt's decision (made once); raises SpendRefused when the prompt is refused."""
        if prompt_id is None or not isinstance(prompt, dict) or str(node_id) not in prompt:
            # Run outside a prompt (a direct call): the node is a prompt of its own.
            node_key = str(node_id or "node")
            prompt_id, prompt = f"single-{uuid.uuid4().hex}", {node_key: {"class_type": spec.node_id, "inputs": values}}
            node_id = node_key
        key = f"{os.getpid()}:{prompt_id}"
        budget = self._budgets.get(key) or self._begin(key, prompt, settings, root)
        try:
            await asyncio.shield(budget.decision)
        except SpendRefused as refused:
            own = budget.costs.get(str(node_id))
            raise SpendRefused(str(refused), own.usd if own else 0.0) from None
        cost = budget.costs.get(str(node_id))
        if cost is None:
            return NodeSpend(node_cost(str(node_id), spec, values, CostHistory(root), None), None)
        return NodeSpend(cost, budget)


def settle(spend: NodeSpend, spec: ModelSpec, body: dict, root: Path, billing: Billing) -> float | None:
    """Counts what one job spent, as `billing` (money/billing.py) says, and gives back the rest of what
    its prompt held for it. Returns today's spend, or None when the ledger cannot be written."""
    budget = spend.budget
    held = budget.held.pop(spend.cost.node_id, 0.0) if budget else 0.0
    if billing.reported_usd is not None:
        CostHistory(root).record(spec.slug, billing.reported_usd, work_units(spec, body))
    spend.spent = billing.counted_usd(spend.cost.estimate.usd)
    try:
        return SpendLedger(root).settle(budget.key if budget else "", held, spend.spent, spec.slug)
    except (OSError, ValueError) as exc:
        log.warning("Segmind: the spend ledger could not be updated (%s); today's spend may be counted low.", exc)
        return None
