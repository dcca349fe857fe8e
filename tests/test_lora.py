"""The Flux LoRA loader (lora/ and the SegmindFluxLoRALoader node) on a tiny Flux model built through
ComfyUI's own classes (tests/tiny_flux.py), with LoRA files of every format (tests/lora_files.py).

Every weight is checked against a hand computation in float64: after loading at strength s, a patched
weight is W + s * scale * (up @ down) and every other weight of the model is untouched.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re

import pytest
import safetensors.torch
import torch

import lora_files as lf
import tiny_flux

tiny_flux.comfy_in_process()

import comfy.model_management  # noqa: E402
import comfy.utils  # noqa: E402
import folder_paths  # noqa: E402
from pack_loader import load_pack_module  # noqa: E402

apply_module = load_pack_module("lora.apply")
report_module = load_pack_module("lora.report")
node_module = load_pack_module("nodes.lora_loader")
LoRAError = report_module.LoRAError

STRENGTHS = (-10.0, -1.0, 0.5, 10.0)
RANK, ALPHA = 4, 8.0  # scale alpha / rank = 2, so a loader that ignores alpha is off by a factor 2
SIZES = tiny_flux.TINY


# --- the tiny model and reading patched weights -------------------------------------------------------
@pytest.fixture(scope="module")
def flux():
    model = tiny_flux.build_model("dev", SIZES)
    clip = tiny_flux.build_clip(SIZES)
    originals = {k: v.detach().double().clone() for k, v in model.model.state_dict().items()}
    clip_originals = {k: v.detach().double().clone() for k, v in clip.cond_stage_model.state_dict().items()}
    return model, clip, originals, clip_originals


def patched_state(patcher) -> dict[str, torch.Tensor]:
    """The weights with the patcher's patches applied, in float64, loaded the way ComfyUI loads a model
    before sampling or text encoding (load_models_gpu: it unpatches a clone loaded before, patches this
    one); every model is unloaded again (weights restored) before returning."""
    comfy.model_management.load_models_gpu([patcher], force_full_load=True)
    try:
        return {k: v.detach().double().clone() for k, v in patcher.model.state_dict().items()}
    finally:
        comfy.model_management.unload_all_models()


def assert_patched(actual: dict, originals: dict, expected_deltas: dict, strength: float) -> None:
    """Patched keys equal W + strength * delta; all other keys equal W exactly."""
    assert set(expected_deltas) <= set(actual), sorted(set(expected_deltas) - set(actual))
    for key, original in originals.items():
        if key in expected_deltas:
            expected = original + strength * expected_deltas[key]
            if strength != 0:  # the check can tell a patched weight from an unpatched one
                assert (expected - original).abs().max() > 1e-2, key
            torch.testing.assert_close(actual[key], expected, rtol=1e-5, atol=2e-5 * max(1.0, abs(strength)),
                                       msg=lambda m, key=key: f"{key}: {m}")
        else:
            assert torch.equal(actual[key], original), f"{key} changed but the LoRA has no weights for it"


# --- one LoRA in every format -------------------------------------------------------------------------
@dataclasses.dataclass
class Case:
    path: object
    deltas: dict
    file_format: str
    algorithm: str
    ranks: list
    lora_keys: int
    patched_model_weights: int


def canonical(alpha=ALPHA, seed=1234):
    return lf.make_lora(lf.flux_layers(SIZES), rank=RANK, alpha=alpha, seed=seed)


LAYERS = len(lf.flux_layers(SIZES))  # 13 linear layers in one double and one single block
# diffusers splits each qkv into q, k, v and linear1 into q, k, v, proj_mlp: 13 - 3 + 3 + 3 + 4 = 20 modules
DIFFUSERS_MODULES = sum(len(lf.diffusers_parts(layer, SIZES)) for layer in lf.flux_layers(SIZES))


def build_case(name: str, tmp_path) -> Case:
    lora = canonical()
    deltas = lf.deltas(lora)
    if name == "comfyui":
        return Case(lf.write(tmp_path / "native.safetensors", lf.native_sd(lora)), deltas, "comfyui", "lora",
                    [RANK], 3 * LAYERS, LAYERS)
    if name == "kohya":
        return Case(lf.write(tmp_path / "kohya.safetensors", lf.kohya_sd(lora)), deltas, "kohya", "lora",
                    [RANK], 3 * LAYERS, LAYERS)
    if name == "diffusers":  # also what ai-toolkit and SimpleTuner write: no alpha, scale 1
        return Case(lf.write(tmp_path / "diffusers.safetensors", lf.diffusers_sd(lora, SIZES)), deltas,
                    "diffusers", "lora", [RANK], 2 * DIFFUSERS_MODULES, LAYERS)
    if name == "diffusers_alpha":  # SimpleTuner / ai-toolkit files that carry .alpha keys
        return Case(lf.write(tmp_path / "simpletuner.safetensors", lf.diffusers_sd(lora, SIZES, alpha_keys=True)),
                    deltas, "diffusers", "lora", [RANK], 3 * DIFFUSERS_MODULES, LAYERS)
    if name == "peft":  # lora_alpha only in adapter_config.json
        return Case(lf.peft_files(lora, tmp_path / "peft", SIZES), deltas, "peft (converted)", "lora", [RANK],
                    2 * DIFFUSERS_MODULES, LAYERS)
    if name == "peft_flux":  # PEFT on BFL's Flux implementation: Flux's own module names, nothing split
        return Case(lf.peft_files(lora, tmp_path / "peft_flux", SIZES, flux_names=True), deltas, "peft (converted)",
                    "lora", [RANK], 2 * LAYERS, LAYERS)
    if name == "onetrainer":
        return Case(lf.write(tmp_path / "onetrainer.safetensors", lf.onetrainer_sd(lora, SIZES)), deltas,
                    "onetrainer", "lora", [RANK], 3 * DIFFUSERS_MODULES, LAYERS)
    if name == "xlabs":
        xlabs = {k: v for k, v in lora.items() if k in lf.xlabs_layers(SIZES)
                 or k.endswith((".linear1", ".linear2"))}
        return Case(lf.write(tmp_path / "xlabs.safetensors", lf.xlabs_sd(xlabs, SIZES)), lf.xlabs_deltas(xlabs, SIZES),
                    "xlabs (converted)", "lora", [RANK], 2 * len(xlabs), len(xlabs))
    if name == "loha":
        state, deltas = lf.loha_sd(lf.flux_layers(SIZES), rank=RANK, alpha=ALPHA)
        return Case(lf.write(tmp_path / "loha.safetensors", state), deltas, "comfyui", "loha", [RANK],
                    5 * LAYERS, LAYERS)
    if name == "lokr":
        state, deltas = lf.lokr_sd(lf.flux_layers(SIZES), rank=RANK, alpha=ALPHA)
        return Case(lf.write(tmp_path / "lokr.safetensors", state), deltas, "kohya", "lokr", [RANK],
                    4 * LAYERS, LAYERS)
    raise AssertionError(name)


FORMATS = ("comfyui", "kohya", "diffusers", "diffusers_alpha", "peft", "peft_flux", "onetrainer", "xlabs", "loha",
           "lokr")


@pytest.mark.parametrize("name", FORMATS)
def test_each_format_patches_exactly(flux, tmp_path, name):
    model, _clip, originals, _ = flux
    case = build_case(name, tmp_path)
    for strength in STRENGTHS:
        new_model, new_clip, report = apply_module.apply_lora(model, None, str(case.path), strength, 1.0)
        assert new_model is not model and new_clip is None
        assert_patched(patched_state(new_model), originals, case.deltas, strength)
        assert (report.file, report.file_format, report.algorithm) == (case.path.name, case.file_format, case.algorithm)
        assert report.ranks == case.ranks
        assert (report.lora_keys, report.matched_keys, report.unmatched) == (case.lora_keys, case.lora_keys, [])
        assert (report.patched_model_weights, report.patched_clip_weights) == (case.patched_model_weights, 0)
        assert report.strength_model == strength
    assert_patched(patched_state(model), originals, {}, 0.0)  # the input MODEL is left as it was


def test_strength_zero_changes_nothing(flux, tmp_path):
    model, _clip, originals, _ = flux
    case = build_case("comfyui", tmp_path)
    new_model, _, report = apply_module.apply_lora(model, None, str(case.path), 0.0, 0.0)
    assert_patched(patched_state(new_model), originals, {}, 0.0)
    assert report.matched_keys == case.lora_keys


def test_alpha_defines_the_scale(flux, tmp_path):
    """alpha / rank when the file has alpha, else 1: the same up/down with and without alpha differ by 2."""
    model, _clip, originals, _ = flux
    lora = canonical()
    without = {layer: dataclasses.replace(low, alpha=None) for layer, low in lora.items()}
    for state, scale in ((lf.native_sd(lora), ALPHA / RANK), (lf.native_sd(without), 1.0)):
        path = lf.write(tmp_path / f"scale{scale}.safetensors", state)
        new_model, _, _ = apply_module.apply_lora(model, None, str(path), 1.0, 0.0)
        expected = {lf.weight_key(layer): scale * (low.up.double() @ low.down.double()) for layer, low in lora.items()}
        assert_patched(patched_state(new_model), originals, expected, 1.0)
    # PEFT: the adapter_config.json beside the file holds lora_alpha; without it the scale is 1
    peft_dir = tmp_path / "peft-no-config"
    path = lf.peft_files(lora, peft_dir, SIZES, config=False)
    assert not (peft_dir / "adapter_config.json").exists()
    new_model, _, report = apply_module.apply_lora(model, None, str(path), 1.0, 0.0)
    assert report.file_format == "peft (converted)"
    assert_patched(patched_state(new_model), originals, lf.deltas(lora), 1.0)  # folded: same change


def test_same_lora_same_weights_in_every_format(flux, tmp_path):
    model, _clip, originals, _ = flux
    lora = canonical(seed=555)
    files = {"comfyui": lf.write(tmp_path / "a.safetensors", lf.native_sd(lora)),
             "kohya": lf.write(tmp_path / "b.safetensors", lf.kohya_sd(lora)),
             "diffusers": lf.write(tmp_path / "c.safetensors", lf.diffusers_sd(lora, SIZES)),
             "peft": lf.peft_files(lora, tmp_path / "peft", SIZES),
             "peft_flux": lf.peft_files(lora, tmp_path / "peft_flux", SIZES, flux_names=True),
             "onetrainer": lf.write(tmp_path / "d.safetensors", lf.onetrainer_sd(lora, SIZES))}
    results = {name: patched_state(apply_module.apply_lora(model, None, str(path), 0.7, 0.0)[0])
               for name, path in files.items()}
    reference = results.pop("comfyui")
    changed = [k for k in reference if not torch.equal(reference[k], originals[k])]
    assert len(changed) == LAYERS
    for name, state in results.items():
        for key in reference:
            torch.testing.assert_close(state[key], reference[key], rtol=1e-6, atol=1e-6,
                                       msg=lambda m, key=key, name=name: f"{name} vs comfyui, {key}: {m}")
    # XLabs patches the attention of the double blocks: the same qkv / proj as the other formats
    attention = {k: v for k, v in lora.items() if k in lf.xlabs_layers(SIZES)}
    native = patched_state(apply_module.apply_lora(
        model, None, str(lf.write(tmp_path / "e.safetensors", lf.native_sd(attention))), 0.7, 0.0)[0])
    xlabs = patched_state(apply_module.apply_lora(
        model, None, str(lf.write(tmp_path / "f.safetensors", lf.xlabs_sd(attention, SIZES))), 0.7, 0.0)[0])
    for key in (lf.weight_key(layer) for layer in attention):
        assert not torch.equal(xlabs[key], originals[key])
        torch.testing.assert_close(xlabs[key], native[key], rtol=1e-6, atol=1e-6)
        torch.testing.assert_close(xlabs[key], reference[key], rtol=1e-6, atol=1e-6)


def model_linear_layers(model) -> set[str]:
    """The Flux layers (native names) the tiny model has a 2-D weight for."""
    return {k[len("diffusion_model."):-len(".weight")] for k, v in model.model.state_dict().items()
            if k.startswith("diffusion_model.") and k.endswith(".weight") and v.dim() == 2}


def test_peft_with_flux_module_names_patches_every_layer(flux, tmp_path):
    """A PEFT adapter trained on BFL's Flux implementation names Flux's own modules, the embedders and
    final layer included; lora_alpha comes from adapter_config.json (scale 2 here)."""
    model, _clip, originals, _ = flux
    assert set(lf.all_flux_layers(SIZES)) == model_linear_layers(model)  # every linear layer of the model
    lora = lf.make_lora(lf.all_flux_layers(SIZES), rank=RANK, alpha=ALPHA, seed=21)
    path = lf.peft_files(lora, tmp_path / "peft_all", SIZES, flux_names=True)
    for strength in STRENGTHS:
        new_model, _, report = apply_module.apply_lora(model, None, str(path), strength, 0.0)
        assert_patched(patched_state(new_model), originals, lf.deltas(lora), strength)
        assert (report.file_format, report.ranks) == ("peft (converted)", [RANK])
        assert (report.lora_keys, report.matched_keys, report.unmatched) == (2 * len(lora), 2 * len(lora), [])
        assert report.patched_model_weights == len(lora)


def test_bfl_control_lora_every_layer(flux, tmp_path):
    """BFL's Canny / Depth LoRA layout: every linear layer as lora_A / lora_B plus lora_B.bias, the
    attention norm scales as whole weights, img_in twice as wide. Applied as ComfyUI applies it (its
    comfy.lora_convert): W + s * up @ down (img_in padded with zero columns first), bias + s * b, the
    norm scales replaced at any strength. Reported as its own format, with the file's key count."""
    model, _clip, originals, _ = flux
    control = lf.make_control_lora(SIZES, rank=RANK)
    state = control.state_dict()
    path = lf.write(tmp_path / "flux1-canny-dev-lora.safetensors", state)
    img_in = "diffusion_model.img_in.weight"
    widened = dict(originals)
    widened[img_in] = torch.cat([originals[img_in], torch.zeros(SIZES.hidden_size, lf.LATENT_PATCH,
                                                                dtype=torch.float64)], 1)
    norm_keys = {"diffusion_model." + name: value for name, value in control.norms.items()}
    changes = {**lf.deltas(control.lora),
               **{"diffusion_model." + layer + ".bias": bias.double() for layer, bias in control.biases.items()}}
    # the same low-rank weights in ComfyUI's own format: the same linear layers (img_in aside: it is wider)
    same = {layer: low for layer, low in control.lora.items() if layer != "img_in"}
    native = lf.write(tmp_path / "native.safetensors", lf.native_sd(same))
    for strength in STRENGTHS:
        new_model, _, report = apply_module.apply_lora(model, None, str(path), strength, 0.0)
        actual = patched_state(new_model)
        assert_patched(actual, {k: v for k, v in widened.items() if k not in norm_keys}, changes, strength)
        for key, value in norm_keys.items():
            assert torch.equal(actual[key], value.double()), key
        assert (report.file_format, report.algorithm, report.ranks) == ("bfl_control", "lora", [RANK])
        assert (report.lora_keys, report.matched_keys, report.unmatched) == (len(state), len(state), [])
        assert report.patched_model_weights == 2 * len(control.lora) + len(control.norms)
        assert f"{len(state)} of {len(state)} LoRA weights matched" in report.text()
        reference = patched_state(apply_module.apply_lora(model, None, str(native), strength, 0.0)[0])
        for key in lf.deltas(same):
            torch.testing.assert_close(actual[key], reference[key], rtol=1e-6, atol=1e-6 * abs(strength))


# --- text encoder -------------------------------------------------------------------------------------
def test_kohya_text_encoder_weights_patch_clip_l(flux, tmp_path):
    model, clip, originals, clip_originals = flux
    unet, te = canonical(), lf.make_lora(lf.clip_l_layers(SIZES), rank=RANK, alpha=ALPHA, seed=7)
    path = lf.write(tmp_path / "kohya_te.safetensors", lf.kohya_sd(unet, te))
    te_layers = len(lf.clip_l_layers(SIZES))
    for strength_model, strength_clip in ((1.0, -10.0), (0.5, -1.0), (-1.0, 0.5), (10.0, 10.0)):
        new_model, new_clip, report = apply_module.apply_lora(model, clip, str(path), strength_model, strength_clip)
        assert new_clip is not clip
        assert_patched(patched_state(new_model), originals, lf.deltas(unet), strength_model)
        assert_patched(patched_state(new_clip.patcher), clip_originals, lf.deltas(te), strength_clip)
        assert (report.patched_model_weights, report.patched_clip_weights) == (LAYERS, te_layers)
        assert (report.lora_keys, report.matched_keys, report.unmatched) == (3 * (LAYERS + te_layers),) * 2 + ([],)
        assert (report.strength_model, report.strength_clip) == (strength_model, strength_clip)
    assert_patched(patched_state(clip.patcher), clip_originals, {}, 0.0)  # the input CLIP is left as it was

    # Without a CLIP the text-encoder weights are reported as unmatched, the model still patched.
    new_model, new_clip, report = apply_module.apply_lora(model, None, str(path), 1.0, 1.0)
    assert new_clip is None
    assert (report.matched_keys, report.patched_clip_weights) == (3 * LAYERS, 0)
    assert len(report.unmatched) == 3 * te_layers and all(k.startswith("lora_te1_") for k in report.unmatched)
    assert f"{3 * te_layers} did not match: " in report.text() and f"and {3 * te_layers - 5} more." in report.text()


def test_model_only_lora_leaves_clip_alone(flux, tmp_path):
    model, clip, _originals, clip_originals = flux
    path = lf.write(tmp_path / "unet_only.safetensors", lf.kohya_sd(canonical()))
    _, new_clip, report = apply_module.apply_lora(model, clip, str(path), 1.0, 3.0)
    assert report.patched_clip_weights == 0 and report.strength_clip == 0.0
    assert_patched(patched_state(new_clip.patcher), clip_originals, {}, 0.0)


def test_onetrainer_with_text_encoder(flux, tmp_path):
    """OneTrainer names CLIP-L lora_te1_* like kohya, the transformer lora_transformer_*."""
    model, clip, originals, clip_originals = flux
    unet, te = canonical(), lf.make_lora(lf.clip_l_layers(SIZES), rank=RANK, alpha=ALPHA, seed=8)
    state = {**lf.onetrainer_sd(unet, SIZES), **lf.kohya_sd({}, te)}
    path = lf.write(tmp_path / "onetrainer_te.safetensors", state)
    new_model, new_clip, report = apply_module.apply_lora(model, clip, str(path), -1.0, 0.5)
    assert report.file_format == "onetrainer"
    assert (report.lora_keys, report.matched_keys) == (len(state), len(state))
    assert (report.patched_model_weights, report.patched_clip_weights) == (LAYERS, len(te))
    assert_patched(patched_state(new_model), originals, lf.deltas(unet), -1.0)
    assert_patched(patched_state(new_clip.patcher), clip_originals, lf.deltas(te), 0.5)


def test_bfl_control_lora_pads_img_in(flux, tmp_path):
    """BFL's Canny / Depth LoRAs widen img_in (64 -> 128 input channels): ComfyUI pads the weight; the
    shape check must let that through and still patch exactly."""
    model, _clip, originals, _ = flux
    h = SIZES.hidden_size
    generator = torch.Generator().manual_seed(3)
    down, up = torch.randn(RANK, 128, generator=generator) / 8, torch.randn(h, RANK, generator=generator) / 2
    bias, scale = torch.randn(h, generator=generator) / 10, torch.rand(h // SIZES.num_heads, generator=generator) + 0.5
    qkv = canonical()["double_blocks.0.img_attn.qkv"]
    state = {"img_in.lora_A.weight": down, "img_in.lora_B.weight": up, "img_in.lora_B.bias": bias,
             "single_blocks.0.norm.key_norm.scale": scale,
             "double_blocks.0.img_attn.qkv.lora_A.weight": qkv.down, "double_blocks.0.img_attn.qkv.lora_B.weight": qkv.up}
    path = lf.write(tmp_path / "flux_depth_lora.safetensors", state)
    new_model, _, report = apply_module.apply_lora(model, None, str(path), 0.5, 0.0)
    assert report.patched_model_weights == 4 and report.unmatched == []
    assert (report.file_format, report.lora_keys, report.matched_keys) == ("bfl_control", 6, 6)
    actual = patched_state(new_model)
    padded = torch.cat([originals["diffusion_model.img_in.weight"], torch.zeros(h, 128 - 64, dtype=torch.float64)], 1)
    torch.testing.assert_close(actual["diffusion_model.img_in.weight"], padded + 0.5 * (up.double() @ down.double()))
    torch.testing.assert_close(actual["diffusion_model.img_in.bias"],
                               originals["diffusion_model.img_in.bias"] + 0.5 * bias.double())
    torch.testing.assert_close(actual["diffusion_model.single_blocks.0.norm.key_norm.scale"], scale.double())
    key = "diffusion_model.double_blocks.0.img_attn.qkv.weight"  # no alpha: scale 1
    torch.testing.assert_close(actual[key], originals[key] + 0.5 * (qkv.up.double() @ qkv.down.double()),
                               rtol=1e-5, atol=2e-5)


# --- the report ---------------------------------------------------------------------------------------
def test_report_counts_and_text(flux, tmp_path):
    model, _clip, originals, _ = flux
    lora = canonical()
    state = lf.native_sd(lora)
    junk = {"diffusion_model.no_such_block.lora_up.weight": torch.zeros(3, 2),
            "training_step_counter": torch.tensor(1200.0)}
    path = lf.write(tmp_path / "with_junk.safetensors", {**state, **junk})
    new_model, _, report = apply_module.apply_lora(model, None, str(path), 0.8, 1.0)
    assert_patched(patched_state(new_model), originals, lf.deltas(lora), 0.8)
    assert report.file == "with_junk.safetensors"
    assert (report.file_format, report.algorithm, report.ranks) == ("comfyui", "lora", [RANK])
    assert report.lora_keys == 3 * LAYERS + 2
    assert report.matched_keys == 3 * LAYERS
    assert report.patched_model_weights == LAYERS and report.patched_clip_weights == 0
    assert report.unmatched == sorted(junk)
    text = report.text()
    assert text.startswith("with_junk.safetensors: comfyui lora, rank 4; ")
    assert f"{3 * LAYERS} of {3 * LAYERS + 2} LoRA weights matched a layer" in text
    assert f"({LAYERS} model, 0 text-encoder weights patched)" in text
    assert "strength 0.8 (model)" in text
    assert "2 did not match: diffusion_model.no_such_block.lora_up.weight, training_step_counter." in text


def _with_junk(name: str, tmp_path) -> tuple[object, dict | None, list[str]]:
    """A file of format `name` that also holds weights for a block the tiny model lacks (block 7): its path,
    the changes it makes (None for the control LoRA: its wider img_in is checked above) and the keys of
    block 7, by their names in the file."""
    lora = canonical(seed=31)
    attention = {k: v for k, v in lora.items() if k in lf.xlabs_layers(SIZES)}
    far = {"double_blocks.7.img_attn.qkv": lora["double_blocks.0.img_attn.qkv"]}
    if name == "xlabs":
        junk = lf.xlabs_sd(far, SIZES)
        path = lf.write(tmp_path / "xlabs.safetensors", {**lf.xlabs_sd(attention, SIZES), **junk})
        return path, lf.deltas(attention), sorted(junk)
    if name == "bfl_control":
        control = lf.make_control_lora(SIZES, rank=RANK)
        control = lf.ControlLoRA({"img_in": control.lora["img_in"], **lora}, {}, control.norms)
        junk = lf.ControlLoRA(far, {}, {}).state_dict()
        return lf.write(tmp_path / "control.safetensors", {**control.state_dict(), **junk}), None, sorted(junk)
    path = lf.peft_files({**lora, **far}, tmp_path / name, SIZES, flux_names=name == "peft_flux")
    block_7 = "double_blocks.7." if name == "peft_flux" else "transformer_blocks.7."
    return path, lf.deltas(lora), sorted(k for k in safetensors.torch.load_file(str(path)) if block_7 in k)


@pytest.mark.parametrize("name", ["xlabs", "peft", "peft_flux", "bfl_control"])
def test_unmatched_weights_are_named_as_in_the_file(flux, tmp_path, name):
    """Formats converted before ComfyUI reads them still report the file's own key names and count."""
    model, _clip, originals, _ = flux
    path, changes, junk = _with_junk(name, tmp_path)
    file_keys = safetensors.torch.load_file(str(path))
    new_model, _, report = apply_module.apply_lora(model, None, str(path), -2.0, 0.0)
    assert report.unmatched == junk and len(junk) >= 2
    assert (report.lora_keys, report.matched_keys) == (len(file_keys), len(file_keys) - len(junk))
    assert f"{len(junk)} did not match: {junk[0]}, {junk[1]}" in report.text()
    if changes is not None:
        assert_patched(patched_state(new_model), originals, changes, -2.0)


def test_report_counts_weights_not_slices(flux, tmp_path):
    """diffusers splits qkv into to_q/to_k/to_v: three patches, one weight of the model."""
    model, _clip, _originals, _ = flux
    qkv = {"double_blocks.0.img_attn.qkv": canonical()["double_blocks.0.img_attn.qkv"]}
    path = lf.write(tmp_path / "qkv.safetensors", lf.diffusers_sd(qkv, SIZES))
    _, _, report = apply_module.apply_lora(model, None, str(path), 1.0, 1.0)
    assert (report.lora_keys, report.matched_keys, report.patched_model_weights) == (6, 6, 1)


# --- errors: zero match, malformed files, wrong shapes ---------------------------------------------------
def assert_lora_error(model, clip, path, *fragments) -> str:
    with pytest.raises(LoRAError) as caught:
        apply_module.apply_lora(model, clip, str(path), 1.0, 1.0)
    message = str(caught.value)
    assert os.path.basename(str(path)) in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_zero_match_is_an_error_naming_file_and_format(flux, tmp_path):
    model, clip, _, _ = flux
    torch.manual_seed(0)
    sdxl = {}
    for block in ("input_blocks_4_1", "middle_block_1", "output_blocks_3_1"):
        key = f"lora_unet_{block}_transformer_blocks_0_attn1_to_q"
        sdxl.update({key + ".lora_down.weight": torch.randn(4, 640), key + ".lora_up.weight": torch.randn(640, 4),
                     key + ".alpha": torch.tensor(4.0)})
    path = lf.write(tmp_path / "sdxl_style.safetensors", sdxl)
    message = assert_lora_error(model, clip, path, "(kohya format)", "matched no layer", "9 weights")
    assert "lora_unet_input_blocks_4_1" in message
    # a LoRA for another DiT (Wan-style names in ComfyUI's layout)
    wan = {"diffusion_model.blocks.0.self_attn.q.lora_down.weight": torch.randn(4, 64),
           "diffusion_model.blocks.0.self_attn.q.lora_up.weight": torch.randn(64, 4)}
    assert_lora_error(model, clip, lf.write(tmp_path / "wan.safetensors", wan), "(comfyui format)", "matched no layer")


def test_malformed_files_are_clear_errors(flux, tmp_path):
    model, clip, _, _ = flux
    random_bytes = tmp_path / "random.safetensors"
    random_bytes.write_bytes(os.urandom(4096))
    assert_lora_error(model, clip, random_bytes, "not a readable safetensors file")

    good = lf.write(tmp_path / "good.safetensors", lf.native_sd(canonical()))
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert_lora_error(model, clip, truncated, "not a readable safetensors file")

    empty_file = tmp_path / "zero_bytes.safetensors"
    empty_file.write_bytes(b"")
    assert_lora_error(model, clip, empty_file, "not a readable safetensors file")

    no_tensors = lf.write(tmp_path / "no_tensors.safetensors", {})
    assert_lora_error(model, clip, no_tensors, "holds no weights")

    assert_lora_error(model, clip, tmp_path / "missing.safetensors", "does not exist")

    pickle_junk = tmp_path / "old.pt"
    pickle_junk.write_bytes(b"not a pickle at all")
    assert_lora_error(model, clip, pickle_junk, "not a readable")


def wide_sizes():
    """Flux dev's width (hidden 3072) with one block of each kind: the right key names, other shapes."""
    return dataclasses.replace(tiny_flux.FULL, depth=1, depth_single_blocks=1)


@pytest.mark.parametrize("layout", ["comfyui", "kohya", "diffusers", "xlabs"])
def test_lora_for_another_model_size_is_an_error(flux, tmp_path, layout):
    model, clip, originals, _ = flux
    wide = wide_sizes()
    layers = lf.xlabs_layers(wide) if layout == "xlabs" else lf.flux_layers(wide)
    lora = lf.make_lora(layers, rank=RANK, alpha=ALPHA)
    state = {"comfyui": lf.native_sd, "kohya": lf.kohya_sd}.get(layout, None)
    state = state(lora) if state else {"diffusers": lf.diffusers_sd, "xlabs": lf.xlabs_sd}[layout](lora, wide)
    path = lf.write(tmp_path / f"wide_{layout}.safetensors", state)
    message = assert_lora_error(model, clip, path, "does not fit this model")
    assert re.search(r"is \(\d+, 64\) but the LoRA makes \(\d+, 3072\)", message), message


def test_inconsistent_rank_is_an_error(flux, tmp_path):
    model, clip, _, _ = flux
    state = lf.native_sd(canonical())
    key = "diffusion_model.double_blocks.0.img_attn.proj"
    state[key + ".lora_down.weight"] = torch.randn(8, 64)  # its lora_up is (64, 4)
    assert_lora_error(model, clip, lf.write(tmp_path / "rank_mismatch.safetensors", state), "does not fit this model",
                      "double_blocks.0.img_attn.proj")


def test_text_encoder_weights_of_another_size_are_an_error(flux, tmp_path):
    model, clip, _, _ = flux
    full_clip = dataclasses.replace(SIZES, clip_l={"hidden_size": 768, "intermediate_size": 3072,
                                                   "num_hidden_layers": 2})
    te = lf.make_lora(lf.clip_l_layers(full_clip), rank=RANK, alpha=ALPHA)
    path = lf.write(tmp_path / "te_768.safetensors", lf.kohya_sd(canonical(), te))
    assert_lora_error(model, clip, path, "does not fit this model", "clip_l.")


@pytest.mark.parametrize("algorithm", ["loha", "lokr"])
def test_lycoris_of_another_size_is_an_error(flux, tmp_path, algorithm):
    model, clip, _, _ = flux
    layers = lf.flux_layers(wide_sizes())
    state = (lf.loha_sd if algorithm == "loha" else lf.lokr_sd)(layers, with_deltas=False)[0]
    message = assert_lora_error(model, clip, lf.write(tmp_path / f"wide_{algorithm}.safetensors", state),
                                "does not fit this model")
    assert re.search(r"is \(\d+, \d+\) but the LoRA makes \(\d+, 3072\)", message), message


# --- caching by file and modification time (PEFT: and its adapter_config.json) ------------------------------------------------------------
def test_cache_by_file_and_mtime(flux, tmp_path, monkeypatch):
    model, _clip, originals, _ = flux
    reads = []
    real_load = comfy.utils.load_torch_file

    def counting_load(path, *args, **kwargs):
        reads.append(os.path.basename(path))
        return real_load(path, *args, **kwargs)

    monkeypatch.setattr(comfy.utils, "load_torch_file", counting_load)
    first, second = canonical(seed=1), canonical(seed=2)
    path = lf.write(tmp_path / "cached.safetensors", lf.native_sd(first))
    os.utime(path, (1_700_000_000, 1_700_000_000))

    for strength in (1.0, -2.0, 1.0):
        new_model, _, _ = apply_module.apply_lora(model, None, str(path), strength, 0.0)
        assert_patched(patched_state(new_model), originals, lf.deltas(first), strength)
    assert reads == ["cached.safetensors"]

    # Rewritten with the same modification time: still the cached weights (the cache keys on mtime).
    lf.write(path, lf.native_sd(second))
    os.utime(path, (1_700_000_000, 1_700_000_000))
    new_model, _, _ = apply_module.apply_lora(model, None, str(path), 1.0, 0.0)
    assert_patched(patched_state(new_model), originals, lf.deltas(first), 1.0)
    assert reads == ["cached.safetensors"]

    # A new modification time: read again, the new weights apply.
    os.utime(path, (1_700_000_100, 1_700_000_100))
    new_model, _, _ = apply_module.apply_lora(model, None, str(path), 1.0, 0.0)
    assert_patched(patched_state(new_model), originals, lf.deltas(second), 1.0)
    assert reads == ["cached.safetensors"] * 2
    apply_module.apply_lora(model, None, str(path), 1.0, 0.0)
    assert reads == ["cached.safetensors"] * 2

    # Another file is read; the one before it is read again after that (one LoRA kept in memory).
    other = lf.write(tmp_path / "other.safetensors", lf.native_sd(first))
    apply_module.apply_lora(model, None, str(other), 1.0, 0.0)
    apply_module.apply_lora(model, None, str(other), 1.0, 0.0)
    assert reads == ["cached.safetensors"] * 2 + ["other.safetensors"]

    # PEFT: a new lora_alpha in adapter_config.json (the weights file untouched) is read again too.
    peft = lf.peft_files(first, tmp_path / "peft", SIZES)
    config_path = peft.with_name("adapter_config.json")
    new_model, _, _ = apply_module.apply_lora(model, None, str(peft), 1.0, 0.0)
    assert_patched(patched_state(new_model), originals, lf.deltas(first), 1.0)
    config = json.loads(config_path.read_text())
    config_path.write_text(json.dumps({**config, "lora_alpha": 2 * config["lora_alpha"]}))
    os.utime(config_path, (1_700_000_200, 1_700_000_200))
    new_model, _, _ = apply_module.apply_lora(model, None, str(peft), 1.0, 0.0)
    assert_patched(patched_state(new_model), originals, lf.deltas(first), 2.0)  # twice the alpha
    assert reads[-2:] == ["adapter_model.safetensors"] * 2


# --- the node -----------------------------------------------------------------------------------------
@pytest.fixture
def loras_folder(tmp_path, monkeypatch):
    folder = tmp_path / "loras"
    folder.mkdir()
    monkeypatch.setitem(folder_paths.folder_names_and_paths, "loras",
                        ([str(folder)], set(folder_paths.supported_pt_extensions)))
    monkeypatch.setattr(folder_paths, "filename_list_cache", {})
    return folder


def test_node_lists_loras_and_stacks_two(flux, loras_folder):
    model, clip, originals, clip_originals = flux
    first, second = canonical(seed=11), canonical(seed=12)
    lf.write(loras_folder / "first.safetensors", lf.kohya_sd(first))
    lf.write(loras_folder / "sub" / "second.safetensors", lf.diffusers_sd(second, SIZES))
    (loras_folder / "notes.txt").write_text("not a model file")

    spec = node_module.SegmindFluxLoRALoader.INPUT_TYPES()
    assert spec["required"]["lora_name"][0] == ["first.safetensors", "sub/second.safetensors"]
    for name in ("strength", "strength_clip"):
        options = (spec["required"] | spec["optional"])[name][1]
        assert (options["min"], options["max"]) == (-10.0, 10.0)

    node = node_module.SegmindFluxLoRALoader()
    model1, clip1, text1 = node.load(model, "first.safetensors", 0.75, clip=clip, strength_clip=1.0)
    model2, clip2, text2 = node.load(model1, "sub/second.safetensors", -1.5, clip=clip1, strength_clip=1.0)
    d1, d2 = lf.deltas(first), lf.deltas(second)
    assert set(d1) == set(d2)
    stacked = {k: 0.75 * d1[k] - 1.5 * d2[k] for k in d1}
    assert_patched(patched_state(model2), originals, stacked, 1.0)
    assert_patched(patched_state(model1), originals, d1, 0.75)  # the first output is not changed by the second
    assert_patched(patched_state(clip2.patcher), clip_originals, {}, 0.0)
    assert text1.startswith("first.safetensors: kohya lora, rank 4; ") and "strength 0.75 (model)" in text1
    assert text2.startswith("second.safetensors: diffusers lora, rank 4; ") and "strength -1.5 (model)" in text2
    assert f"{3 * LAYERS} of {3 * LAYERS} LoRA weights matched" in text1


def test_node_extreme_strengths_and_range(flux, loras_folder):
    model, _clip, originals, _ = flux
    lora = canonical(seed=13)
    lf.write(loras_folder / "a.safetensors", lf.native_sd(lora))
    node = node_module.SegmindFluxLoRALoader()
    for strength in (-10.0, 10.0):
        new_model, _, _ = node.load(model, "a.safetensors", strength)
        assert_patched(patched_state(new_model), originals, lf.deltas(lora), strength)
    for name, kwargs in (("strength", {"strength": 10.01}), ("strength", {"strength": -10.5}),
                         ("strength_clip", {"strength": 1.0, "strength_clip": 11.0}),
                         ("strength", {"strength": float("nan")})):
        with pytest.raises(ValueError, match=f"SegmindFluxLoRALoader: input '{name}' must be a number from -10 to 10"):
            node.load(model, "a.safetensors", **kwargs)
    with pytest.raises(ValueError, match=r"input 'lora_name' must be a file in models/loras \(found: .*a\.safetensors.*\); "
                                         "got 'missing.safetensors'"):
        node.load(model, "missing.safetensors", 1.0)
