"""Local-node overhead benchmark (CPU, tiny Flux models from tests/tiny_flux.py), in one run.

For the same MODEL / CLIP / VAE and parameters, the time of a local node (SegmindFluxDevLocal,
SegmindFluxSchnellLocal) over the time of ComfyUI's stock graph that makes the same image
(CLIPTextEncode -> FluxGuidance -> ConditioningZeroOut -> EmptySD3LatentImage -> KSampler -> VAEDecode),
both called in-process under torch.inference_mode as ComfyUI's executor calls nodes. Runs alternate
(local, stock, stock, local, ...) so that drift hits both; the medians are compared. Goal: ratio <= 1.02.
The ratio of the fastest runs, the median of back-to-back ratios and the ratio of median CPU times of
this process are reported too: on a machine shared with other work the wall-time medians alone can be
swamped by it (see the load averages in the report). One torch thread by default, for the same reason.

    source ~/.cache/comfyui-segmind-flux/env.sh
    $COMFYUI_PYTHON bench/local_bench.py [--repeats 9]

Writes bench/results/local_bench.json and prints it.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # tiny_flux, pack_loader; tests/ shadows nothing of ComfyUI's
import tiny_flux  # noqa: E402
from pack_loader import load_pack_module  # noqa: E402

RESULTS = REPO / "bench" / "results" / "local_bench.json"
GOAL = 1.02
PROMPT = "detailed cinematic render of an old CRT monitor on a wooden desk"
# The pages' spelling -> ComfyUI's (written out here, independent of samplers/names.py).
STOCK_SAMPLER = {"euler_pp": "euler_cfg_pp", "euler_ancestral_pp": "euler_ancestral_cfg_pp"}

CASES = [
    {"name": "dev 256x256, 8 steps, euler/simple", "node": "SegmindFluxDevLocal", "variant": "dev",
     "size": (256, 256), "inputs": {"prompt": PROMPT, "aspect_ratio": "1:1", "guidance": 3.5, "seed": 46588,
                                    "steps": 8, "samples": 1, "sampler_name": "euler", "scheduler": "simple"}},
    {"name": "schnell 512x512, 4 steps, euler/normal", "node": "SegmindFluxSchnellLocal", "variant": "schnell",
     "size": (512, 512), "inputs": {"prompt": PROMPT, "width": 512, "height": 512, "denoise": 1.0, "seed": 123456789,
                                    "steps": 4, "samples": 1, "sampler_name": "euler", "scheduler": "normal"}},
]


def stock_graph(stock, model, clip, vae, *, prompt, seed, steps, sampler_name, scheduler, guidance, width, height,
                denoise=1.0, image=None, lora=None, lora_strength=0.0):
    """ComfyUI's stock Flux graph, node by node (each node's own function)."""
    nodes, flux_guidance, empty_sd3_latent = stock
    if lora is not None:
        (model,) = nodes.LoraLoaderModelOnly().load_lora_model_only(model, lora, lora_strength)
    (positive,) = nodes.CLIPTextEncode().encode(clip, prompt)
    if guidance is not None:
        (positive,) = flux_guidance.execute(positive, guidance).result
    (negative,) = nodes.ConditioningZeroOut().zero_out(positive)
    if image is not None:
        (latent,) = nodes.VAEEncode().encode(vae, image)
    else:
        (latent,) = empty_sd3_latent.execute(width, height, 1).result
    (latent,) = nodes.KSampler().sample(model, seed, steps, 1.0, STOCK_SAMPLER.get(sampler_name, sampler_name),
                                        scheduler, positive, negative, latent, denoise)
    (images,) = nodes.VAEDecode().decode(vae, latent)
    return images


def local_node(local_module, node_id, model, clip, vae, **inputs):
    node_class = local_module.LOCAL_NODES[node_id]
    images, _latent = getattr(node_class(), node_class.FUNCTION)(model, clip, vae, **inputs)
    return images


def stock_inputs(case) -> dict:
    inputs = case["inputs"]
    width, height = case["size"]
    guidance = inputs.get("guidance") if case["variant"] == "dev" else None
    return dict(prompt=inputs["prompt"], seed=inputs["seed"], steps=inputs["steps"], sampler_name=inputs["sampler_name"],
                scheduler=inputs["scheduler"], guidance=guidance, width=width, height=height,
                denoise=inputs.get("denoise", 1.0))


def timed(function):
    """(wall seconds, CPU seconds of this process, result)."""
    import torch

    with torch.inference_mode():
        started, cpu_started = time.perf_counter(), time.process_time()
        result = function()
        return time.perf_counter() - started, time.process_time() - cpu_started, result


def run_case(case, stock, local_module, repeats: int) -> dict:
    import torch

    model, clip, vae = tiny_flux.build_flux(case["variant"])
    local_module.aspect_ratio_size = lambda ratio, multiple=16: case["size"]  # dev: ~1 MP is too big for a CPU
    run_local = lambda: local_node(local_module, case["node"], model, clip, vae, **case["inputs"])  # noqa: E731
    run_stock = lambda: stock_graph(stock, model, clip, vae, **stock_inputs(case))  # noqa: E731
    _, _, local_image = timed(run_local)  # warm-up: first calls allocate and pick kernels
    _, _, stock_image = timed(run_stock)
    local_times, stock_times, local_cpu, stock_cpu = [], [], [], []
    for index in range(repeats):
        order = (("local", run_local), ("stock", run_stock))
        for name, function in (order if index % 2 == 0 else order[::-1]):
            seconds, cpu_seconds, _ = timed(function)
            (local_times if name == "local" else stock_times).append(seconds)
            (local_cpu if name == "local" else stock_cpu).append(cpu_seconds)
    local_median, stock_median = statistics.median(local_times), statistics.median(stock_times)
    # The same statistics seen two more ways, for a machine shared with other work: the fastest run of
    # each (least disturbed), and the median of the ratios of runs taken back to back.
    pair_ratios = [lt / st for lt, st in zip(local_times, stock_times)]
    return {"case": case["name"], "node": case["node"], "repeats": repeats,
            "local_median_s": round(local_median, 5), "stock_median_s": round(stock_median, 5),
            "ratio": round(local_median / stock_median, 4),
            "ratio_of_minimums": round(min(local_times) / min(stock_times), 4),
            "cpu_time_ratio": round(statistics.median(local_cpu) / statistics.median(stock_cpu), 4),
            "median_paired_ratio": round(statistics.median(pair_ratios), 4),
            "identical_image": bool(torch.equal(local_image, stock_image)),
            "local_s": [round(t, 5) for t in local_times], "stock_s": [round(t, 5) for t in stock_times]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1: steadier on a shared machine; the work is the same on both sides)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    load_before = round(os.getloadavg()[0], 2)
    tiny_flux.comfy_in_process()
    import comfy.utils
    import torch

    comfy.utils.PROGRESS_BAR_ENABLED = False
    torch.set_num_threads(args.threads)
    stock = tiny_flux.stock_nodes()
    local_module = load_pack_module("nodes.local")
    original_size = local_module.aspect_ratio_size
    try:
        cases = [run_case(case, stock, local_module, args.repeats) for case in CASES]
    finally:
        local_module.aspect_ratio_size = original_size
    worst = max(case["ratio"] for case in cases)
    report = {
        "what": "local node time / stock graph time, same tiny Flux models and parameters, same image",
        "machine": {"device": "cpu", "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                    "torch": torch.__version__, "python": platform.python_version(),
                    "load_average_1m_before": load_before},
        "load_average_1m_after": round(os.getloadavg()[0], 2),
        "goal_ratio_at_most": GOAL, "worst_ratio": worst, "goal_met": worst <= GOAL,
        "cases": cases,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0 if all(case["identical_image"] for case in cases) else 1


if __name__ == "__main__":
    sys.exit(main())
