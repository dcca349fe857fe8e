"""The pack loads the way ComfyUI loads it (by file location, under an alias), cheaply and completely."""
import json
import subprocess
import sys

from pack_loader import PACK_DIR, load_pack, load_pack_module
from remote_graphs import declared_input_names

specs = load_pack_module("specs")
image_params = load_pack_module("specs.image_params")
REMOTE_IDS = {spec.node_id for spec in specs.MODELS} | {load_pack_module("specs.any_model").NODE_ID}
LOCAL_IDS = {twin.node_id for twin in specs.LOCAL_TWINS}
NODE_IDS = REMOTE_IDS | LOCAL_IDS | {"SegmindFluxLoRALoader", "SegmindCredits"}


def test_mappings_declare_exactly_the_public_node_ids():
    pack = load_pack()
    assert set(pack.NODE_CLASS_MAPPINGS) == NODE_IDS
    assert set(pack.NODE_DISPLAY_NAME_MAPPINGS) == NODE_IDS
    assert all(name.startswith("Segmind") for name in pack.NODE_DISPLAY_NAME_MAPPINGS.values())


def test_import_pulls_in_neither_torch_nor_comfy_nor_network():
    code = (
        "import importlib.util, sys, time\n"
        f"spec = importlib.util.spec_from_file_location('alias_pack', {str(PACK_DIR / '__init__.py')!r},"
        f" submodule_search_locations=[{str(PACK_DIR)!r}])\n"
        "m = importlib.util.module_from_spec(spec); sys.modules['alias_pack'] = m\n"
        "t = time.perf_counter(); spec.loader.exec_module(m); took = time.perf_counter() - t\n"
        "print(sorted(k for k in ('torch', 'comfy', 'folder_paths', 'server') if k in sys.modules), sorted(m.NODE_CLASS_MAPPINGS))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[0] == f"[] {sorted(NODE_IDS)}"


def test_a_missing_dependency_disables_only_its_nodes_with_one_log_line():
    # Run in a child with `requests` made unimportable: the pack must still import, with no remote nodes.
    code = (
        "import builtins, importlib.util, logging, sys\n"
        "real = builtins.__import__\n"
        "def fake(name, *a, **k):\n"
        "    if name == 'requests' or name.startswith('requests.'):\n"
        "        raise ModuleNotFoundError(\"No module named 'requests'\", name='requests')\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = fake\n"
        "logging.basicConfig(level=logging.INFO, format='%(message)s')\n"
        f"spec = importlib.util.spec_from_file_location('alias_pack', {str(PACK_DIR / '__init__.py')!r},"
        f" submodule_search_locations=[{str(PACK_DIR)!r}])\n"
        "m = importlib.util.module_from_spec(spec); sys.modules['alias_pack'] = m\n"
        "spec.loader.exec_module(m)\n"
        "print('NODES', sorted(m.NODE_CLASS_MAPPINGS))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    # only the remote nodes (and the credits node) need requests
    assert f"NODES {sorted(NODE_IDS - REMOTE_IDS - {'SegmindCredits'})}" in out.stdout
    lines = [line for line in out.stderr.splitlines() if "comfyui-segmind-flux" in line]
    assert len(lines) == 1 and "requests" in lines[0] and "disabled" in lines[0]


def test_input_types_follow_the_specs():
    pack = load_pack()
    specs = load_pack_module("specs")
    for spec in specs.MODELS:  # the remote nodes
        types = pack.NODE_CLASS_MAPPINGS[spec.node_id].INPUT_TYPES()
        declared = {**types["required"], **types["optional"]}
        assert list(declared)[:-3] == declared_input_names(spec)
        assert list(declared)[-3:] == ["transport", "force_refresh", "on_failure"]
        for param in (*spec.model_inputs, *spec.params):
            if image_params.is_image_field(param):
                kinds = {declared[socket][0] for socket in param.sockets()}
                assert kinds == {param.kind} and declared[param.sockets()[0]][1]["tooltip"]
                continue
            kind, options = declared[param.name]
            assert options["default"] == param.default
            assert options["tooltip"]
        if "seed" in spec.param_names:  # every page but two-image Kontext [pro]'s has one
            kind, options = declared["seed"]
            assert kind == "INT" and options["min"] == -1 and options["max"] == 2**64 - 1
            assert options["control_after_generate"] is False  # no "randomize" widget (see SeedParam)
        if "prompt" in spec.param_names:  # Redux has none: its image replaces it
            assert types["required"]["prompt"][1]["multiline"] is True
        json.dumps(types)  # /object_info must be able to serialise it
