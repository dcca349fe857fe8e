"""How deep one remote run goes through the pack, and through how many of its modules: a structural
measure for maintainers (issue 17), not a speed benchmark. A remote node of the pack, loaded by location
as ComfyUI loads it, runs one v2 job against the loopback Segmind stand-in, in-process with ComfyUI's
modules; a profiler notes every call into the pack's files on every thread.

- frames: the pack's frames on the stack when the POST goes out, on the worker thread, plus the pack's
  frames on the loop thread that handed the job to that worker;
- modules: the pack's modules with at least one call during the run.

    source ~/.cache/comfyui-segmind-flux/env.sh && "$COMFYUI_PYTHON" bench/remote_run_trace.py [PACK_DIR]
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import threading
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "tests"))
import tiny_flux  # noqa: E402
from segmind_loopback import SegmindLoopback  # noqa: E402

NODE = "SegmindFluxSchnell"


def pack_frames(frame, own: tuple[str, ...]) -> list[str]:
    names = []
    while frame is not None:
        if frame.f_code.co_filename.startswith(own):
            names.append(f"{Path(frame.f_code.co_filename).stem}.{frame.f_code.co_name}")
        frame = frame.f_back
    return names


def main() -> int:
    pack = str(Path(sys.argv[1] if len(sys.argv) > 1 else BENCH.parent).resolve())
    tiny_flux.comfy_in_process()
    stand_in = SegmindLoopback(api_key="trace-key", job_seconds=0.2).start()
    state = tempfile.mkdtemp(prefix="segmind-trace-")
    os.environ.update(SEGMIND_BASE_URL=stand_in.base_url, SEGMIND_API_KEY="trace-key", SEGMIND_CACHE_DIR=state,
                      SEGMIND_CONFIG_FILE=str(Path(state) / "none.json"))
    import importlib.util

    spec = importlib.util.spec_from_file_location("traced_pack", Path(pack) / "__init__.py",
                                                  submodule_search_locations=[pack])
    module = importlib.util.module_from_spec(spec)
    sys.modules["traced_pack"] = module
    spec.loader.exec_module(module)
    node_class = module.NODE_CLASS_MAPPINGS[NODE]
    modules, seen = set(), {}

    own = tuple(str(Path(pack) / folder) for folder in ("client", "money", "nodes", "specs", "__init__.py"))

    def profile(frame, event, arg):
        code = frame.f_code
        if event != "call":
            return
        if code.co_filename.startswith(own):
            modules.add(str(Path(code.co_filename).relative_to(pack)))
            if code.co_name == "post_json":
                seen["worker"] = pack_frames(frame, own)
        elif code.co_name == "run_in_executor" and "worker" not in seen:
            seen["loop"] = pack_frames(frame, own)  # the last hand-off before the POST is the job's

    inputs = {p.name: p.default for p in node_class.SPEC.params}
    sys.setprofile(profile)
    threading.setprofile(profile)
    try:
        asyncio.run(getattr(node_class(), node_class.FUNCTION)(unique_id="1", **{**inputs, "seed": 4242}))
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
        stand_in.stop()
    loop_frames = seen.get("loop", [])
    print(json.dumps({"frames": len(seen.get("worker", [])) + len(loop_frames),
                      "worker_stack": seen.get("worker"), "loop_stack": loop_frames,
                      "modules": len(modules), "module_files": sorted(modules)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
