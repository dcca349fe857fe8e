"""Flux-architecture MODEL / CLIP / VAE built through ComfyUI's own classes, with seeded random weights.

Two things live here so that every test file (and the benchmarks, and the test-only ComfyUI node in
tests/comfy_test_nodes/) does them the same way:

- `comfy_in_process()`: makes ComfyUI importable in this process (its folder on sys.path, `--cpu`
  when there is no CUDA, set before `comfy.model_management` is first imported), never the pack's
  folder (its `nodes/` would shadow ComfyUI's `nodes.py`).
- `build_flux(variant, ...)`: the three objects a Flux graph needs, exactly as ComfyUI's loaders make
  them (comfy.supported_models.Flux / FluxSchnell / FluxInpaint -> model_base.Flux in a ModelPatcher;
  comfy.sd.CLIP with FluxTokenizer + flux_clip(); comfy.sd.VAE around an AutoencoderKL), only with small
  sizes. The variants "fill" and "depth" are FLUX.1 Fill / Depth [dev]: dev whose img_in also reads the
  latents their graphs concatenate (in_channels 96 / 32, as comfy.model_detection reads them).
- `build_redux()`: Redux's pair, as CLIPVisionLoader and StyleModelLoader make them (a SigLIP
  comfy.clip_vision.ClipVisionModel from a json config; comfy.sd.StyleModel around a ReduxImageEncoder).
  ComfyUI's layers skip weight initialisation, so every parameter is set here from a seeded generator:
  the same seed gives the same weights, on any run.

Also importable by file location (no sys.path tricks needed); it imports nothing heavy at import time.
"""
from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

VARIANTS = ("dev", "schnell", "fill", "depth")
# img_in's input channels per latent patch position: the 16 latent channels, and what Fill (image latent and
# the 8 x 8 mask: 16 + 64) and Depth (the depth map's latent: 16) concatenate to them.
IN_CHANNELS = {"dev": 16, "schnell": 16, "fill": 96, "depth": 32}
# Added to the seed per object, so that no two share their weights.
SEED_OFFSETS = {"dev": 0, "schnell": 1, "clip": 2, "vae": 3, "clip_vision": 4, "style_model": 5, "fill": 6, "depth": 7}
DEFAULT_SEED = 20240801


@dataclass(frozen=True)
class FluxSizes:
    """Sizes of the three objects. The defaults are tiny (CPU tests); FULL below is Flux.1 itself."""
    hidden_size: int = 64
    num_heads: int = 2
    axes_dim: tuple = (8, 12, 12)  # sums to the head dim (hidden / heads); each part even (RoPE)
    depth: int = 1
    depth_single_blocks: int = 1
    mlp_ratio: float = 4.0
    clip_l: dict = field(default_factory=lambda: {
        "hidden_size": 32, "intermediate_size": 64, "num_attention_heads": 2, "num_hidden_layers": 2,
        "projection_dim": 32})  # vocab 49408 and 77 positions stay (the shipped tokenizer)
    t5xxl: dict = field(default_factory=lambda: {
        "d_model": 32, "d_ff": 64, "d_kv": 16, "num_heads": 2, "num_layers": 1})  # vocab 32128 stays
    vae_ddconfig: dict = field(default_factory=lambda: {
        "double_z": True, "z_channels": 16, "resolution": 256, "in_channels": 3, "out_ch": 3, "ch": 32,
        "ch_mult": [1, 1, 1, 1], "num_res_blocks": 1, "attn_resolutions": [], "dropout": 0.0})
    # Redux's SigLIP vision encoder (comfy/clip_vision_siglip_384.json's keys): 4 x 4 patches of a 56-pixel image.
    siglip: dict = field(default_factory=lambda: {
        "hidden_size": 32, "intermediate_size": 64, "num_attention_heads": 2, "num_hidden_layers": 2,
        "image_size": 56, "patch_size": 14})

    @property
    def vec_in_dim(self) -> int:
        return self.clip_l.get("hidden_size", 768)

    @property
    def context_in_dim(self) -> int:
        return self.t5xxl.get("d_model", 4096)


TINY = FluxSizes()
# Flux.1 [dev] / [schnell] as released (12 B parameters); the text encoders are kept small (the
# sampling cost does not depend on them, only on the context width, 4096, and the token count).
FULL = FluxSizes(
    hidden_size=3072, num_heads=24, axes_dim=(16, 56, 56), depth=19, depth_single_blocks=38,
    clip_l={"num_hidden_layers": 2},
    t5xxl={"num_layers": 1},
    vae_ddconfig={"double_z": True, "z_channels": 16, "resolution": 256, "in_channels": 3, "out_ch": 3,
                  "ch": 128, "ch_mult": [1, 2, 4, 4], "num_res_blocks": 2, "attn_resolutions": [],
                  "dropout": 0.0},
    siglip={"hidden_size": 1152, "intermediate_size": 4304, "num_attention_heads": 16, "num_hidden_layers": 27,
            "image_size": 384, "patch_size": 14})


def comfy_in_process(comfy_path: str | None = None) -> Path:
    """Make ComfyUI importable here; --cpu unless CUDA is present. Idempotent. Returns ComfyUI's folder."""
    comfy_dir = comfy_path or os.environ.get("COMFYUI_PATH")
    if not comfy_dir or not (Path(comfy_dir) / "main.py").is_file():
        raise RuntimeError("COMFYUI_PATH does not name a ComfyUI folder (source ~/.cache/comfyui-segmind-flux/env.sh "
                           "or run bash scripts/test).")
    comfy_dir = str(Path(comfy_dir).resolve())
    if comfy_dir not in sys.path:
        sys.path.insert(0, comfy_dir)
    if "comfy.model_management" not in sys.modules:
        import comfy.cli_args
        import torch

        if not torch.cuda.is_available():
            comfy.cli_args.args.cpu = True
    import comfy.model_management  # noqa: F401
    return Path(comfy_dir)


def stock_nodes():
    """ComfyUI's stock node classes used by the reference graphs (core and comfy_extras, in-process)."""
    import nodes
    from comfy_extras.nodes_flux import FluxGuidance
    from comfy_extras.nodes_sd3 import EmptySD3LatentImage

    return nodes, FluxGuidance, EmptySD3LatentImage


# --- seeded initialisation ---------------------------------------------------------------------------
def init_seeded(module, seed: int, scale: float = 1.0) -> None:
    """Every parameter and floating buffer from one generator per tensor (seed, index): reproducible,
    and the same on CPU and GPU for the same device type. Weights ~ N(0, 1/fan_in), norms ~ 1, biases small."""
    import torch

    named = list(module.named_parameters()) + [(n, b) for n, b in module.named_buffers() if b.is_floating_point()]
    with torch.no_grad():
        for index, (name, tensor) in enumerate(named):
            generator = torch.Generator(device=tensor.device).manual_seed((seed * 1_000_003 + index) % 2**63)
            values = torch.randn(tensor.shape, generator=generator, device=tensor.device, dtype=torch.float32)
            leaf = name.rsplit(".", 1)[-1]
            if tensor.dim() >= 2:
                fan_in = math.prod(tensor.shape[1:])
                values = values * (scale / math.sqrt(fan_in))
            elif leaf == "scale" or (leaf == "weight" and ("norm" in name or ".ln" in name or "layer_norm" in name)):
                values = 1.0 + 0.1 * values
            else:
                values = 0.02 * values
            tensor.copy_(values.to(tensor.dtype))


def unet_config(variant: str, sizes: FluxSizes = TINY) -> dict:
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}; got {variant!r}")
    head_dim = sizes.hidden_size // sizes.num_heads
    if sum(sizes.axes_dim) != head_dim:
        raise ValueError(f"axes_dim {sizes.axes_dim} must sum to the head dim {head_dim}")
    return {"image_model": "flux", "in_channels": IN_CHANNELS[variant], "out_channels": 16, "patch_size": 2,
            "vec_in_dim": sizes.vec_in_dim, "context_in_dim": sizes.context_in_dim,
            "hidden_size": sizes.hidden_size, "mlp_ratio": sizes.mlp_ratio, "num_heads": sizes.num_heads,
            "depth": sizes.depth, "depth_single_blocks": sizes.depth_single_blocks,
            "axes_dim": list(sizes.axes_dim), "theta": 10000, "qkv_bias": True,
            "guidance_embed": variant != "schnell"}


def build_model(variant: str = "dev", sizes: FluxSizes = TINY, seed: int = DEFAULT_SEED, dtype=None, device=None):
    """MODEL: what UNETLoader returns, from comfy.supported_models.Flux / FluxSchnell / FluxInpaint."""
    import comfy.model_management as mm
    import comfy.model_patcher
    import comfy.supported_models
    import torch

    dtype = dtype or torch.float32
    config_class = {"schnell": comfy.supported_models.FluxSchnell,
                    "fill": comfy.supported_models.FluxInpaint}.get(variant, comfy.supported_models.Flux)
    model_config = config_class(unet_config(variant, sizes))
    load_device = mm.get_torch_device()
    model_config.set_inference_dtype(dtype, mm.unet_manual_cast(dtype, load_device, model_config.supported_inference_dtypes))
    build_device = device or mm.unet_offload_device()
    model = model_config.get_model({}, "", device=build_device)
    init_seeded(model.diffusion_model, seed + SEED_OFFSETS[variant])
    model.diffusion_model.to(dtype)
    return comfy.model_patcher.ModelPatcher(model, load_device=load_device, offload_device=mm.unet_offload_device())


def build_clip(sizes: FluxSizes = TINY, seed: int = DEFAULT_SEED, dtype=None):
    """CLIP: what DualCLIPLoader(type flux) returns: FluxTokenizer + flux_clip() in comfy.sd.CLIP."""
    import comfy.sd
    import comfy.supported_models_base
    import comfy.text_encoders.flux
    import torch

    target = comfy.supported_models_base.ClipTarget(comfy.text_encoders.flux.FluxTokenizer,
                                                    comfy.text_encoders.flux.flux_clip())
    options = {"clip_l_model_config": dict(sizes.clip_l), "t5xxl_model_config": dict(sizes.t5xxl),
               "dtype": dtype or torch.float32}
    clip = comfy.sd.CLIP(target, model_options=options)
    init_seeded(clip.cond_stage_model, seed + SEED_OFFSETS["clip"])
    return clip


def build_vae(sizes: FluxSizes = TINY, seed: int = DEFAULT_SEED, dtype=None):
    """VAE: comfy.sd.VAE around an AutoencoderKL with Flux's 16 latent channels (ae.safetensors' layout)."""
    import comfy.sd
    import torch
    from comfy.ldm.models.autoencoder import AutoencoderKL

    params = {"embed_dim": 16, "ddconfig": dict(sizes.vae_ddconfig)}
    source = AutoencoderKL(**params)
    init_seeded(source, seed + SEED_OFFSETS["vae"])
    state_dict = {k: v.detach().clone() for k, v in source.state_dict().items()}
    vae = comfy.sd.VAE(sd=state_dict, config={"params": params}, dtype=dtype or torch.float32)
    vae.latent_channels = 16  # the config path leaves SD's 4 (used only by the tiled fall-back)
    return vae


def build_flux(variant: str = "dev", sizes: FluxSizes = TINY, seed: int = DEFAULT_SEED, dtype=None):
    """(MODEL, CLIP, VAE) of one variant; same seed, same weights."""
    return (build_model(variant, sizes, seed, dtype), build_clip(sizes, seed, dtype), build_vae(sizes, seed, dtype))


# --- Redux: the SigLIP CLIP vision model and the style model ---------------------------------------------
def build_clip_vision(sizes: FluxSizes = TINY, seed: int = DEFAULT_SEED):
    """CLIP_VISION: what CLIPVisionLoader makes of sigclip_vision_patch14_384 (ComfyUI's SigLIP json config),
    small. ClipVisionModel reads its config from a file: a temporary one."""
    import json
    import tempfile

    import comfy.clip_vision

    config = {"num_channels": 3, "hidden_act": "gelu_pytorch_tanh", "model_type": "siglip_vision_model",
              "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], **sizes.siglip}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip_vision_siglip.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        clip_vision = comfy.clip_vision.ClipVisionModel(str(path))
    init_seeded(clip_vision.model, seed + SEED_OFFSETS["clip_vision"])
    return clip_vision


def build_style_model(sizes: FluxSizes = TINY, seed: int = DEFAULT_SEED):
    """STYLE_MODEL: what StyleModelLoader makes of flux1-redux-dev: SigLIP features to T5-wide tokens."""
    import comfy.sd
    from comfy.ldm.flux.redux import ReduxImageEncoder

    encoder = ReduxImageEncoder(redux_dim=sizes.siglip["hidden_size"], txt_in_features=sizes.context_in_dim)
    init_seeded(encoder, seed + SEED_OFFSETS["style_model"])
    return comfy.sd.StyleModel(encoder)


def build_redux(sizes: FluxSizes = TINY, seed: int = DEFAULT_SEED):
    """(CLIP_VISION, STYLE_MODEL) of ComfyUI's Redux graph."""
    return build_clip_vision(sizes, seed), build_style_model(sizes, seed)


# --- LoRA files for the tiny model --------------------------------------------------------------------
def lora_targets(sizes: FluxSizes = TINY) -> dict[str, tuple[int, int]]:
    """Layers a test LoRA patches, in ComfyUI's native key names (comfy.lora.model_lora_keys_unet),
    with their (out_features, in_features)."""
    h = sizes.hidden_size
    mlp = int(h * sizes.mlp_ratio)
    targets = {}
    for index in range(sizes.depth):
        targets.update({f"double_blocks.{index}.img_attn.qkv": (3 * h, h), f"double_blocks.{index}.img_attn.proj": (h, h),
                        f"double_blocks.{index}.txt_attn.qkv": (3 * h, h), f"double_blocks.{index}.img_mlp.0": (mlp, h)})
    for index in range(sizes.depth_single_blocks):
        targets.update({f"single_blocks.{index}.linear1": (3 * h + mlp, h),
                        f"single_blocks.{index}.linear2": (h, h + mlp)})
    return targets


def lora_state_dict(sizes: FluxSizes = TINY, rank: int = 4, seed: int = DEFAULT_SEED + 10) -> dict:
    """A LoRA: diffusion_model.<layer>.lora_up.weight / .lora_down.weight / .alpha (ComfyUI's native format)."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    out = {}
    for target, (out_features, in_features) in lora_targets(sizes).items():
        key = "diffusion_model." + target
        out[key + ".lora_down.weight"] = torch.randn(rank, in_features, generator=generator) / math.sqrt(in_features)
        out[key + ".lora_up.weight"] = torch.randn(out_features, rank, generator=generator) / math.sqrt(rank)
        out[key + ".alpha"] = torch.tensor(float(rank))
    return out


def write_lora(path, sizes: FluxSizes = TINY) -> Path:
    import safetensors.torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    safetensors.torch.save_file({k: v.contiguous() for k, v in lora_state_dict(sizes).items()}, str(path))
    return path
