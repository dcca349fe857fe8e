"""Everything about the user's money, in one package: what a job is expected to cost (pricing,
prompt_cost, cost_history), the caps and the balance check decided once per prompt (budget, balance),
what was spent (spend_ledger, job_log), and whether a job was billed (billing). The nodes, the dry run,
the editor's routes and the batches all ask here. Plain Python: no comfy, no torch."""
