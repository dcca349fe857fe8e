"""The runtime lock (scripts/runtime-lock.txt) is the whole embedded runtime: every package the pack, the
tests and ComfyUI import, pinned, its dependencies included. A runtime cached on a machine must never hide
a broken fresh set-up, so the runtime is made exactly the lock and checked to be it.

    python scripts/runtime_lock.py requirements    every requirement of the pack and the tests is pinned
    <runtime python> scripts/runtime_lock.py sync  installs what the lock pins, removes what it does not
    <runtime python> scripts/runtime_lock.py check the runtime is exactly the lock, and pip check passes

Plain Python, no third-party import: `requirements` runs before any runtime exists."""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "scripts" / "runtime-lock.txt"
# Every file of requirements that the runtime must satisfy, each by name.
REQUIREMENT_FILES = ("requirements.txt", "requirements-test.txt", "scripts/runtime-requirements.txt")
# A virtual environment's own installers, never part of a lock.
INSTALLERS = {"pip", "setuptools", "wheel"}
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503: comfy_lint, comfy-lint and Comfy.Lint are one


def requirement_names(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0] for line in path.read_text(encoding="utf-8").splitlines())
    return [normalized(match.group(1)) for line in lines if (match := NAME.match(line))]


def lock_pins(path: Path = LOCK) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, separator, version = line.partition("==")
        if not separator or not version.strip():
            raise SystemExit(f"{path.name}: '{line}' is not pinned with == (the lock pins every package)")
        pins[normalized(name)] = version.strip()
    return pins


def unpinned_requirements(lock: Path = LOCK) -> list[str]:
    pins = lock_pins(lock)
    return [f"{name} (in {file})" for file in REQUIREMENT_FILES for name in requirement_names(REPO / file)
            if name not in pins]


def installed() -> dict[str, str]:
    packages = {normalized(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}
    return {name: version for name, version in packages.items() if name not in INSTALLERS}


def differences(lock: Path = LOCK) -> tuple[list[str], list[str]]:
    """(pins to install, packages to remove): what stands between this Python's packages and the lock."""
    pins, present = lock_pins(lock), installed()
    to_install = [f"{name}=={version}" for name, version in pins.items() if present.get(name) != version]
    to_remove = sorted(name for name in present if name not in pins)
    return to_install, to_remove


def pip(*arguments: str) -> None:
    command = [sys.executable, "-m", "pip", *arguments, "--disable-pip-version-check"]
    run = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # pip's "WARNING: Location ..." lines come from this machine's pip configuration, not from the lock.
    sys.stderr.write("".join(line for line in run.stdout.splitlines(True) if not line.startswith("WARNING: Location")))
    if run.returncode:
        raise SystemExit(f"pip {' '.join(arguments[:2])} ... failed (exit {run.returncode})")


def sync() -> None:
    to_install, to_remove = differences()
    if to_remove:
        print(f"[setup] removing what the lock does not pin: {', '.join(to_remove)}", file=sys.stderr)
        pip("uninstall", "-y", "-q", *to_remove)
    if to_install:
        print(f"[setup] installing {len(to_install)} pinned packages (a few minutes when torch is one)", file=sys.stderr)
        # --no-deps: the lock alone decides; a dependency it lacks fails `check`, never slips in.
        pip("install", "-q", "--no-deps", *to_install)
    check()


def check() -> None:
    to_install, to_remove = differences()
    problems = [f"not installed as pinned: {pin}" for pin in to_install]
    problems += [f"installed but not in the lock: {name}" for name in to_remove]
    if problems:
        raise SystemExit("The runtime is not the lock (scripts/runtime-lock.txt):\n  " + "\n  ".join(problems))
    run = subprocess.run([sys.executable, "-m", "pip", "check", "--disable-pip-version-check"],
                         capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(f"The lock misses a dependency (pip check):\n{run.stdout}{run.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["requirements", "sync", "check"])
    action = parser.parse_args().action
    if action == "requirements":
        missing = unpinned_requirements()
        if missing:
            raise SystemExit("Required but not pinned in scripts/runtime-lock.txt (the runtime installs only "
                             "the lock):\n  " + "\n  ".join(missing))
    else:
        (sync if action == "sync" else check)()


if __name__ == "__main__":
    main()
