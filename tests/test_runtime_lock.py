"""The embedded runtime is exactly scripts/runtime-lock.txt: every requirement of the pack and the tests is
pinned there, the lock holds every dependency of what it pins, and a runtime cached on a machine holds
nothing else (a package installed by hand would let the suite pass here and fail on a fresh machine)."""
import importlib.util
import os
import sys
from pathlib import Path

from pack_loader import PACK_DIR

_spec = importlib.util.spec_from_file_location("runtime_lock", PACK_DIR / "scripts" / "runtime_lock.py")
runtime_lock = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runtime_lock)


def embedded_runtime() -> bool:
    """The suite runs in the runtime scripts/setup.sh built from the lock (not in a user's own ComfyUI)."""
    runtime = Path(os.environ.get("SEGMIND_FLUX_RUNTIME") or Path.home() / ".cache" / "comfyui-segmind-flux")
    return Path(sys.prefix).resolve() == (runtime / "venv").resolve()


def test_every_requirement_of_the_pack_and_the_tests_is_pinned():
    assert runtime_lock.unpinned_requirements() == []
    pins = runtime_lock.lock_pins()
    for name in ("requests", "filelock", "urllib3", "pytest", "playwright", "comfy-lint", "torch"):
        assert name in pins, name


def test_a_lock_that_drops_a_test_requirement_is_refused_naming_it(tmp_path):
    lock = tmp_path / "runtime-lock.txt"
    lock.write_text("".join(line for line in runtime_lock.LOCK.read_text().splitlines(True)
                            if not line.startswith("comfy-lint==")))
    assert runtime_lock.unpinned_requirements(lock) == ["comfy-lint (in requirements-test.txt)"]


def test_a_lock_entry_without_an_exact_pin_is_refused(tmp_path):
    lock = tmp_path / "runtime-lock.txt"
    lock.write_text("requests>=2\n")
    try:
        runtime_lock.lock_pins(lock)
    except SystemExit as refusal:
        assert "'requests>=2' is not pinned with ==" in str(refusal)
    else:
        raise AssertionError("a range in the lock was accepted")


def test_the_runtime_the_suite_runs_in_is_the_lock():
    if embedded_runtime():  # the runtime is the lock exactly: nothing missing, nothing more
        assert runtime_lock.differences() == ([], [])
    else:  # a user's own ComfyUI: it holds more, but every requirement of the pack and the tests
        present = runtime_lock.installed()
        wanted = {name for file in runtime_lock.REQUIREMENT_FILES[:2]
                  for name in runtime_lock.requirement_names(PACK_DIR / file)}
        assert sorted(wanted - set(present)) == []


def test_a_package_the_lock_does_not_pin_is_found(tmp_path):
    lock = tmp_path / "runtime-lock.txt"
    lock.write_text("".join(line for line in runtime_lock.LOCK.read_text().splitlines(True)
                            if not line.startswith("requests==")))
    to_install, to_remove = runtime_lock.differences(lock)
    assert "requests" in to_remove and not any(pin.startswith("requests==") for pin in to_install)
