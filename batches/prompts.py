"""Several rows of a batch in one ComfyUI prompt, so that their remote nodes run side by side (ComfyUI runs
one prompt at a time, and the pack's remote nodes overlap within one), and what each row got back."""
from __future__ import annotations

from pathlib import Path

SEPARATOR = "~"  # row and node id: "12~9"; ComfyUI takes any text as a node id


def merged_prompt(row_prompts: dict[int, dict]) -> dict:
    """One prompt holding each row's graph, its node ids and links prefixed with the row number, and
    each SaveImage's file name prefix given the row, so that its files say which row they are."""
    merged = {}
    for row, prompt in row_prompts.items():
        for node_id, node in prompt.items():
            inputs = {}
            for name, value in node.get("inputs", {}).items():
                if isinstance(value, list) and len(value) == 2 and isinstance(value[1], int):
                    value = [f"{row}{SEPARATOR}{value[0]}", value[1]]
                elif name == "filename_prefix" and node.get("class_type") == "SaveImage":
                    value = f"{value}_row{row}"
                inputs[name] = value
            merged[f"{row}{SEPARATOR}{node_id}"] = {**node, "inputs": inputs}
    return merged


def row_of(node_id: str) -> int:
    return int(str(node_id).split(SEPARATOR, 1)[0])


def counted_cost(summary: dict) -> float:
    """What one Segmind node's summary (its UI output) says its job cost: the server's figure, else $0 for
    a result from the cache, else the estimate."""
    cost = summary.get("cost")
    if isinstance(cost, (int, float)):
        return cost
    return 0.0 if summary.get("cached") else summary.get("estimated_cost") or 0.0


def row_outputs(history: dict, base_dir: Path | None, server) -> dict[int, dict]:
    """Per row: the saved image paths (URLs when the output folder is not here) and what its Segmind
    nodes reported (request ids, seeds, costs, failures)."""
    rows: dict[int, dict] = {}
    for node_id, output in history.get("outputs", {}).items():
        found = rows.setdefault(row_of(node_id), {"images": [], "segmind": []})
        for image in output.get("images", []):
            if image.get("type") != "output":
                continue
            found["images"].append(str(base_dir / "output" / image.get("subfolder", "") / image["filename"])
                                   if base_dir is not None else server.output_url(image))
        found["segmind"].extend(output.get("segmind_cost", []))
    return rows


def ledger_cost(server, prompt_id: str, row: int) -> str:
    """What the pack's ledger counted for one row's jobs in a prompt that failed (a failed node reports no
    output): $0 for a job the server refused, the estimate for one that may have been billed. "" when
    the server cannot say."""
    try:
        jobs = server.get_json("/segmind-flux/spend").get("jobs", [])
    except (OSError, ValueError, AttributeError):
        return ""
    # Every node of a batch prompt is named after its row (merged_prompt).
    costs = [job.get("cost") for job in jobs if job.get("prompt_id") == prompt_id and row_of(job["node_id"]) == row]
    if not costs or not all(isinstance(cost, (int, float)) for cost in costs):
        return ""
    return f"{sum(costs):.6g}"


def failed_node_row(history: dict) -> tuple[int | None, str]:
    """The row whose node stopped the prompt, and ComfyUI's words for it."""
    for name, data in history.get("status", {}).get("messages", []):
        if name == "execution_error":
            node = data.get("node_id")
            return (row_of(node) if node else None), str(data.get("exception_message", "")).strip()
    return None, "the prompt failed"
