"""The README's tables of models, local twins and workflows are what scripts/readme_tables.py derives
from the specs: a new model's row appears by running it, never by hand."""
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "readme_tables.py"


def test_the_readme_tables_are_derived_from_the_specs():
    run = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


def test_every_model_and_twin_has_a_row():
    sys.path.insert(0, str(SCRIPT.parent))
    from readme_tables import local_nodes, load_pack_module, remote_nodes

    specs = load_pack_module("specs")
    assert [line.split("`")[1] for line in remote_nodes().splitlines()[2:]] == [s.node_id for s in specs.MODELS]
    assert [line.split("`")[1] for line in local_nodes().splitlines()[2:]] == [t.node_id for t in specs.LOCAL_TWINS]
