"""Bad inputs, for every input of every remote node: as widget values (POST /prompt) and over links
from ComfyUI's core Primitive nodes. Each is refused with a message that names the node, the input,
what is allowed and the value given, and the loopback Segmind server receives no request at all.

Widget values are refused when the prompt is queued (HTTP 400); values over links when the node runs
(ComfyUI passes them to no check before), still before any request. A link of the wrong type (a FLOAT
into an INT input, a STRING into a list) is ComfyUI's own refusal at queue time, naming the input and
both types.
"""
from __future__ import annotations

import pytest

from bad_values import bad_linked_values, bad_widget_values, node_error_text, primitive_for, rule, shown
from pack_loader import load_pack_module
from remote_graphs import NON_DEFAULTS, graph

specs = load_pack_module("specs")
params = load_pack_module("specs.params")
image_params = load_pack_module("specs.image_params")
pack_options = load_pack_module("specs.pack_options")

PACK_OPTION_RULES = {"transport": "one of " + ", ".join(pack_options.TRANSPORTS), "force_refresh": "true or false"}


def expected(node_id: str, name: str, value) -> str:
    spec = specs.MODELS_BY_NODE_ID[node_id]
    model_inputs = {param.name: param for param in spec.model_inputs}
    allowed = PACK_OPTION_RULES.get(name) or rule(model_inputs.get(name) or spec.param(name))
    return f"{node_id}: input '{name}' must be {allowed}; got {shown(value)}."


PACK_OPTION_BAD_VALUES = {"transport": ["v3", "", "V2", None, 2], "force_refresh": ["false", "true", 1, 0, None]}
WIDGET_CASES = [(spec.node_id, param.name, value) for spec in specs.MODELS
                for param in (*spec.model_inputs, *spec.params) for value in bad_widget_values(param)] + \
               [(spec.node_id, name, value) for spec in specs.MODELS for name, values in PACK_OPTION_BAD_VALUES.items()
                for value in values]


@pytest.mark.parametrize("node_id", sorted(NON_DEFAULTS))
def test_every_bad_widget_value_is_refused_when_queued_naming_node_input_rule_and_value(comfy, segmind, node_id):
    failures = []
    for case_node, name, value in WIDGET_CASES:
        if case_node != node_id:
            continue
        status, answer = comfy.queue_prompt(graph(node_id, {**NON_DEFAULTS[node_id], name: value}))
        text = node_error_text(answer)
        if status != 400 or expected(node_id, name, value) not in text:
            failures.append(f"{name}={shown(value)}: HTTP {status}, {text[:300] or answer}")
    assert not failures, "\n".join(failures)
    assert segmind.received == []


def test_a_valid_prompt_is_left_untouched_by_the_check(comfy, segmind):
    inputs = {**NON_DEFAULTS["SegmindFluxSchnell"], "seed": 1.0e3, "denoise": 1, "transport": "v2"}
    prompt = {"prompt": graph("SegmindFluxSchnell", inputs)}
    runtime = load_pack_module("nodes.runtime").PackRuntime()  # a fresh one, as the pack makes when it loads
    load_pack_module("nodes").collect_nodes(runtime)
    assert runtime.check_prompt(prompt) is prompt
    assert prompt["prompt"]["1"]["inputs"] == inputs
    result = comfy.run(prompt["prompt"])
    assert result.ok, result.error() or result.rejected
    assert [p.body["seed"] for p in segmind.posts()] == [1000] and segmind.posts()[0].body["denoise"] == 1


def linked(node_id: str, name: str, primitive: str, value) -> dict:
    prompt = graph(node_id, {**NON_DEFAULTS[node_id], name: ["9", 0]})
    prompt["9"] = {"class_type": primitive, "inputs": {"value": value}}
    return prompt


@pytest.mark.parametrize("node_id", sorted(NON_DEFAULTS))
def test_every_bad_value_over_a_link_is_refused_when_the_node_runs(comfy, segmind, node_id):
    failures = []
    spec = specs.MODELS_BY_NODE_ID[node_id]
    for param in (*spec.model_inputs, *spec.params):
        for value in bad_linked_values(param):
            result = comfy.run(linked(node_id, param.name, primitive_for(param), value))
            error = result.error() or {}
            message = error.get("exception_message", "")
            if result.ok or expected(node_id, param.name, value) not in message or error.get("node_id") != "1":
                failures.append(f"{param.name}={shown(value)}: {result.rejected or message[:300]}")
    assert not failures, "\n".join(failures)
    assert segmind.received == []


def wrong_type_links(spec) -> list[tuple[str, str, object]]:
    """(input, primitive, value): a link whose type the input does not take."""
    cases = []
    for param in (*spec.model_inputs, *spec.params):
        if image_params.is_image_field(param):
            cases.append((param.sockets()[0], "PrimitiveInt", 5))
        elif isinstance(param, params.BoolParam):
            cases.append((param.name, "PrimitiveInt", 1))
        elif isinstance(param, params.PatternParam):
            cases.append((param.name, "PrimitiveInt", 5))
        elif isinstance(param, params.IntParam):
            cases.append((param.name, "PrimitiveFloat", float(param.default) + 0.5))
        elif isinstance(param, params.FloatParam):
            cases.append((param.name, "PrimitiveInt", 1))
        elif isinstance(param, params.EnumParam):
            cases.append((param.name, "PrimitiveString", param.default))
        else:
            cases.append((param.name, "PrimitiveInt", 5))
    return cases + [("transport", "PrimitiveString", "v2"), ("force_refresh", "PrimitiveInt", 0)]


@pytest.mark.parametrize("node_id", sorted(NON_DEFAULTS))
def test_a_link_of_the_wrong_type_is_refused_when_queued(comfy, segmind, node_id):
    failures = []
    for name, primitive, value in wrong_type_links(specs.MODELS_BY_NODE_ID[node_id]):
        status, answer = comfy.queue_prompt(linked(node_id, name, primitive, value))
        text = node_error_text(answer)
        if status != 400 or f"{name}, received_type(" not in text or "mismatch input_type(" not in text:
            failures.append(f"{name} <- {primitive}: HTTP {status}, {text[:300] or answer}")
    assert not failures, "\n".join(failures)
    assert segmind.received == []
