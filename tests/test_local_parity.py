"""The four local nodes against ComfyUI's stock graph, in-process, with tiny Flux models (tests/tiny_flux.py).

Stock graph: CLIPTextEncode -> FluxGuidance (dev, LoRA twins) -> ConditioningZeroOut (negative) ->
EmptySD3LatentImage or VAEEncode -> KSampler (cfg 1) -> VAEDecode, plus LoraLoaderModelOnly for the
LoRA twins. Same MODEL / CLIP / VAE, same parameters: the IMAGE must be the same.

The dev and LoRA twins size images by aspect ratio (about one megapixel, far too big for a CPU test):
their size function in nodes.local is replaced by one that records the ratio and returns a small size.
"""
from __future__ import annotations

import pytest
import torch

import tiny_flux
from conftest import LORA_FILE
from local_parity import (PROMPT, SMALL, assert_real_image, assert_same, comfy, picture, run_local,  # noqa: F401
                          small_size)
from pack_loader import load_pack_module

choices = load_pack_module("specs.choices")
local_specs = load_pack_module("specs.local")

DEV, SCHNELL = "SegmindFluxDevLocal", "SegmindFluxSchnellLocal"
BMW, VECTOR = "SegmindFluxBMWLoRALocal", "SegmindSimpleVectorFluxLocal"
LORA_TWINS = (BMW, VECTOR)
# Written out here on purpose (not imported from samplers/names.py): the test states the mapping itself.
STOCK_SAMPLER = {"euler_pp": "euler_cfg_pp", "euler_ancestral_pp": "euler_ancestral_cfg_pp"}


# --- fixtures -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lora_name(comfy, tmp_path_factory):
    import folder_paths

    folder = tmp_path_factory.mktemp("loras")
    tiny_flux.write_lora(folder / LORA_FILE)
    folder_paths.add_model_folder_path("loras", str(folder), is_default=True)
    assert LORA_FILE in folder_paths.get_filename_list("loras")
    yield LORA_FILE
    folder_paths.folder_names_and_paths["loras"][0].remove(str(folder))


# --- the two sides ------------------------------------------------------------------------------------
def run_stock(comfy, *args, **kwargs):
    with torch.inference_mode():
        return stock_graph(comfy, *args, **kwargs)


def stock_graph(comfy, model, clip, vae, *, prompt, seed, steps, sampler_name, scheduler, guidance,
                width=SMALL, height=SMALL, denoise=1.0, image=None, lora=None, lora_strength=0.0):
    nodes = comfy["nodes"]
    if lora is not None:
        (model,) = nodes.LoraLoaderModelOnly().load_lora_model_only(model, lora, lora_strength)
    (positive,) = nodes.CLIPTextEncode().encode(clip, prompt)
    if guidance is not None:
        (positive,) = comfy["FluxGuidance"].execute(positive, guidance).result
    (negative,) = nodes.ConditioningZeroOut().zero_out(positive)
    if image is not None:
        (latent,) = nodes.VAEEncode().encode(vae, image)
    else:
        (latent,) = comfy["EmptySD3LatentImage"].execute(width, height, 1).result
    (latent,) = nodes.KSampler().sample(model, seed, steps, 1.0, STOCK_SAMPLER.get(sampler_name, sampler_name),
                                        scheduler, positive, negative, latent, denoise)
    (images,) = nodes.VAEDecode().decode(vae, latent)
    return images


# --- 1. parity ----------------------------------------------------------------------------------------
DEV_PAIRS = [("euler", "simple"), ("dpmpp_2m", "karras"), ("euler_ancestral", "beta"), ("euler_pp", "normal"),
             ("heun", "sgm_uniform"), ("euler_ancestral_pp", "exponential"), ("uni_pc_bh2", "ddim_uniform")]


@pytest.mark.parametrize("sampler_name,scheduler", DEV_PAIRS)
def test_dev_text_to_image_equals_the_stock_graph(comfy, dev, small_size, sampler_name, scheduler):
    inputs = dict(prompt=PROMPT, aspect_ratio="16:9", guidance=4.2, seed=1234, steps=4, samples=1,
                  sampler_name=sampler_name, scheduler=scheduler, prompt_strength=0.8)
    images, latent = run_local(comfy, DEV, *dev, **inputs)
    assert small_size["asked"] == ["16:9"]
    stock = run_stock(comfy, *dev, prompt=PROMPT, seed=1234, steps=4, sampler_name=sampler_name,
                      scheduler=scheduler, guidance=4.2)
    assert images.shape == (1, SMALL, SMALL, 3) and latent["samples"].shape == (1, 16, SMALL // 8, SMALL // 8)
    assert_real_image(images)
    assert_same(images, stock)


KREA = "SegmindFluxKreaDevLocal"


def test_krea_twin_is_the_dev_graph_with_its_page_s_names(comfy, dev, small_size):
    """Krea [dev] runs the dev graph: `num_inference_steps` steps, `num_outputs` images of consecutive seeds,
    `megapixels` "0.25" half of each side of the ratio's size; `go_fast` is the server's own (no widget)."""
    small_size["size"][0] = (2 * SMALL, 2 * SMALL)  # the ratio's one-megapixel size, here
    inputs = dict(prompt=PROMPT, aspect_ratio="3:2", guidance=2.5, megapixels="0.25", num_inference_steps=3,
                  num_outputs=2, prompt_strength=0.7, seed=77, sampler_name="euler", scheduler="simple")
    images, latent = run_local(comfy, KREA, *dev, **inputs)
    singles = [run_stock(comfy, *dev, prompt=PROMPT, seed=77 + k, steps=3, sampler_name="euler", scheduler="simple",
                         guidance=2.5) for k in range(2)]
    assert small_size["asked"] == ["3:2"] and images.shape == (2, SMALL, SMALL, 3)
    assert_real_image(images)
    assert_same(images, torch.cat(singles))
    assert "go_fast" not in comfy["local"].LOCAL_NODES[KREA].INPUT_TYPES()["optional"]
    with pytest.raises(Exception, match=r"SegmindFluxKreaDevLocal: input 'megapixels' must be a number of "
                                        r"megapixels from 0.01 to 4 \(such as 1 or 0.25\).*got 'match_input'"):
        run_local(comfy, KREA, *dev, **{**inputs, "megapixels": "match_input"})


def test_the_comparison_can_fail(comfy, dev, small_size):
    """Seed, guidance and steps each reach the sampler: changing one changes the image."""
    base = dict(prompt=PROMPT, aspect_ratio="1:1", guidance=3.5, seed=99, steps=3)
    images, _ = run_local(comfy, DEV, *dev, **base)
    for change in ({"seed": 100}, {"guidance": 6.0}, {"steps": 4}, {"prompt": "a blue whale"}):
        other, _ = run_local(comfy, DEV, *dev, **{**base, **change})
        assert (other - images).abs().max().item() > 1e-3, change


@pytest.mark.parametrize("sampler_name,scheduler", [("euler", "normal"), ("dpmpp_2m", "karras"),
                                                    ("euler_ancestral_pp", "sgm_uniform")])
def test_schnell_text_to_image_equals_the_stock_graph(comfy, schnell, sampler_name, scheduler):
    inputs = dict(prompt=PROMPT, width=512, height=512, seed=42, steps=2, samples=1, denoise=1.0,
                  sampler_name=sampler_name, scheduler=scheduler)
    images, _ = run_local(comfy, SCHNELL, *schnell, **inputs)
    stock = run_stock(comfy, *schnell, prompt=PROMPT, seed=42, steps=2, sampler_name=sampler_name,
                      scheduler=scheduler, guidance=None, width=512, height=512)
    assert images.shape == (1, 512, 512, 3)
    assert_real_image(images)
    assert_same(images, stock)


def test_schnell_non_square_size_and_denoise_without_image(comfy, schnell):
    """Schnell's denoise applies without an input image too (as on the server): KSampler denoise on an empty latent."""
    inputs = dict(prompt=PROMPT, width=520, height=512, seed=5, steps=3, denoise=0.7, sampler_name="euler",
                  scheduler="simple")
    images, _ = run_local(comfy, SCHNELL, *schnell, **inputs)
    stock = run_stock(comfy, *schnell, prompt=PROMPT, seed=5, steps=3, sampler_name="euler", scheduler="simple",
                      guidance=None, width=520, height=512, denoise=0.7)
    assert images.shape == (1, 512, 520, 3)
    assert_same(images, stock)


def test_dev_image_to_image_uses_prompt_strength_as_denoise(comfy, dev, small_size, picture):
    small_size["size"][0] = (128, 96)  # ignored: with an input image its size is the output's
    inputs = dict(prompt=PROMPT, aspect_ratio="1:1", guidance=3.0, seed=321, steps=5, prompt_strength=0.6,
                  sampler_name="dpmpp_2m", scheduler="karras")
    images, _ = run_local(comfy, DEV, *dev, image=picture, **inputs)
    stock = run_stock(comfy, *dev, prompt=PROMPT, seed=321, steps=5, sampler_name="dpmpp_2m", scheduler="karras",
                      guidance=3.0, image=picture, denoise=0.6)
    assert images.shape == picture.shape
    assert_same(images, stock)
    full = run_stock(comfy, *dev, prompt=PROMPT, seed=321, steps=5, sampler_name="dpmpp_2m", scheduler="karras",
                     guidance=3.0, image=picture, denoise=1.0)
    assert (full - images).abs().max().item() > 1e-3  # the strength did reach the sampler


def test_dev_prompt_strength_is_ignored_without_an_image(comfy, dev, small_size):
    inputs = dict(prompt=PROMPT, aspect_ratio="1:1", guidance=3.0, seed=8, steps=3, prompt_strength=0.3)
    images, _ = run_local(comfy, DEV, *dev, **inputs)
    stock = run_stock(comfy, *dev, prompt=PROMPT, seed=8, steps=3, sampler_name="euler", scheduler="simple",
                      guidance=3.0, denoise=1.0)
    assert_same(images, stock)


def test_schnell_image_to_image_uses_denoise(comfy, schnell, picture):
    inputs = dict(prompt=PROMPT, width=1024, height=1024, seed=77, steps=4, denoise=0.55,
                  sampler_name="euler_ancestral", scheduler="karras")
    images, _ = run_local(comfy, SCHNELL, *schnell, image=picture, **inputs)
    stock = run_stock(comfy, *schnell, prompt=PROMPT, seed=77, steps=4, sampler_name="euler_ancestral",
                      scheduler="karras", guidance=None, image=picture, denoise=0.55)
    assert images.shape == picture.shape
    assert_same(images, stock)


@pytest.mark.parametrize("seed", [2024, 2**64 - 2])  # the second wraps: seeds 2**64-2, 2**64-1, 0
def test_dev_batch_is_single_runs_with_consecutive_seeds(comfy, dev, small_size, seed):
    inputs = dict(prompt=PROMPT, aspect_ratio="2:3", guidance=3.5, seed=seed, steps=3, samples=3,
                  sampler_name="euler_ancestral", scheduler="simple")
    images, latent = run_local(comfy, DEV, *dev, **inputs)
    singles = [run_stock(comfy, *dev, prompt=PROMPT, seed=(seed + k) % 2**64, steps=3, sampler_name="euler_ancestral",
                         scheduler="simple", guidance=3.5) for k in range(3)]
    assert images.shape == (3, SMALL, SMALL, 3) and latent["samples"].shape[0] == 3
    assert_same(images, torch.cat(singles))
    assert (singles[0] - singles[1]).abs().max().item() > 1e-3  # three different images


def test_schnell_image_to_image_batch(comfy, schnell, picture):
    inputs = dict(prompt=PROMPT, width=512, height=512, seed=11, steps=2, samples=2, denoise=0.8,
                  sampler_name="dpmpp_2m_sde", scheduler="exponential")
    images, _ = run_local(comfy, SCHNELL, *schnell, image=picture, **inputs)
    singles = [run_stock(comfy, *schnell, prompt=PROMPT, seed=11 + k, steps=2, sampler_name="dpmpp_2m_sde",
                         scheduler="exponential", guidance=None, image=picture, denoise=0.8) for k in range(2)]
    assert_same(images, torch.cat(singles))


def test_an_input_batch_gives_samples_per_image_each_a_single_run(comfy, schnell, picture):
    """Two input images x two samples: image k is the single run with seed + k on input image k // 2."""
    pictures = torch.cat([picture, picture.flip(1)])
    inputs = dict(prompt=PROMPT, width=512, height=512, seed=20, steps=2, samples=2, denoise=0.7,
                  sampler_name="euler", scheduler="simple")
    images, latent = run_local(comfy, SCHNELL, *schnell, image=pictures, **inputs)
    singles = [run_stock(comfy, *schnell, prompt=PROMPT, seed=20 + k, steps=2, sampler_name="euler",
                         scheduler="simple", guidance=None, image=pictures[k // 2:k // 2 + 1], denoise=0.7)
               for k in range(4)]
    assert_same(images, torch.cat(singles))
    assert latent["samples"].shape[0] == 4
    assert (images[0] - images[2]).abs().max().item() > 0.01  # the two inputs really differ


@pytest.mark.parametrize("node_id", LORA_TWINS)
@pytest.mark.parametrize("strength", [-1.5, 0.7])
def test_lora_twin_equals_stock_lora_loader(comfy, dev, small_size, lora_name, node_id, strength):
    inputs = dict(prompt=PROMPT, aspect_ratio="21:9", lora_strength=strength, sampler_name="dpmpp_2m",
                  scheduler="beta", seed=606, steps=4)
    images, _ = run_local(comfy, node_id, *dev, lora_name=lora_name, **inputs)
    assert small_size["asked"] == ["21:9"]
    stock = run_stock(comfy, *dev, prompt=PROMPT, seed=606, steps=4, sampler_name="dpmpp_2m", scheduler="beta",
                      guidance=local_specs.DEFAULT_FLUX_GUIDANCE, lora=lora_name, lora_strength=strength)
    assert local_specs.DEFAULT_FLUX_GUIDANCE == 3.5
    assert_real_image(images)
    assert_same(images, stock)


@pytest.mark.parametrize("node_id", LORA_TWINS)
def test_lora_changes_the_image_and_strength_zero_is_the_base_model(comfy, dev, small_size, lora_name, node_id):
    inputs = dict(prompt=PROMPT, aspect_ratio="1:1", sampler_name="euler", scheduler="simple", seed=3, steps=3)
    with_lora, _ = run_local(comfy, node_id, *dev, lora_name=lora_name, lora_strength=-1.5, **inputs)
    without, _ = run_local(comfy, node_id, *dev, lora_name=lora_name, lora_strength=0, **inputs)
    base = run_stock(comfy, *dev, prompt=PROMPT, seed=3, steps=3, sampler_name="euler", scheduler="simple",
                     guidance=3.5)
    assert_same(without, base)
    assert (with_lora - without).abs().mean().item() > 1e-3
    # and the base model is left unpatched afterwards
    again = run_stock(comfy, *dev, prompt=PROMPT, seed=3, steps=3, sampler_name="euler", scheduler="simple",
                      guidance=3.5)
    assert_same(again, base)


@pytest.mark.parametrize("node_id", LORA_TWINS)
def test_lora_twin_with_a_missing_file_names_node_and_input(comfy, dev, small_size, lora_name, node_id):
    node_class = comfy["local"].LOCAL_NODES[node_id]
    assert node_class.VALIDATE_INPUTS(lora_name=lora_name) is True
    message = node_class.VALIDATE_INPUTS(lora_name="nope.safetensors")
    assert message == f"{node_id}: input 'lora_name' must be a file in models/loras (found: {lora_name}); got 'nope.safetensors'."
    with pytest.raises(ValueError, match=rf"{node_id}: input 'lora_name' must be a file in models/loras .*; got 'nope.safetensors'"):
        run_local(comfy, node_id, *dev, lora_name="nope.safetensors", prompt=PROMPT, aspect_ratio="1:1",
                  lora_strength=1.0, sampler_name="euler", scheduler="simple", seed=1, steps=1)


# --- 2. every offered sampler x scheduler -------------------------------------------------------------
def offered(node_id: str, name: str) -> tuple:
    twin = next(t for t in load_pack_module("specs").LOCAL_TWINS if t.node_id == node_id)
    return tuple(next(p for p in twin.params if p.name == name).allowed)


ALL_SAMPLERS = sorted({n for t in load_pack_module("specs").LOCAL_TWINS for n in offered(t.node_id, "sampler_name")})


def test_offered_lists_are_the_specs():
    """What the sweep below relies on: the LoRA twins offer the dev twin's lists; schnell's schedulers are
    among them; schnell adds only samplers."""
    for name in ("sampler_name", "scheduler"):
        assert offered(DEV, name) == offered(BMW, name) == offered(VECTOR, name)
    assert set(offered(DEV, "sampler_name")) == set(choices.SAMPLERS_LORA_PAGES)
    assert set(offered(SCHNELL, "scheduler")) < set(offered(DEV, "scheduler"))
    assert set(offered(SCHNELL, "sampler_name")) == set(choices.SAMPLERS_MID_2024) == set(ALL_SAMPLERS)
    assert len(ALL_SAMPLERS) == 27 and len(offered(DEV, "scheduler")) == 7 and len(offered(SCHNELL, "scheduler")) == 6


@pytest.mark.parametrize("sampler_name", ALL_SAMPLERS)
def test_every_offered_sampler_and_scheduler_runs(comfy, dev, schnell, small_size, picture, sampler_name):
    """Every offered (sampler, scheduler) pair gives a finite image and latent: through the dev twin
    (the LoRA pages' lists, which the LoRA twins share; 32x32 via the size patch), and the pairs only
    schnell offers (dpm_adaptive) through the schnell twin (a 32x32 input image at denoise 1)."""
    small_size["size"][0] = (32, 32)
    tiny_picture = picture[:, ::2, ::2, :].contiguous()
    runs = []
    if sampler_name in offered(DEV, "sampler_name"):
        runs += [(DEV, dev, {"aspect_ratio": "1:1", "guidance": 3.5}, s) for s in offered(DEV, "scheduler")]
    if sampler_name in offered(SCHNELL, "sampler_name"):
        runs += [(SCHNELL, schnell, {"denoise": 1.0, "image": tiny_picture}, s) for s in offered(SCHNELL, "scheduler")
                 if not (sampler_name in offered(DEV, "sampler_name") and s in offered(DEV, "scheduler"))]
    assert runs
    for node_id, objects, extra, scheduler in runs:
        images, latent = run_local(comfy, node_id, *objects, prompt=PROMPT, seed=17, steps=2,
                                   sampler_name=sampler_name, scheduler=scheduler, **extra)
        assert images.shape == (1, 32, 32, 3), (node_id, scheduler)
        assert torch.isfinite(images).all() and torch.isfinite(latent["samples"]).all(), (node_id, scheduler)


# --- 3. bad names and sizes ---------------------------------------------------------------------------
@pytest.mark.parametrize("node_id", [DEV, SCHNELL, BMW, VECTOR])
@pytest.mark.parametrize("field,value", [("sampler_name", "euler_fast"), ("scheduler", "linear_quadratic")])
def test_unknown_sampling_name_is_an_error_naming_node_and_input(comfy, dev, small_size, lora_name, node_id, field, value):
    node_class = comfy["local"].LOCAL_NODES[node_id]
    message = node_class.VALIDATE_INPUTS(**{field: value})
    assert isinstance(message, str) and f"{node_id}: input '{field}'" in message and repr(value) in message
    extra = {"lora_name": lora_name, "lora_strength": 1.0} if node_id in LORA_TWINS else {}
    with pytest.raises(ValueError, match=rf"{node_id}: input '{field}' must be one of .*; got '{value}'"):
        run_local(comfy, node_id, *dev, prompt=PROMPT, seed=1, steps=1, **{field: value}, **extra)


@pytest.mark.parametrize("field,name", [("sampler_name", "heunpp2"), ("scheduler", "beta")])
def test_offered_name_missing_from_this_comfyui_is_an_error_not_a_fallback(comfy, dev, small_size, monkeypatch,
                                                                          field, name):
    """A name the page offers but the running ComfyUI lacks (ComfyUI itself would fall back to euler/simple)."""
    from comfy.samplers import KSampler

    attribute = "SAMPLERS" if field == "sampler_name" else "SCHEDULERS"
    monkeypatch.setattr(KSampler, attribute, [n for n in getattr(KSampler, attribute) if n != name])
    names = load_pack_module("samplers.names")
    with pytest.raises(names.UnknownSamplingName, match=rf"SegmindFluxDevLocal: input '{field}' '{name}' is not a"):
        run_local(comfy, DEV, *dev, prompt=PROMPT, aspect_ratio="1:1", guidance=3.5, seed=1, steps=1, **{field: name})
    assert name in names.unsupported_names([name], []) + names.unsupported_names([], [name])


def test_schnell_size_not_a_multiple_of_8_is_an_error(comfy, schnell):
    node_class = comfy["local"].LOCAL_NODES[SCHNELL]
    message = node_class.VALIDATE_INPUTS(width=516, height=512)
    assert isinstance(message, str)
    assert "SegmindFluxSchnellLocal: input 'width' must be an integer from 512 to 2048 in multiples of 8; got 516." in message
    for field, value in (("width", 516), ("height", 1020), ("width", 504)):
        inputs = {"width": 512, "height": 512, field: value}
        with pytest.raises(ValueError, match=rf"SegmindFluxSchnellLocal: input '{field}' must be .* multiples of 8; got {value}"):
            run_local(comfy, SCHNELL, *schnell, prompt=PROMPT, seed=1, steps=1, **inputs)
    assert node_class.VALIDATE_INPUTS(width=520, height=2048) is True


def test_out_of_range_values_are_errors(comfy, dev, small_size):
    for field, value in (("steps", 51), ("guidance", 10.5), ("samples", 5), ("prompt_strength", 1.2)):
        with pytest.raises(ValueError, match=rf"SegmindFluxDevLocal: input '{field}' must be"):
            run_local(comfy, DEV, *dev, prompt=PROMPT, aspect_ratio="1:1", seed=1, **{"steps": 1, field: value})


def test_tiny_models_are_reproducible(comfy):
    """Same seed, same weights (every parameter is initialised; none is left as uninitialised memory)."""
    first, second = tiny_flux.build_model("dev"), tiny_flux.build_model("dev")
    a, b = first.model.diffusion_model.state_dict(), second.model.diffusion_model.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert all(v.dtype == torch.float32 for v in a.values())
    clip_a, clip_b = tiny_flux.build_clip(), tiny_flux.build_clip()
    sa, sb = clip_a.cond_stage_model.state_dict(), clip_b.cond_stage_model.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)


def test_the_test_lora_patches_every_layer_it_names(comfy, dev):
    """The generated LoRA is in ComfyUI's native key format: every key is consumed, every target patched."""
    from comfy import lora as comfy_lora

    model = dev[0]
    lora = tiny_flux.lora_state_dict()
    key_map = comfy_lora.model_lora_keys_unet(model.model, {})
    patches = comfy_lora.load_lora(lora, key_map, log_missing=False)
    assert sorted(patches) == sorted(f"diffusion_model.{t}.weight" for t in tiny_flux.lora_targets())
    assert len(lora) == 3 * len(patches)


# --- Kontext [dev]: the image to edit as the reference latent -----------------------------------------
KONTEXT = "SegmindFluxKontextDevLocal"


def stock_kontext(comfy, model, clip, vae, *, prompt, seed, steps, guidance, image, width, height):
    """ComfyUI's Kontext graph: FluxKontextImageScale -> VAEEncode -> ReferenceLatent -> FluxGuidance."""
    from comfy_extras.nodes_edit_model import ReferenceLatent
    from comfy_extras.nodes_flux import FluxKontextImageScale

    nodes = comfy["nodes"]
    with torch.inference_mode():
        (scaled,) = FluxKontextImageScale.execute(image).result
        (reference,) = nodes.VAEEncode().encode(vae, scaled)
        (positive,) = nodes.CLIPTextEncode().encode(clip, prompt)
        (positive,) = ReferenceLatent.execute(positive, reference).result
        (positive,) = comfy["FluxGuidance"].execute(positive, guidance).result
        (negative,) = nodes.ConditioningZeroOut().zero_out(positive)
        (latent,) = comfy["EmptySD3LatentImage"].execute(width, height, 1).result
        (latent,) = nodes.KSampler().sample(model, seed, steps, 1.0, "euler", "simple", positive, negative, latent, 1.0)
        (images,) = nodes.VAEDecode().decode(vae, latent)
    return images, scaled


def test_kontext_dev_edit_equals_comfyuis_kontext_graph(comfy, dev, small_size, picture):
    inputs = dict(prompt="make it winter", aspect_ratio="4:3", guidance=2.5, num_inference_steps=2, seed=77,
                  sampler_name="euler", scheduler="simple")
    images, _ = run_local(comfy, KONTEXT, *dev, input_image=picture, **inputs)
    stock, scaled = stock_kontext(comfy, *dev, prompt="make it winter", seed=77, steps=2, guidance=2.5,
                                  image=picture, width=SMALL, height=SMALL)
    assert small_size["asked"] == ["4:3"] and scaled.shape == (1, 1024, 1024, 3)  # a square: Kontext's 1024 x 1024
    assert_real_image(images)
    assert_same(images, stock)
    # The reference reaches the model: another image to edit, another result.
    other, _ = run_local(comfy, KONTEXT, *dev, input_image=1.0 - picture, **inputs)
    assert (other - images).abs().max().item() > 1e-3


def test_kontext_dev_matches_the_input_at_its_kontext_resolution(comfy):
    local, images = comfy["local"], load_pack_module("nodes.local_images")
    twin = local.LOCAL_NODES[KONTEXT].TWIN
    wide = torch.rand(1, 90, 160, 3)
    reference = images.sized_input(twin, {}, images.checked_links(twin, {"input_image": wide}))
    request = local.build_request(twin, {"prompt": "x", "aspect_ratio": "match_input_image", "guidance": 2.5,
                                         "num_inference_steps": 3, "seed": 1}, None, reference)
    assert (request.width, request.height) == (reference.shape[2], reference.shape[1]) == (1392, 752)
    with pytest.raises(ValueError, match=f"{KONTEXT}: input 'input_image' takes one image; got a batch of 2"):
        images.checked_links(twin, {"input_image": torch.rand(2, 64, 64, 3)})
