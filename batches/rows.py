"""The rows of a batch: CSV whose header names `NODE.input` (as --set does), or JSON Lines, one object
per row with the same keys. Every bad row is found before anything is sent: an unknown node or input, a
value the page does not allow, a malformed line; each problem names the file's line."""
from __future__ import annotations

import copy
import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..specs import LOCAL_TWINS, MODELS, SpecValidationError, any_model
from ..specs.pack_options import PACK_OPTIONS


@dataclass
class Row:
    number: int  # 1 for the first row of data
    line: int  # where it starts in the file
    values: dict = field(default_factory=dict)  # "NODE.input" -> value, as written


class BadRows(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_cell(text: str):
    """A CSV cell as --set reads a value: JSON where it parses (7, 0.5, true), else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def read_rows(path: Path) -> list[Row]:
    """The rows of `path` (.csv, else JSON Lines); BadRows lists every line that cannot be read."""
    return rows_of_text(path.read_text(encoding="utf-8-sig"), csv_text=path.suffix.lower() == ".csv")


def rows_of_text(text: str, csv_text: bool) -> list[Row]:
    """The rows of CSV or JSON Lines text; BadRows lists every line that cannot be read."""
    return _csv_rows(text) if csv_text else _json_rows(text)


def _csv_rows(text: str) -> list[Row]:
    reader = csv.reader(text.splitlines())
    try:
        header = next(reader)
    except StopIteration:
        raise BadRows(["line 1: the file is empty; the first line names the inputs, as NODE.input"]) from None
    rows, problems = [], []
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        if len(cells) != len(header):
            problems.append(f"line {line}: {len(cells)} cells, the header has {len(header)}")
            continue
        values = {key.strip(): parse_cell(cell) for key, cell in zip(header, cells) if cell != ""}
        rows.append(Row(len(rows) + len(problems) + 1, line, values))
    if problems:
        raise BadRows(problems)
    return rows


def _json_rows(text: str) -> list[Row]:
    rows, problems = [], []
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            values = json.loads(raw)
        except ValueError as exc:
            problems.append(f"line {line}: not JSON ({exc.msg})")
            continue
        if not isinstance(values, dict):
            problems.append(f"line {line}: a row is one JSON object of NODE.input keys, not {type(values).__name__}")
            continue
        rows.append(Row(len(rows) + len(problems) + 1, line, values))
    if problems:
        raise BadRows(problems)
    return rows


def find_node(prompt: dict, node_ref: str) -> list[str]:
    """The ids of the nodes `node_ref` names: a node id, a title or a class type, as --set takes it."""
    return [node_id for node_id, node in prompt.items()
            if node_ref in (node_id, node.get("class_type"), node.get("_meta", {}).get("title"))]


def input_rules() -> dict:
    """class type -> {input: Param} for the pack's nodes: the page's rules, and the remote options."""
    rules = {spec.node_id: {p.name: p for p in (*spec.params, *PACK_OPTIONS)} for spec in MODELS}
    rules.update({twin.node_id: {p.name: p for p in twin.params} for twin in LOCAL_TWINS})
    return rules


def check_rows(rows: list[Row], prompt: dict, rules: dict | None = None) -> None:
    """Raises BadRows naming every bad value of every row. `rules`: class type -> {input: Param}, the
    pack's nodes' inputs with their page rules (input_rules()); other nodes take any input they already have."""
    rules = input_rules() if rules is None else rules
    problems = []
    for row in rows:
        for key, value in row.values.items():
            problem = _problem(prompt, rules, key, value)
            if problem:
                problems.append(f"line {row.line} (row {row.number}): {problem}")
    if problems:
        raise BadRows(problems)


def _target(prompt: dict, key: str) -> tuple[str, str, str | None]:
    """(node reference, input, field): the field is a key inside the request of a SegmindFluxAnyModel node
    (`NODE.parameters.prompt`), None for a node's own input (`NODE.input`)."""
    head, separator, field = str(key).partition(f".{any_model.PARAMETERS}.")
    if separator and field and any(prompt[node_id].get("class_type") == any_model.NODE_ID
                                   for node_id in find_node(prompt, head)):
        return head, any_model.PARAMETERS, field
    node_ref, _, input_name = str(key).rpartition(".")
    return node_ref, input_name, None


def _request_problem(node: dict, field: str | None, value) -> str | None:
    """A row's value for the request of a SegmindFluxAnyModel node: the whole object, or one field of it,
    checked by the typed spec of the node's model where it has one."""
    try:
        if field is None:
            any_model.parse_parameters(value)
            return None
        current = any_model.parse_parameters(node["inputs"].get(any_model.PARAMETERS, "{}"))
        typed = any_model.TYPED.get(node["inputs"].get("model"))
        param = next((p for p in typed.params if p.name == field), None) if typed else None
        if typed and param is None and field not in current:
            return f"{typed.slug} has no field {field!r} (it has {', '.join(typed.param_names)})"
        if param is not None and not any_model.references({field: value}):
            param.validate(value, any_model.NODE_ID)
    except SpecValidationError as exc:
        return str(exc)
    return None


def _problem(prompt: dict, rules: dict, key: str, value) -> str | None:
    node_ref, input_name, field = _target(prompt, key)
    if not node_ref or not input_name:
        return f"{key!r} is not NODE.input"
    matches = find_node(prompt, node_ref)
    if len(matches) != 1:
        return f"{key!r}: {len(matches)} nodes match {node_ref!r} (use a node id: {', '.join(prompt)})"
    node = prompt[matches[0]]
    if node.get("class_type") == any_model.NODE_ID and input_name == any_model.PARAMETERS:
        return _request_problem(node, field, value)
    params = rules.get(node.get("class_type"))
    if params is None:
        if input_name not in node.get("inputs", {}):
            return f"{key!r}: the node has no input {input_name!r}"
        return None
    if input_name not in params:
        if input_name in node.get("inputs", {}):
            return None  # an input without a page rule (a twin's lora_name): ComfyUI checks it when queued
        return f"{key!r}: {node['class_type']} has no input {input_name!r} (it has {', '.join(params)})"
    try:
        params[input_name].validate(value, node["class_type"])
    except ValueError as exc:
        return str(exc)
    return None


def row_prompt(prompt: dict, row: Row) -> dict:
    """The workflow with the row's values in place."""
    changed = copy.deepcopy(prompt)
    for key, value in row.values.items():
        node_ref, input_name, field = _target(changed, key)
        inputs = changed[find_node(changed, node_ref)[0]]["inputs"]
        if field is not None:  # one field of the request: the rest of the object stays as the workflow has it
            value = {**any_model.parse_parameters(inputs.get(input_name, "{}")), field: value}
        if input_name == any_model.PARAMETERS and isinstance(value, dict):
            value = json.dumps(value)  # the request is a text widget (a CSV cell's object parses as JSON)
        inputs[input_name] = value
    return changed
