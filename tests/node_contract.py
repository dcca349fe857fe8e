"""The pack's node contract: what saved workflows depend on, and the check that it never breaks.

A workflow file names each node by its id and holds its inputs by name (API format) or its widget values
by position (the editor's format), and links to outputs by position. So a node must never disappear, an
input never be removed, renamed, retyped, made required or moved behind a new one, an output never
change, an allowed value never be dropped, a range never narrowed, a default never changed unnoticed.
Adding stays free: new nodes, new optional inputs after the existing ones, new values, wider ranges,
new outputs after the existing ones.

The snapshot (tests/snapshots/node_contract.json) is what ComfyUI serves at /object_info for the pack's
nodes. To change the contract on purpose (a major version), write it again from the running code:

    source "$(bash scripts/setup.sh)" && "$COMFYUI_PYTHON" tests/node_contract.py --update
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent
PACK_DIR = TESTS_DIR.parent
SNAPSHOT = TESTS_DIR / "snapshots" / "node_contract.json"
UPDATE_COMMAND = 'source "$(bash scripts/setup.sh)" && "$COMFYUI_PYTHON" tests/node_contract.py --update'
# Inputs whose allowed values are the user's files, not part of the contract.
FILE_LISTS = {"lora_name": "the files in models/loras"}
# Options of an input that saved values depend on; tooltips and display hints are free to change.
CONTRACT_OPTIONS = ("default", "min", "max", "step", "control_after_generate")
WIDGET_TYPES = {"INT", "FLOAT", "STRING", "BOOLEAN", "COMBO"}
# Nodes of the editor itself (no Python class): they may appear in the editor's workflow files.
FRONTEND_NODES = {"Note", "MarkdownNote", "Reroute", "PrimitiveNode"}
# The editor gives an INT input of these names a control widget unless told otherwise (frontend 1.32.9).
SEED_NAMES = {"seed", "noise_seed"}


# --- the contract, from /object_info ---

def input_type(spec: list) -> str:
    kind = spec[0]
    return "COMBO" if isinstance(kind, list) else kind


def allowed_values(name: str, spec: list):
    if name in FILE_LISTS:
        return FILE_LISTS[name]
    options = spec[1] if len(spec) > 1 else {}
    return list(spec[0]) if isinstance(spec[0], list) else options.get("options")


def node_inputs(info: dict) -> list[tuple[str, bool, list]]:
    """(name, required, spec) of every required and optional input, in the order the editor shows them."""
    order = info.get("input_order") or {group: list(info["input"].get(group, {})) for group in ("required", "optional")}
    return [(name, group == "required", info["input"][group][name])
            for group in ("required", "optional") for name in order.get(group, [])]


def node_contract(info: dict) -> dict:
    inputs = []
    for name, required, spec in node_inputs(info):
        options = spec[1] if len(spec) > 1 and isinstance(spec[1], dict) else {}
        entry = {"name": name, "required": required, "type": input_type(spec)}
        if entry["type"] == "COMBO":
            entry["values"] = allowed_values(name, spec)
        entry.update({key: options[key] for key in CONTRACT_OPTIONS if key in options})
        inputs.append(entry)
    outputs = [{"name": name, "type": kind} for name, kind in zip(info["output_name"], info["output"])]
    return {"inputs": inputs, "outputs": outputs}


def contract(object_info: dict, node_ids) -> dict:
    return {node_id: node_contract(object_info[node_id]) for node_id in sorted(node_ids)}


# --- what breaks saved workflows ---

def input_breaks(node_id: str, old: dict, new: dict) -> list[str]:
    where = f"{node_id}: input '{old['name']}'"
    if new["type"] != old["type"]:
        return [f"{where} changed type from {old['type']} to {new['type']}"]
    problems = []
    if new["required"] and not old["required"]:
        problems.append(f"{where} became required (saved API workflows may not have it)")
    if isinstance(old.get("values"), list):
        dropped = [value for value in old["values"] if value not in (new.get("values") or [])]
        if dropped:
            problems.append(f"{where} no longer allows {dropped}")
    if "min" in old and new.get("min", float("-inf")) > old["min"]:
        problems.append(f"{where} minimum rose from {old['min']} to {new['min']}")
    if "max" in old and new.get("max", float("inf")) < old["max"]:
        problems.append(f"{where} maximum fell from {old['max']} to {new['max']}")
    for key in ("default", "step", "control_after_generate"):
        if old.get(key) != new.get(key):
            problems.append(f"{where} {key} changed from {old.get(key)!r} to {new.get(key)!r}")
    return problems


def node_breaks(node_id: str, old: dict, new: dict) -> list[str]:
    problems = []
    for index, output in enumerate(old["outputs"]):
        now = new["outputs"][index] if index < len(new["outputs"]) else None
        if now != output:
            problems.append(f"{node_id}: output {index} was {output['name']} ({output['type']}), now "
                            + (f"{now['name']} ({now['type']})" if now else "gone"))
    new_inputs = {entry["name"]: entry for entry in new["inputs"]}
    for entry in old["inputs"]:
        if entry["name"] not in new_inputs:
            problems.append(f"{node_id}: input '{entry['name']}' was removed or renamed")
        else:
            problems += input_breaks(node_id, entry, new_inputs[entry["name"]])
    old_order = [entry["name"] for entry in old["inputs"]]
    new_order = [entry["name"] for entry in new["inputs"] if entry["name"] in set(old_order)]
    added_before = [entry["name"] for entry in new["inputs"][:len(old_order)] if entry["name"] not in old_order]
    if new_order != old_order or added_before:
        problems.append(f"{node_id}: inputs must keep their order with new ones after them (saved widget values "
                        f"are positional): was {old_order}, now {[entry['name'] for entry in new['inputs']]}")
    problems += [f"{node_id}: new input '{entry['name']}' is required (saved workflows do not have it)"
                 for entry in new["inputs"] if entry["name"] not in old_order and entry["required"]]
    return problems


def breaks(old: dict, new: dict) -> list[str]:
    problems = [f"node {node_id} was removed" for node_id in old if node_id not in new]
    for node_id in old:
        if node_id in new:
            problems += node_breaks(node_id, old[node_id], new[node_id])
    return problems


def unprotected(old: dict, new: dict) -> list[str]:
    """What the running code has and the snapshot does not yet guard (free to add; --update guards it)."""
    missing = [node_id for node_id in new if node_id not in old]
    for node_id in set(new) & set(old):
        known = {entry["name"] for entry in old[node_id]["inputs"]}
        missing += [f"{node_id}.{entry['name']}" for entry in new[node_id]["inputs"] if entry["name"] not in known]
    return missing


# --- workflow files against the running nodes ---

def is_link(value) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[1], int)


def value_problem(name: str, spec: list, value) -> str | None:
    kind, options = input_type(spec), (spec[1] if len(spec) > 1 and isinstance(spec[1], dict) else {})
    if kind == "COMBO":
        values = list(spec[0]) if isinstance(spec[0], list) else options.get("options", [])
        return None if value in values else f"'{name}' = {value!r} is not one of its values"
    if kind not in WIDGET_TYPES:
        return f"'{name}' takes a {kind} link, not the value {value!r}"
    expected = {"INT": int, "FLOAT": (int, float), "STRING": str, "BOOLEAN": bool}[kind]
    if not isinstance(value, expected) or (kind in ("INT", "FLOAT") and isinstance(value, bool)):
        return f"'{name}' = {value!r} is not a {kind}"
    if kind in ("INT", "FLOAT") and not options.get("min", value) <= value <= options.get("max", value):
        return f"'{name}' = {value!r} is outside {options.get('min')}..{options.get('max')}"
    return None


def api_workflow_problems(prompt: dict, object_info: dict, node_ids) -> list[str]:
    """Every node exists, has its required inputs and valid values and links. A name that is no input of
    the node is ignored by ComfyUI: for the pack's nodes that is a lost value, for others the editor's
    display-only widgets (PreviewAny's 'preview')."""
    problems = []
    for node_id, node in prompt.items():
        kind = node.get("class_type")
        info = object_info.get(kind)
        if info is None:
            problems.append(f"node {node_id}: {kind} is not a node of this ComfyUI")
            continue
        specs = {name: spec for name, _, spec in node_inputs(info)}
        required = [name for name, is_required, _ in node_inputs(info) if is_required]
        problems += [f"node {node_id} ({kind}): required input '{name}' is missing"
                     for name in required if name not in node["inputs"]]
        for name, value in node["inputs"].items():
            if name not in specs:
                if kind in node_ids:
                    problems.append(f"node {node_id} ({kind}): '{name}' is not an input of the node")
            elif is_link(value):
                source = prompt.get(value[0])
                outputs = object_info.get(source.get("class_type"), {}).get("output", []) if source else []
                if value[1] >= len(outputs) or input_type(specs[name]) not in (outputs[value[1]], "*"):
                    problems.append(f"node {node_id} ({kind}): '{name}' links to an output that is not there "
                                    f"or not a {input_type(specs[name])}")
            else:
                problem = value_problem(name, specs[name], value)
                if problem:
                    problems.append(f"node {node_id} ({kind}): {problem}")
    return problems


def widget_names(info: dict) -> list[str]:
    """The editor's widgets of a node, in order: one per widget input, and a control widget after a
    seed-like INT (the editor adds it unless control_after_generate says otherwise)."""
    names = []
    for name, _, spec in node_inputs(info):
        options = spec[1] if len(spec) > 1 and isinstance(spec[1], dict) else {}
        if input_type(spec) not in WIDGET_TYPES:
            continue
        names.append(name)
        control = options.get("control_after_generate", name in SEED_NAMES and input_type(spec) == "INT")
        if control:
            names.append(f"{name}:control_after_generate")
    return names


# Slots the editor adds of its own: LoadImage's upload button (the image_upload option of its input).
EDITOR_ONLY_SLOTS = {"upload"}


def ui_workflow_problems(workflow: dict, object_info: dict, node_ids) -> list[str]:
    """Every node exists with the input slots it names; the pack's nodes hold exactly their widgets' values."""
    problems = []
    for node in workflow.get("nodes", []):
        kind, where = node.get("type"), f"node {node.get('id')} ({node.get('type')})"
        info = object_info.get(kind)
        if info is None:
            if kind not in FRONTEND_NODES:
                problems.append(f"{where} is not a node of this ComfyUI")
            continue
        specs = {name: spec for name, _, spec in node_inputs(info)}
        problems += [f"{where}: input slot '{slot['name']}' is not an input of the node"
                     for slot in node.get("inputs", []) if slot["name"] not in specs.keys() | EDITOR_ONLY_SLOTS]
        if kind not in node_ids:
            continue
        outputs = [(output["name"], output["type"]) for output in node.get("outputs", [])]
        if outputs != list(zip(info["output_name"], info["output"]))[:len(outputs)]:
            problems.append(f"{where}: outputs {outputs} are not the node's")
        names, values = widget_names(info), node.get("widgets_values", [])
        if isinstance(values, dict):
            values = [values.get(name) for name in names]
        if len(values) != len(names):
            problems.append(f"{where}: {len(values)} widget values for the widgets {names}")
            continue
        for name, value in zip(names, values):
            problem = value_problem(name, specs[name], value) if name in specs else None
            if problem:
                problems.append(f"{where}: {problem}")
    return problems


# --- the snapshot ---

def read_snapshot() -> dict:
    return json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def write_snapshot(current: dict) -> None:
    SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
    SNAPSHOT.write_text(json.dumps(current, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


def running_contract() -> dict:
    """Starts ComfyUI with the pack (COMFYUI_PATH, COMFYUI_PYTHON) and reads its nodes from /object_info."""
    sys.path.insert(0, str(PACK_DIR / "scripts"))
    from comfy_driver import ComfyServer
    from pack_loader import load_pack

    with tempfile.TemporaryDirectory() as base:
        (Path(base) / "custom_nodes").mkdir()
        (Path(base) / "custom_nodes" / "comfyui-segmind-flux").symlink_to(PACK_DIR, target_is_directory=True)
        server = ComfyServer.start(Path(os.environ["COMFYUI_PATH"]), os.environ.get("COMFYUI_PYTHON", sys.executable),
                                   Path(base), env={"SEGMIND_API_KEY": ""})
        try:
            return contract(server.get_json("/object_info"), load_pack().NODE_CLASS_MAPPINGS)
        finally:
            server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--update", action="store_true", help="write the snapshot from the running code")
    args = parser.parse_args()
    current = running_contract()
    if args.update:
        write_snapshot(current)
        print(f"wrote {SNAPSHOT.relative_to(PACK_DIR)}: {len(current)} nodes")
        return 0
    problems = breaks(read_snapshot(), current)
    print("\n".join(problems) or "the node contract holds")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
