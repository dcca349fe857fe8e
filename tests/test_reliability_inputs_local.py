"""Bad inputs, for every input of the local nodes and the LoRA loader, in a real ComfyUI server: as
widget values (POST /prompt) and over links from ComfyUI's core Primitive nodes.

Widget values are refused when the prompt is queued (HTTP 400) with the pack's message naming node,
input, rule and value; ComfyUI's own conversions (int("7"), float(True), NaN passing its range checks)
never get a say. Values over links are refused when the node runs, before any sampling or LoRA load.
A value typed into an input that only a link can fill (model, clip, vae, an image or mask, Redux's models) is
refused too.
"""
from __future__ import annotations

import pytest

from conftest import LORA_FILE
from pack_loader import load_pack_module
from bad_values import bad_linked_values, bad_widget_values, node_error_text, primitive_for, rule, shown
from local_graphs import RUNS, TWINS, local_graph

params = load_pack_module("specs.params")

LOADER = "SegmindFluxLoRALoader"
STRENGTH_RULE = "a number from -10 to 10"
LINK_ONLY_VALUES = ("flux1-dev.safetensors", 0, None)


def expected(node_id: str, name: str, allowed: str, value) -> str:
    return f"{node_id}: input '{name}' must be {allowed}; got {shown(value)}."


def twin_graph(node_id: str, changes: dict) -> dict:
    variant, inputs, _ = RUNS[node_id]
    return local_graph(node_id, variant, {**inputs, **changes}, "PreviewImage")


def loader_graph(changes: dict) -> dict:
    graph = local_graph("SegmindFluxDevLocal", "dev", {**RUNS["SegmindFluxDevLocal"][1], "model": ["l", 0]},
                        "PreviewImage")
    graph["l"] = {"class_type": LOADER, "inputs": {"model": ["m", 0], "clip": ["m", 1], "lora_name": LORA_FILE,
                                                  "strength": 0.5, "strength_clip": 1.0, **changes}}
    return graph


def refused_when_queued(server, graph: dict, node: str, message: str) -> str | None:
    status, answer = server.queue_prompt(graph)
    text = node_error_text(answer, node)
    return None if status == 400 and message in text else f"HTTP {status}, {text[:300] or answer}"


def refused_when_run(server, graph: dict, node: str, message: str) -> str | None:
    result = server.run(graph, timeout=120)
    error = result.error() or {}
    text = error.get("exception_message", "")
    ok = not result.ok and error.get("node_id") == node and message in text
    return None if ok else f"{result.rejected or text[:300] or 'ran without an error'}"


@pytest.mark.parametrize("node_id", sorted(TWINS))
def test_every_bad_widget_value_of_a_local_node_is_refused_when_queued(local_server, node_id):
    twin, failures = TWINS[node_id], []
    for param in twin.params:
        for value in bad_widget_values(param):
            failure = refused_when_queued(local_server, twin_graph(node_id, {param.name: value}), "n",
                                          expected(node_id, param.name, rule(param), value))
            failures += [f"{param.name}={shown(value)}: {failure}"] if failure else []
    if twin.takes_lora:
        for value in ("missing.safetensors", LORA_FILE.upper(), 5, None, ""):
            failure = refused_when_queued(local_server, twin_graph(node_id, {"lora_name": value}), "n",
                                          expected(node_id, "lora_name", f"a file in models/loras (found: {LORA_FILE})", value))
            failures += [f"lora_name={shown(value)}: {failure}"] if failure else []
    assert not failures, "\n".join(failures)


# Where the error says a link-only input of each type comes from.
LINK_SOURCE_WORDS = {"IMAGE": "an IMAGE output", "MASK": "a MASK output", "CLIP_VISION": "Load CLIP Vision",
                     "STYLE_MODEL": "Load Style Model"}


@pytest.mark.parametrize("node_id", sorted(TWINS))
def test_a_value_typed_into_a_link_only_input_is_refused_when_queued(local_server, node_id):
    failures = []
    links = [(link.name, LINK_SOURCE_WORDS[link.kind]) for link in TWINS[node_id].link_inputs]
    for name, source in (("model", "Load Diffusion Model"), ("clip", "DualCLIPLoader"), ("vae", "Load VAE"),
                         *(links or [("image", "an IMAGE output")])):
        for value in LINK_ONLY_VALUES:
            message = f"{node_id}: input '{name}' must be a link from {source}"
            failure = refused_when_queued(local_server, twin_graph(node_id, {name: value}), "n", message)
            failures += [f"{name}={shown(value)}: {failure}"] if failure else []
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("node_id", sorted(TWINS))
def test_every_bad_value_over_a_link_into_a_local_node_is_refused_when_it_runs(local_server, node_id):
    failures = []
    for param in TWINS[node_id].params:
        for value in bad_linked_values(param):
            graph = twin_graph(node_id, {param.name: ["p", 0]})
            graph["p"] = {"class_type": primitive_for(param), "inputs": {"value": value}}
            failure = refused_when_run(local_server, graph, "n", expected(node_id, param.name, rule(param), value))
            failures += [f"{param.name}={shown(value)}: {failure}"] if failure else []
    assert not failures, "\n".join(failures)


LOADER_BAD_STRENGTHS = [-10.01, 10.5, 1e308, float("nan"), float("inf"), -float("inf"), True, "1.0", None, [1.0]]


def test_every_bad_strength_of_the_lora_loader_is_refused_when_queued(local_server):
    failures = []
    for name in ("strength", "strength_clip"):
        for value in LOADER_BAD_STRENGTHS:
            failure = refused_when_queued(local_server, loader_graph({name: value}), "l",
                                          expected(LOADER, name, STRENGTH_RULE, value))
            failures += [f"{name}={shown(value)}: {failure}"] if failure else []
    for name in ("model", "clip"):
        failure = refused_when_queued(local_server, loader_graph({name: "flux1-dev.safetensors"}), "l",
                                      f"{LOADER}: input '{name}' must be a link from")
        failures += [f"{name} typed in: {failure}"] if failure else []
    status, answer = local_server.queue_prompt(loader_graph({"lora_name": "missing.safetensors"}))
    assert status == 400 and "lora_name: 'missing.safetensors' not in" in node_error_text(answer, "l"), answer
    assert not failures, "\n".join(failures)


def test_a_bad_strength_over_a_link_into_the_lora_loader_is_refused_when_it_runs(local_server):
    failures = []
    for value in (-10.5, 11.0, float("nan")):
        graph = loader_graph({"strength": ["p", 0]})
        graph["p"] = {"class_type": "PrimitiveFloat", "inputs": {"value": value}}
        failure = refused_when_run(local_server, graph, "l", expected(LOADER, "strength", STRENGTH_RULE, value))
        failures += [f"strength={shown(value)}: {failure}"] if failure else []
    assert not failures, "\n".join(failures)


def test_the_same_graphs_with_good_values_run(local_server):
    """The two graphs the cases above spoil, run as they are: every refusal above is the bad value's doing."""
    for graph, images in ((twin_graph("SegmindFluxSchnellLocal", {}), RUNS["SegmindFluxSchnellLocal"][1]["samples"]),
                          (loader_graph({}), RUNS["SegmindFluxDevLocal"][1].get("samples", 1))):
        result = local_server.run(graph, timeout=240)
        assert result.ok, result.error() or result.rejected
        assert len(result.node_output("o")["images"]) == images
