"""Batches: many rows of one API-format workflow, several rows to a ComfyUI prompt so that their remote
jobs run side by side, within a budget checked before anything is sent, each row's result written as
soon as it ends, and resumable without paying a row twice (the pack's result cache and jobs journal).

rows.py reads and checks the rows, plan.py estimates and groups them, engine.py runs the prompts on one
or more ComfyUI servers, results.py keeps the results file. Used by `run-workflow --batch`
(scripts/batch_run.py); plain Python, no comfy or torch."""
