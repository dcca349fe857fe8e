"""Whether a remote job was billed: decided here and nowhere else. Every way a run ends (a result, a
result served from the cache, a refusal, a failure, a cancel) is one explicit outcome, which the
ledger counts and the log and the jobs list report."""
from __future__ import annotations

from dataclasses import dataclass

NOT_BILLED, MAYBE_BILLED, BILLED = "not billed", "maybe billed", "billed"
# The server refused the job (422 FAILED, e.g. the safety filter): Segmind does not bill it.
NOT_BILLED_STATUSES = (422,)


@dataclass(frozen=True)
class Billing:
    kind: str  # NOT_BILLED, MAYBE_BILLED or BILLED
    reported_usd: float | None = None  # what the server said the job cost, when it said

    @property
    def may_cost(self) -> bool:
        return self.kind != NOT_BILLED

    def counted_usd(self, estimate_usd: float) -> float:
        """What the ledger counts: the server's figure, else the estimate for a job that was (or may have
        been) billed, else nothing."""
        if self.reported_usd is not None:
            return self.reported_usd
        return estimate_usd if self.may_cost else 0.0


def billing_of(submitted: bool, info: dict | None = None, error_status: int | None = None) -> Billing:
    """`submitted`: a billable request went out. `info`: the finished job's (None when it did not
    finish). `error_status`: the HTTP status of the error it ended with, if any."""
    if info is not None:
        if info.get("cached") or info.get("collected_earlier_job"):
            return Billing(NOT_BILLED)  # nothing new: an earlier job was counted when it was submitted
        reported = info.get("cost")
        if isinstance(reported, (int, float)) and not isinstance(reported, bool):
            return Billing(BILLED, float(reported))
        return Billing(BILLED)
    if not submitted or error_status in NOT_BILLED_STATUSES:
        return Billing(NOT_BILLED)
    return Billing(MAYBE_BILLED)
