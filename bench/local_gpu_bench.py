"""Local Flux dev on a GPU: seconds per step of SegmindFluxDevLocal and of ComfyUI's stock graph, in one run.

Full-size Flux.1 [dev] architecture (19 double + 38 single blocks, hidden 3072, 12 B parameters) with
seeded random weights in bf16, built through ComfyUI's classes directly on the GPU (tests/tiny_flux.py,
sizes FULL; the text encoders keep their full widths, 768 and 4096, with 2 and 1 layers: the per-step
cost depends only on the context width and the token count). 1024x1024, 20 steps, euler / simple, cfg 1.

Per step: a progress hook (the one ComfyUI's progress bar calls after every step) synchronises the GPU
and stamps the time; seconds per step = (last stamp - first stamp) / (steps - 1), so model loading,
text encoding, the first step's warm-up and VAE decoding are left out. Also: each run's wall time,
peak GPU memory (torch.cuda.max_memory_allocated), and the arithmetic lower bound per step: the
matmul FLOPs of one transformer pass (counted from the architecture and the actual token counts; about
74 TFLOP with 512 text tokens) over the GPU's dense bf16 peak (--peak-tflops, H100 SXM ~790 usable).

    source ~/.cache/comfyui-segmind-flux/env.sh      # or any ComfyUI >= 0.3.75 environment:
    COMFYUI_PATH=/path/to/ComfyUI python bench/local_gpu_bench.py [--steps 20] [--repeats 2]
    python bench/local_gpu_bench.py --dry-run         # tiny model, CPU or GPU: checks the set-up only

Writes bench/results/local_gpu_bench.json (not for --dry-run unless --out is given) and prints it.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(HERE))
import local_bench  # noqa: E402  (stock graph, node call: the same code as the CPU benchmark)
import tiny_flux  # noqa: E402
from pack_loader import load_pack_module  # noqa: E402

RESULTS = REPO / "bench" / "results" / "local_gpu_bench.json"
NODE = "SegmindFluxDevLocal"
PROMPT = local_bench.PROMPT


def flux_flops_per_step(sizes: tiny_flux.FluxSizes, width: int, height: int, text_tokens: int) -> dict:
    """Matmul FLOPs (2 per multiply-add) of one Flux forward pass; cfg 1 means one pass per step."""
    h = sizes.hidden_size
    mlp = int(h * sizes.mlp_ratio)
    image_tokens = (height // 16) * (width // 16)  # VAE /8, then 2x2 patches
    tokens = image_tokens + text_tokens
    # Double block: each token goes through its stream's qkv (3h), proj (h) and MLP (2 * mlp) linears.
    double_linear = 2 * tokens * h * (3 * h + h + 2 * mlp)
    # Single block: linear1 h -> 3h + mlp, linear2 h + mlp -> h.
    single_linear = 2 * tokens * (h * (3 * h + mlp) + (h + mlp) * h)
    attention = 4 * tokens * tokens * h  # QK^T and AV over all heads
    blocks = sizes.depth * (double_linear + attention) + sizes.depth_single_blocks * (single_linear + attention)
    io = 2 * image_tokens * 64 * h + 2 * text_tokens * sizes.context_in_dim * h + 2 * image_tokens * h * 64
    return {"image_tokens": image_tokens, "text_tokens": text_tokens, "flops": blocks + io,
            "attention_flops": (sizes.depth + sizes.depth_single_blocks) * attention}


class StepClock:
    """ComfyUI's global progress hook: synchronise, stamp. Both paths report every step through it."""

    def __init__(self, torch):
        self.torch = torch
        self.stamps: list[float] = []

    def __call__(self, value, total, preview, node_id=None):
        if self.torch.cuda.is_available():
            self.torch.cuda.synchronize()
        self.stamps.append(time.perf_counter())

    def seconds_per_step(self) -> float | None:
        if len(self.stamps) < 2:
            return None
        return (self.stamps[-1] - self.stamps[0]) / (len(self.stamps) - 1)


def measure(torch, clock: StepClock, function) -> dict:
    cuda = torch.cuda.is_available()
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    clock.stamps.clear()
    with torch.inference_mode():
        started = time.perf_counter()
        images = function()
        if cuda:
            torch.cuda.synchronize()
        wall = time.perf_counter() - started
    return {"images": images, "wall_s": wall, "seconds_per_step": clock.seconds_per_step(),
            "steps_seen": len(clock.stamps),
            "peak_gib": torch.cuda.max_memory_allocated() / 2**30 if cuda else None}


def full_size_parameters() -> int:
    """Flux.1 dev's parameter count from ComfyUI's own class with FULL sizes, on the meta device (no memory):
    checks the FULL configuration anywhere, a CPU included."""
    import comfy.ldm.flux.model
    import comfy.ops
    import torch

    config = {k: v for k, v in tiny_flux.unet_config("dev", tiny_flux.FULL).items() if k != "image_model"}
    with torch.device("meta"):
        model = comfy.ldm.flux.model.Flux(image_model="flux", dtype=torch.bfloat16, device="meta",
                                          operations=comfy.ops.disable_weight_init, **config)
    return sum(p.numel() for p in model.parameters())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--size", type=int, default=1024, help="width = height (multiple of 16)")
    parser.add_argument("--sampler", default="euler")
    parser.add_argument("--scheduler", default="simple")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each, alternating (after one warm-up)")
    parser.add_argument("--peak-tflops", type=float, default=790.0, help="the GPU's dense bf16 peak, TFLOP/s")
    parser.add_argument("--dry-run", action="store_true",
                        help="tiny model, 64x64, 3 steps, float32, on whatever device: checks the set-up only")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.dry_run:
        args.steps, args.size, args.repeats = min(args.steps, 3), 64, 1

    tiny_flux.comfy_in_process()
    import comfy.model_management as mm
    import comfy.utils
    import torch

    if not args.dry_run and not torch.cuda.is_available():
        print("local_gpu_bench: no CUDA device (use --dry-run to check the set-up on a CPU).", file=sys.stderr)
        return 2
    if args.size % 16 or args.steps < 2:
        parser.error("--size must be a multiple of 16 and --steps at least 2")
    sizes = tiny_flux.TINY if args.dry_run else tiny_flux.FULL
    dtype = torch.float32 if args.dry_run else torch.bfloat16
    device = mm.get_torch_device()

    started = time.perf_counter()
    # Built where it runs (12 B random parameters: initialised on the GPU, never copied from the CPU).
    model = tiny_flux.build_model("dev", sizes, dtype=dtype, device=device)
    clip = tiny_flux.build_clip(sizes, dtype=dtype)
    vae = tiny_flux.build_vae(sizes, dtype=dtype)
    build_s = time.perf_counter() - started
    parameters = sum(p.numel() for p in model.model.diffusion_model.parameters())

    comfy.utils.PROGRESS_BAR_ENABLED = False
    clock = StepClock(torch)
    comfy.utils.set_progress_bar_global_hook(clock)
    stock = tiny_flux.stock_nodes()
    local_module = load_pack_module("nodes.local")
    local_module.aspect_ratio_size = lambda ratio, multiple=16: (args.size, args.size)  # "1:1" is 1024 already
    inputs = {"prompt": PROMPT, "aspect_ratio": "1:1", "guidance": 3.5, "seed": 46588, "steps": args.steps,
              "samples": 1, "sampler_name": args.sampler, "scheduler": args.scheduler, "prompt_strength": 0.8}
    stock_inputs = dict(prompt=PROMPT, seed=46588, steps=args.steps, sampler_name=args.sampler,
                        scheduler=args.scheduler, guidance=3.5, width=args.size, height=args.size)
    run_local = lambda: local_bench.local_node(local_module, NODE, model, clip, vae, **inputs)  # noqa: E731
    run_stock = lambda: local_bench.stock_graph(stock, model, clip, vae, **stock_inputs)  # noqa: E731

    with torch.inference_mode():
        (conditioning,) = stock[0].CLIPTextEncode().encode(clip, PROMPT)
    text_tokens = conditioning[0][0].shape[1]
    flops = flux_flops_per_step(sizes, args.size, args.size, text_tokens)
    nominal = flux_flops_per_step(tiny_flux.FULL, 1024, 1024, 512)["flops"]
    full_parameters = full_size_parameters()
    if not 11.8e9 < full_parameters < 12.0e9:
        raise RuntimeError(f"FULL sizes give {full_parameters} parameters, not Flux.1's 11.9 B")

    warm_up = measure(torch, clock, lambda: local_bench.stock_graph(stock, model, clip, vae,
                                                                    **{**stock_inputs, "steps": 2}))
    runs = {"local": [], "stock": []}
    images = {}
    for index in range(args.repeats):
        order = [("local", run_local), ("stock", run_stock)]
        for name, function in (order if index % 2 == 0 else order[::-1]):
            result = measure(torch, clock, function)
            if result["steps_seen"] != args.steps:
                raise RuntimeError(f"{name}: the progress hook saw {result['steps_seen']} steps, not {args.steps}")
            images[name] = result.pop("images")
            runs[name].append(result)

    lower_bound = flops["flops"] / (args.peak_tflops * 1e12)
    summary = {}
    for name, results in runs.items():
        per_step = statistics.median(r["seconds_per_step"] for r in results)
        summary[name] = {"seconds_per_step": round(per_step, 5), "wall_s": [round(r["wall_s"], 3) for r in results],
                         "peak_gib": max((r["peak_gib"] or 0) for r in results) if device.type == "cuda" else None,
                         "fraction_of_lower_bound": round(lower_bound / per_step, 4)}
    report = {
        "what": "SegmindFluxDevLocal vs the stock graph (CLIPTextEncode, FluxGuidance, ConditioningZeroOut, "
                "EmptySD3LatentImage, KSampler cfg 1, VAEDecode), same model and parameters, same run",
        "dry_run": args.dry_run,
        "device": torch.cuda.get_device_name() if device.type == "cuda" else str(device),
        "torch": torch.__version__, "python": platform.python_version(),
        "model": {"sizes": "tiny" if args.dry_run else "Flux.1 dev (full size)", "parameters": parameters,
                  "dtype": str(dtype).replace("torch.", ""), "build_s": round(build_s, 2)},
        "sampling": {"width": args.size, "height": args.size, "steps": args.steps, "sampler": args.sampler,
                     "scheduler": args.scheduler, "repeats": args.repeats,
                     "image_tokens": flops["image_tokens"], "text_tokens": text_tokens},
        "full_size_parameters": full_parameters,
        "lower_bound": {"flop_per_step": flops["flops"], "tflop_per_step": round(flops["flops"] / 1e12, 3),
                        "attention_share": round(flops["attention_flops"] / flops["flops"], 3),
                        "tflop_per_step_with_512_text_tokens": round(nominal / 1e12, 2),
                        "peak_tflops": args.peak_tflops, "seconds_per_step": round(lower_bound, 5)},
        "warm_up_wall_s": round(warm_up["wall_s"], 3),
        "local": summary["local"], "stock": summary["stock"],
        "local_over_stock_per_step": round(summary["local"]["seconds_per_step"] / summary["stock"]["seconds_per_step"], 4),
        "images_identical": bool(torch.equal(images["local"], images["stock"])),
        "images_max_abs_difference": float((images["local"].float() - images["stock"].float()).abs().max()),
    }
    out = args.out or (None if args.dry_run else RESULTS)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
