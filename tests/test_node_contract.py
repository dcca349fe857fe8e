"""Saved workflows never break: the pack's nodes keep the contract of tests/snapshots/node_contract.json,
and every example workflow (the editor's files and the API prompts) loads with the running nodes."""
from __future__ import annotations

import copy
import json

import pytest

from node_contract import (UPDATE_COMMAND, api_workflow_problems, breaks, contract, read_snapshot,
                           ui_workflow_problems, unprotected)
from pack_loader import PACK_DIR, load_pack

UI_WORKFLOWS = sorted((PACK_DIR / "workflows").glob("*.json"))
API_WORKFLOWS = sorted((PACK_DIR / "workflows" / "api").glob("*.json"))
NODE = "SegmindFluxDev"  # a node with a list, numbers, a seed and two outputs: the planted breaks use it


@pytest.fixture(scope="module")
def object_info(comfy):
    return comfy.get_json("/object_info")


@pytest.fixture(scope="module")
def node_ids():
    return sorted(load_pack().NODE_CLASS_MAPPINGS)


def test_no_node_input_output_or_value_that_saved_workflows_use_has_changed(object_info, node_ids):
    snapshot, current = read_snapshot(), contract(object_info, node_ids)
    problems = breaks(snapshot, current)
    assert not problems, ("These changes break saved workflows:\n  " + "\n  ".join(problems) + "\nIf that is the "
                          f"intent (a new major version, said in CHANGELOG.md), write the contract again: {UPDATE_COMMAND}")
    new = unprotected(snapshot, current)
    # Adding is free, but unguarded: a node or input the snapshot lacks could be changed later unseen.
    assert not new, f"not yet in the node contract snapshot: {', '.join(new)}. Guard it: {UPDATE_COMMAND}"


def inputs(node: dict) -> dict:
    return {entry["name"]: entry for entry in node["inputs"]}


def planted_breaks() -> dict:
    """Each change that breaks a saved workflow, made to a copy of the snapshot, and the words that say so."""
    def change(edit):
        changed = copy.deepcopy(read_snapshot())
        edit(changed[NODE])
        return changed

    def drop(name):
        return lambda node: node["inputs"].remove(inputs(node)[name])

    def rename(node):
        inputs(node)["steps"]["name"] = "num_steps"

    def insert_first(node):
        node["inputs"].insert(0, {"name": "style", "required": False, "type": "STRING", "default": ""})

    return {
        "node removed": ({k: v for k, v in read_snapshot().items() if k != NODE}, f"node {NODE} was removed"),
        "input removed": (change(drop("guidance")), "input 'guidance' was removed or renamed"),
        "input renamed": (change(rename), "input 'steps' was removed or renamed"),
        "value dropped": (change(lambda n: inputs(n)["aspect_ratio"]["values"].remove("16:9")),
                          "input 'aspect_ratio' no longer allows ['16:9']"),
        "output changed": (change(lambda n: n["outputs"][0].update(type="LATENT")), "output 0 was images (IMAGE)"),
        "output removed": (change(lambda n: n["outputs"].pop()), "output 1 was info (STRING), now gone"),
        "type changed": (change(lambda n: inputs(n)["steps"].update(type="FLOAT")),
                         "input 'steps' changed type from INT to FLOAT"),
        "range narrowed": (change(lambda n: inputs(n)["steps"].update(max=30)), "input 'steps' maximum fell"),
        "minimum raised": (change(lambda n: inputs(n)["seed"].update(min=0)), "input 'seed' minimum rose"),
        "default changed": (change(lambda n: inputs(n)["steps"].update(default=30)),
                            "input 'steps' default changed from 25 to 30"),
        "made required": (change(lambda n: inputs(n)["seed"].update(required=True)), "input 'seed' became required"),
        "control widget added": (change(lambda n: inputs(n)["seed"].update(control_after_generate="fixed")),
                                 "input 'seed' control_after_generate changed"),
        "input inserted before others": (change(insert_first), "inputs must keep their order"),
        "new required input": (change(lambda n: n["inputs"].append({"name": "style", "required": True,
                                                                    "type": "STRING"})),
                               "new input 'style' is required"),
    }


@pytest.mark.parametrize("case", sorted(planted_breaks()))
def test_the_contract_check_finds_each_kind_of_break(case):
    # The snapshot stands for the code before, the changed copy for the code after.
    changed, words = planted_breaks()[case]
    problems = breaks(read_snapshot(), changed)
    assert any(words in problem for problem in problems), problems


def test_adding_nodes_inputs_values_outputs_and_range_stays_free():
    snapshot = read_snapshot()
    grown = copy.deepcopy(snapshot)
    node = grown[NODE]
    node["inputs"].append({"name": "style", "required": False, "type": "STRING", "default": ""})
    inputs(node)["aspect_ratio"]["values"].append("7:3")
    inputs(node)["steps"]["max"] += 10
    node["outputs"].append({"name": "latent", "type": "LATENT"})
    grown["SegmindFluxNext"] = copy.deepcopy(node)
    assert breaks(snapshot, grown) == []
    assert unprotected(snapshot, grown) == ["SegmindFluxNext", f"{NODE}.style"]


@pytest.mark.parametrize("path", API_WORKFLOWS, ids=lambda p: f"api/{p.name}")
def test_every_api_workflow_loads_with_the_current_nodes(object_info, node_ids, path):
    assert api_workflow_problems(json.loads(path.read_text(encoding="utf-8")), object_info, node_ids) == []


@pytest.mark.parametrize("path", UI_WORKFLOWS, ids=lambda p: p.name)
def test_every_editor_workflow_loads_with_the_current_nodes(object_info, node_ids, path):
    assert ui_workflow_problems(json.loads(path.read_text(encoding="utf-8")), object_info, node_ids) == []


def test_every_pack_node_is_in_an_example_workflow_or_known_to_have_none(node_ids):
    used = {node["class_type"] for path in API_WORKFLOWS for node in json.loads(path.read_text()).values()}
    assert set(node_ids) - used <= {"SegmindCredits"}, set(node_ids) - used


def test_the_workflow_checks_find_a_broken_workflow(object_info, node_ids):
    prompt = json.loads((PACK_DIR / "workflows" / "api" / "segmind_flux_dev.json").read_text(encoding="utf-8"))
    node_id = next(key for key, node in prompt.items() if node["class_type"] == NODE)
    broken = copy.deepcopy(prompt)
    broken[node_id]["inputs"]["num_steps"] = broken[node_id]["inputs"].pop("steps")
    broken[node_id]["inputs"]["aspect_ratio"] = "7:3"
    del broken[node_id]["inputs"]["prompt"]
    problems = api_workflow_problems(broken, object_info, node_ids)
    assert f"node {node_id} ({NODE}): 'num_steps' is not an input of the node" in problems
    assert f"node {node_id} ({NODE}): 'aspect_ratio' = '7:3' is not one of its values" in problems
    assert f"node {node_id} ({NODE}): required input 'prompt' is missing" in problems

    workflow = json.loads((PACK_DIR / "workflows" / "segmind_flux_dev.json").read_text(encoding="utf-8"))
    node = next(node for node in workflow["nodes"] if node["type"] == NODE)
    node["widgets_values"].insert(1, "an extra value")  # as if an input had been inserted before the others
    problems = ui_workflow_problems(workflow, object_info, node_ids)
    assert any(f"({NODE}): 13 widget values for the widgets" in problem for problem in problems), problems
    node["widgets_values"].pop(1)
    node["widgets_values"][1] = "7:3"
    assert any("'aspect_ratio' = '7:3' is not one of its values" in p for p in
               ui_workflow_problems(workflow, object_info, node_ids))

