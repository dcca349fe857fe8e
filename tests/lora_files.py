"""The same Flux LoRA written in every format the pack's loader reads, for a model of given sizes
(tests/tiny_flux.py), with the weight change each file must make computed by hand.

A LoRA here is a dict {layer: Low}, the layer in ComfyUI's own name for the Flux weight (without the
`diffusion_model.` prefix and the `.weight` suffix, e.g. "double_blocks.0.img_attn.qkv") or, for the
text encoder, the CLIP-L weight ("clip_l.transformer.text_model.encoder.layers.0.self_attn.q_proj").
Each writer below turns it into the key layout of one trainer, splitting fused layers (Flux's qkv,
linear1) into the separate projections diffusers-style trainers save, exactly (the rows of `up` split,
`down` and alpha shared), so that every format describes the same weight change.

Formats that store no alpha (diffusers without .alpha keys, XLabs, PEFT without adapter_config.json)
mean scale 1: their writers fold the scale into `up`. With alpha = 2 * rank the scale is 2, a power of
two, so folding it is exact in float32.

Pure torch + safetensors; imports nothing of ComfyUI or of the pack.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import safetensors.torch
import torch

from tiny_flux import TINY, FluxSizes

CLIP_L_PROJECTIONS = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj",
                      "mlp.fc1", "mlp.fc2")


@dataclass
class Low:
    """One low-rank update: delta W = scale * up @ down, scale = alpha / rank when alpha is set, else 1."""
    up: torch.Tensor    # (out, rank): lora_up / lora_B
    down: torch.Tensor  # (rank, in): lora_down / lora_A
    alpha: float | None

    @property
    def rank(self) -> int:
        return self.down.shape[0]

    @property
    def scale(self) -> float:
        return 1.0 if self.alpha is None else self.alpha / self.rank

    def delta(self) -> torch.Tensor:
        """The weight change at strength 1, by hand, in float64."""
        return self.scale * (self.up.double() @ self.down.double())

    def folded(self) -> "Low":
        """The same change with no alpha (scale 1): the scale moved into `up`."""
        return Low(self.up * self.scale, self.down, None)

    def rows(self, start: int, count: int) -> "Low":
        return Low(self.up[start:start + count].contiguous(), self.down, self.alpha)


# --- the layers of a Flux model ------------------------------------------------------------------------
def flux_layers(sizes: FluxSizes = TINY) -> dict[str, tuple[int, int]]:
    """Every linear layer of the double and single blocks: native name -> (out_features, in_features)."""
    h = sizes.hidden_size
    mlp = int(h * sizes.mlp_ratio)
    layers = {}
    for i in range(sizes.depth):
        for side in ("img", "txt"):
            layers.update({f"double_blocks.{i}.{side}_mod.lin": (6 * h, h),
                           f"double_blocks.{i}.{side}_attn.qkv": (3 * h, h),
                           f"double_blocks.{i}.{side}_attn.proj": (h, h),
                           f"double_blocks.{i}.{side}_mlp.0": (mlp, h),
                           f"double_blocks.{i}.{side}_mlp.2": (h, mlp)})
    for i in range(sizes.depth_single_blocks):
        layers.update({f"single_blocks.{i}.linear1": (3 * h + mlp, h),
                       f"single_blocks.{i}.linear2": (h, h + mlp),
                       f"single_blocks.{i}.modulation.lin": (3 * h, h)})
    return layers


LATENT_PATCH = 16 * 2 * 2  # Flux's latent channels x its 2 x 2 patch: img_in's inputs, final_layer.linear's outputs


def outer_layers(sizes: FluxSizes = TINY) -> dict[str, tuple[int, int]]:
    """The linear layers outside the blocks (Flux dev: with guidance_in): the embedders and the final layer."""
    h = sizes.hidden_size
    return {"img_in": (h, LATENT_PATCH), "txt_in": (h, sizes.context_in_dim),
            "time_in.in_layer": (h, 256), "time_in.out_layer": (h, h),
            "vector_in.in_layer": (h, sizes.vec_in_dim), "vector_in.out_layer": (h, h),
            "guidance_in.in_layer": (h, 256), "guidance_in.out_layer": (h, h),
            "final_layer.linear": (LATENT_PATCH, h), "final_layer.adaLN_modulation.1": (2 * h, h)}


def all_flux_layers(sizes: FluxSizes = TINY) -> dict[str, tuple[int, int]]:
    """Every linear layer of Flux dev: what a trainer with target_modules="all-linear" adapts."""
    return {**flux_layers(sizes), **outer_layers(sizes)}


def xlabs_layers(sizes: FluxSizes = TINY) -> dict[str, tuple[int, int]]:
    """The layers an XLabs LoRA patches: the attention of the double blocks (qkv and proj, both streams)."""
    return {name: shape for name, shape in flux_layers(sizes).items() if "_attn." in name}


def clip_l_layers(sizes: FluxSizes = TINY) -> dict[str, tuple[int, int]]:
    """Every projection of CLIP-L's encoder layers (the weights kohya's lora_te1_* patch)."""
    width = sizes.clip_l.get("hidden_size", 768)
    inner = sizes.clip_l.get("intermediate_size", 3072)
    shapes = {"mlp.fc1": (inner, width), "mlp.fc2": (width, inner)}
    return {f"clip_l.transformer.text_model.encoder.layers.{i}.{name}": shapes.get(name, (width, width))
            for i in range(sizes.clip_l.get("num_hidden_layers", 12)) for name in CLIP_L_PROJECTIONS}


def make_lora(layers: dict[str, tuple[int, int]], rank: int = 4, alpha: float | None = 8.0,
              seed: int = 1234, magnitude: float = 1.0) -> dict[str, Low]:
    """Seeded random up/down for each layer (float32). The change is of the order of the weights."""
    generator = torch.Generator().manual_seed(seed)
    lora = {}
    for layer, (out_features, in_features) in layers.items():
        down = torch.randn(rank, in_features, generator=generator) / math.sqrt(in_features)
        up = magnitude * torch.randn(out_features, rank, generator=generator) / math.sqrt(rank)
        lora[layer] = Low(up, down, alpha)
    return lora


def deltas(lora: dict[str, Low]) -> dict[str, torch.Tensor]:
    """Model state-dict key -> weight change at strength 1 (float64), for unet and CLIP layers alike."""
    return {weight_key(layer): low.delta() for layer, low in lora.items()}


def weight_key(layer: str) -> str:
    return layer + ".weight" if layer.startswith("clip_l.") else "diffusion_model." + layer + ".weight"


# --- diffusers names of the Flux layers (what comfy.utils.flux_to_diffusers maps back) ------------------
def diffusers_parts(layer: str, sizes: FluxSizes = TINY) -> list[tuple[str, int, int]]:
    """native layer -> [(diffusers module, first row, rows)]: fused layers are split into projections."""
    h = sizes.hidden_size
    mlp = int(h * sizes.mlp_ratio)
    parts = layer.split(".")
    index = parts[1]
    rest = ".".join(parts[2:])
    if parts[0] == "double_blocks":
        block = f"transformer_blocks.{index}."
        fused = {"img_attn.qkv": ("attn.to_q", "attn.to_k", "attn.to_v"),
                 "txt_attn.qkv": ("attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj")}
        if rest in fused:
            return [(block + name, n * h, h) for n, name in enumerate(fused[rest])]
        whole = {"img_attn.proj": "attn.to_out.0", "txt_attn.proj": "attn.to_add_out",
                 "img_mlp.0": "ff.net.0.proj", "img_mlp.2": "ff.net.2",
                 "txt_mlp.0": "ff_context.net.0.proj", "txt_mlp.2": "ff_context.net.2",
                 "img_mod.lin": "norm1.linear", "txt_mod.lin": "norm1_context.linear"}
        return [(block + whole[rest], 0, None)]
    block = f"single_transformer_blocks.{index}."
    if rest == "linear1":
        return [(block + "attn.to_q", 0, h), (block + "attn.to_k", h, h), (block + "attn.to_v", 2 * h, h),
                (block + "proj_mlp", 3 * h, mlp)]
    return [(block + {"linear2": "proj_out", "modulation.lin": "norm.linear"}[rest], 0, None)]


def _diffusers_split(lora: dict[str, Low], sizes: FluxSizes) -> dict[str, Low]:
    out = {}
    for layer, low in lora.items():
        for name, start, count in diffusers_parts(layer, sizes):
            out[name] = low if count is None else low.rows(start, count)
    return out


# --- writers: {layer: Low} -> the state dict of one format ---------------------------------------------
def native_sd(lora: dict[str, Low]) -> dict[str, torch.Tensor]:
    """ComfyUI's own layout: diffusion_model.<layer>.lora_up.weight / .lora_down.weight / .alpha."""
    return _up_down(lora, lambda layer: "diffusion_model." + layer, ".lora_up.weight", ".lora_down.weight")


def kohya_sd(lora: dict[str, Low], clip: dict[str, Low] | None = None) -> dict[str, torch.Tensor]:
    """kohya sd-scripts: lora_unet_<layer with _> and lora_te1_<CLIP-L layer with _>, .alpha."""
    out = _up_down(lora, lambda layer: "lora_unet_" + layer.replace(".", "_"), ".lora_up.weight", ".lora_down.weight")
    prefix = "clip_l.transformer."
    out.update(_up_down(clip or {}, lambda layer: "lora_te1_" + layer[len(prefix):].replace(".", "_"),
                        ".lora_up.weight", ".lora_down.weight"))
    return out


def diffusers_sd(lora: dict[str, Low], sizes: FluxSizes = TINY, prefix: str = "transformer.",
                 alpha_keys: bool = False) -> dict[str, torch.Tensor]:
    """diffusers / ai-toolkit / SimpleTuner: transformer.<diffusers module>.lora_A / lora_B. Without
    alpha_keys (what diffusers writes) the scale is folded into lora_B."""
    split = _diffusers_split(lora, sizes)
    if not alpha_keys:
        split = {name: low.folded() for name, low in split.items()}
    return _up_down(split, lambda name: prefix + name, ".lora_B.weight", ".lora_A.weight")


def peft_files(lora: dict[str, Low], directory: Path, sizes: FluxSizes = TINY, name: str = "adapter_model.safetensors",
               config: bool = True, flux_names: bool = False) -> Path:
    """PEFT's save_pretrained: base_model.model.<module>.lora_A / lora_B, and lora_alpha in an
    adapter_config.json beside the file (without it the scale is 1: the alpha is then folded in). The
    module names are those of the model trained: diffusers' (FluxTransformer2DModel, fused layers split)
    or, with flux_names, those of BFL's own Flux implementation (double_blocks.0.img_attn.qkv, ...)."""
    alphas = {low.alpha for low in lora.values()}
    ranks = {low.rank for low in lora.values()}
    assert len(alphas) == 1 and len(ranks) == 1, "PEFT holds one lora_alpha and one r per adapter"
    split = dict(lora) if flux_names else _diffusers_split(lora, sizes)
    if not config:
        split = {module: low.folded() for module, low in split.items()}
    state = {}
    for module, low in split.items():
        state[f"base_model.model.{module}.lora_A.weight"] = low.down.contiguous()
        state[f"base_model.model.{module}.lora_B.weight"] = low.up.contiguous()
    directory.mkdir(parents=True, exist_ok=True)
    path = write(directory / name, state)
    if config:
        (directory / "adapter_config.json").write_text(json.dumps(
            {"peft_type": "LORA", "r": ranks.pop(), "lora_alpha": alphas.pop(),
             "target_modules": sorted({m.rsplit(".", 1)[-1] for m in split})}), encoding="utf-8")
    return path


def onetrainer_sd(lora: dict[str, Low], sizes: FluxSizes = TINY) -> dict[str, torch.Tensor]:
    """OneTrainer: lora_transformer_<diffusers module with _>.lora_up / lora_down / alpha."""
    split = _diffusers_split(lora, sizes)
    return _up_down(split, lambda name: "lora_transformer_" + name.replace(".", "_"), ".lora_up.weight",
                    ".lora_down.weight")


XLABS_DOUBLE = {"img_attn.qkv": "qkv_lora1", "txt_attn.qkv": "qkv_lora2", "img_attn.proj": "proj_lora1",
                "txt_attn.proj": "proj_lora2"}


def xlabs_sd(lora: dict[str, Low], sizes: FluxSizes = TINY) -> dict[str, torch.Tensor]:
    """XLabs x-flux: double_blocks.N.processor.{qkv,proj}_lora{1,2}.down/up.weight (1: image stream,
    2: text stream); single_blocks.N.processor.qkv_lora (the first 3 * hidden rows of linear1) and
    proj_lora (linear2). No alpha: the scale is folded in. Layers XLabs has no processor for are refused."""
    h = sizes.hidden_size
    out = {}
    for layer, low in lora.items():
        parts = layer.split(".")
        rest = ".".join(parts[2:])
        low = low.folded()
        if parts[0] == "double_blocks" and rest in XLABS_DOUBLE:
            key = f"double_blocks.{parts[1]}.processor.{XLABS_DOUBLE[rest]}"
        elif parts[0] == "single_blocks" and rest == "linear1":
            key, low = f"single_blocks.{parts[1]}.processor.qkv_lora", low.rows(0, 3 * h)
        elif parts[0] == "single_blocks" and rest == "linear2":
            key = f"single_blocks.{parts[1]}.processor.proj_lora"
        else:
            raise ValueError(f"XLabs has no processor for {layer}")
        out[key + ".down.weight"] = low.down.contiguous()
        out[key + ".up.weight"] = low.up.contiguous()
    return out


def xlabs_deltas(lora: dict[str, Low], sizes: FluxSizes = TINY) -> dict[str, torch.Tensor]:
    """The change an XLabs file of `lora` makes: qkv_lora of a single block reaches only linear1's qkv rows."""
    h = sizes.hidden_size
    out = deltas(lora)
    for layer in lora:
        if layer.startswith("single_blocks.") and layer.endswith(".linear1"):
            out[weight_key(layer)][3 * h:] = 0
    return out


# --- BFL's control LoRAs (FLUX.1-Canny-dev-lora, FLUX.1-Depth-dev-lora) --------------------------------
CONTROL_CHANNELS = 2 * LATENT_PATCH  # img_in reads the noisy latent and the encoded control image


def norm_scales(sizes: FluxSizes = TINY) -> dict[str, int]:
    """The RMSNorm scales of Flux's attention (query and key of each stream): name -> length (head dim)."""
    names = [f"double_blocks.{i}.{side}_attn.norm.{which}_norm.scale" for i in range(sizes.depth)
             for side in ("img", "txt") for which in ("query", "key")]
    names += [f"single_blocks.{i}.norm.{which}_norm.scale" for i in range(sizes.depth_single_blocks)
              for which in ("query", "key")]
    return {name: sizes.hidden_size // sizes.num_heads for name in names}


@dataclass
class ControlLoRA:
    """A BFL control LoRA: Flux's own module names, no prefix. Each linear layer has lora_A / lora_B
    (no alpha: scale 1) and a lora_B.bias (a change of the layer's bias); the norm scales are whole
    weights that replace the model's; img_in's lora_A is twice as wide as the model's img_in."""
    lora: dict[str, Low]
    biases: dict[str, torch.Tensor]  # layer -> change of its bias at strength 1
    norms: dict[str, torch.Tensor]   # norm scale name -> the value that replaces it

    def state_dict(self) -> dict[str, torch.Tensor]:
        out = _up_down({layer: low.folded() for layer, low in self.lora.items()}, lambda layer: layer,
                       ".lora_B.weight", ".lora_A.weight")
        out.update({layer + ".lora_B.bias": bias for layer, bias in self.biases.items()})
        out.update(self.norms)
        return out


def make_control_lora(sizes: FluxSizes = TINY, rank: int = 4, seed: int = 4321) -> ControlLoRA:
    layers = {**all_flux_layers(sizes), "img_in": (sizes.hidden_size, CONTROL_CHANNELS)}
    lora = make_lora(layers, rank=rank, alpha=None, seed=seed)
    generator = torch.Generator().manual_seed(seed + 1)
    biases = {layer: torch.randn(out_features, generator=generator) / 10 for layer, (out_features, _) in layers.items()}
    norms = {name: torch.rand(length, generator=generator) + 0.5 for name, length in norm_scales(sizes).items()}
    return ControlLoRA(lora, biases, norms)


def _up_down(lora: dict[str, Low], name, up_suffix: str, down_suffix: str) -> dict[str, torch.Tensor]:
    out = {}
    for layer, low in lora.items():
        key = name(layer)
        out[key + down_suffix] = low.down.contiguous()
        out[key + up_suffix] = low.up.contiguous()
        if low.alpha is not None:
            out[key + ".alpha"] = torch.tensor(float(low.alpha))
    return out


# --- LyCORIS: LoHa and LoKr ---------------------------------------------------------------------------
def loha_sd(layers: dict[str, tuple[int, int]], rank: int = 4, alpha: float = 8.0, seed: int = 99,
            prefix: str = "diffusion_model.", with_deltas: bool = True,
            ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """LoHa (hada_w1_a/b, hada_w2_a/b, alpha): delta = alpha / rank * (w1_a @ w1_b) * (w2_a @ w2_b).
    Returns the state dict and the deltas by model key (empty without with_deltas)."""
    generator = torch.Generator().manual_seed(seed)
    state, expected = {}, {}
    for layer, (out_features, in_features) in layers.items():
        w1a, w2a = (torch.randn(out_features, rank, generator=generator) for _ in range(2))
        w1b, w2b = (torch.randn(rank, in_features, generator=generator) / math.sqrt(in_features) for _ in range(2))
        key = prefix + layer
        state.update({key + ".hada_w1_a": w1a, key + ".hada_w1_b": w1b, key + ".hada_w2_a": w2a,
                      key + ".hada_w2_b": w2b, key + ".alpha": torch.tensor(alpha)})
        if with_deltas:
            expected[weight_key(layer)] = (alpha / rank) * (w1a.double() @ w1b.double()) * (w2a.double() @ w2b.double())
    return state, expected


def lokr_sd(layers: dict[str, tuple[int, int]], rank: int = 4, alpha: float = 8.0, factor: int = 4, seed: int = 77,
            with_deltas: bool = True) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """LoKr in kohya names (lora_unet_*: lokr_w1 full, lokr_w2_a / lokr_w2_b low rank, alpha):
    delta = alpha / rank * kron(w1, w2_a @ w2_b). Returns the state dict and the deltas by model key
    (empty without with_deltas)."""
    generator = torch.Generator().manual_seed(seed)
    state, expected = {}, {}
    for layer, (out_features, in_features) in layers.items():
        w1 = torch.randn(factor, factor, generator=generator)
        w2a = torch.randn(out_features // factor, rank, generator=generator)
        w2b = torch.randn(rank, in_features // factor, generator=generator) / math.sqrt(in_features)
        key = "lora_unet_" + layer.replace(".", "_")
        state.update({key + ".lokr_w1": w1, key + ".lokr_w2_a": w2a, key + ".lokr_w2_b": w2b,
                      key + ".alpha": torch.tensor(alpha)})
        if with_deltas:
            expected[weight_key(layer)] = (alpha / rank) * torch.kron(w1.double(), w2a.double() @ w2b.double())
    return state, expected


def write(path, state: dict[str, torch.Tensor]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    safetensors.torch.save_file({k: v.detach().clone().contiguous() for k, v in state.items()}, str(path))
    return path
