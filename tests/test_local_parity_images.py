"""The local twins of FLUX.1 Fill [dev], Depth [dev] and Redux [dev] / [schnell] against ComfyUI's own graphs
for them (its templates flux_fill_inpaint_example, flux_depth_lora_example, flux_redux_model_example), in-process
with tiny models (tests/tiny_flux.py): the same IMAGE to 1e-6, image k of num_outputs the single run with
seed + k, and each image input shown to reach the model (another mask, depth map or image, another result).
"""
from __future__ import annotations

import types

import pytest
import torch

import tiny_flux
from local_parity import (PROMPT, SMALL, assert_real_image, assert_same, comfy, differs, picture,  # noqa: F401
                          run_local, small_size)

FILL, DEPTH = "SegmindFluxFillDevLocal", "SegmindFluxDepthDevLocal"
REDUX_DEV, REDUX_SCHNELL = "SegmindFluxReduxDevLocal", "SegmindFluxReduxSchnellLocal"
SAMPLING = dict(sampler_name="euler", scheduler="simple")


@pytest.fixture(scope="module")
def fill(comfy):
    return tiny_flux.build_flux("fill")


@pytest.fixture(scope="module")
def depth(comfy):
    return tiny_flux.build_flux("depth")


@pytest.fixture(scope="module")
def redux(comfy):
    """Redux's two model inputs, by name."""
    return dict(zip(("clip_vision", "style_model"), tiny_flux.build_redux()))


@pytest.fixture(scope="module")
def odd_picture(picture):
    """72 x 52: not a multiple of 8 high, so the conditioning nodes' centred crop matters."""
    return torch.nn.functional.interpolate(picture.movedim(-1, 1), size=(52, 72), mode="bilinear").movedim(1, -1)


def soft_mask(height: int, width: int, top: int, left: int):
    """A MASK: a rectangle to redraw (1) with a soft edge, the rest kept (0)."""
    mask = torch.zeros(1, height, width)
    mask[:, top:height - 8, left:width - 12] = 1.0
    mask[:, top - 2:top, left:width - 12] = 0.5
    return mask


# --- ComfyUI's graphs ---------------------------------------------------------------------------------
def encoded_prompt(comfy, clip, prompt: str, guidance):
    nodes = comfy["nodes"]
    (positive,) = nodes.CLIPTextEncode().encode(clip, prompt)
    if guidance is not None:
        (positive,) = comfy["FluxGuidance"].execute(positive, guidance).result
    (negative,) = nodes.ConditioningZeroOut().zero_out(positive)
    return positive, negative


def sampled(comfy, model, vae, positive, negative, latent, seed: int, steps: int):
    nodes = comfy["nodes"]
    (latent,) = nodes.KSampler().sample(model, seed, steps, 1.0, "euler", "simple", positive, negative, latent, 1.0)
    (images,) = nodes.VAEDecode().decode(vae, latent)
    return images


def stock_fill(comfy, model, clip, vae, *, prompt, guidance, image, mask, seed, steps, size=None):
    """DifferentialDiffusion -> CLIPTextEncode -> FluxGuidance -> (ImageScale) -> InpaintModelConditioning
    (noise_mask) -> KSampler -> VAEDecode."""
    from comfy_extras.nodes_differential_diffusion import DifferentialDiffusion

    nodes = comfy["nodes"]
    with torch.inference_mode():
        (model,) = DifferentialDiffusion.execute(model, 1.0).result
        if size is not None:
            (image,) = nodes.ImageScale().upscale(image, "lanczos", size[0], size[1], "disabled")
        positive, negative = encoded_prompt(comfy, clip, prompt, guidance)
        positive, negative, latent = nodes.InpaintModelConditioning().encode(positive, negative, image, vae, mask, True)
        return sampled(comfy, model, vae, positive, negative, latent, seed, steps)


def stock_depth(comfy, model, clip, vae, *, prompt, guidance, depth_map, seed, steps, size=None):
    """CLIPTextEncode -> FluxGuidance -> (ImageScale) -> InstructPixToPixConditioning -> KSampler -> VAEDecode."""
    from comfy_extras.nodes_ip2p import InstructPixToPixConditioning

    nodes = comfy["nodes"]
    with torch.inference_mode():
        if size is not None:
            (depth_map,) = nodes.ImageScale().upscale(depth_map, "lanczos", size[0], size[1], "disabled")
        positive, negative = encoded_prompt(comfy, clip, prompt, guidance)
        positive, negative, latent = InstructPixToPixConditioning.execute(positive, negative, depth_map, vae).result
        return sampled(comfy, model, vae, positive, negative, latent, seed, steps)


def stock_redux(comfy, model, clip, vae, clip_vision, style_model, *, image, guidance, seed, steps):
    """CLIPVisionEncode (center) -> CLIPTextEncode("") -> FluxGuidance (dev) -> StyleModelApply (1, multiply)
    -> EmptySD3LatentImage -> KSampler -> VAEDecode."""
    nodes = comfy["nodes"]
    with torch.inference_mode():
        (vision,) = nodes.CLIPVisionEncode().encode(clip_vision, image, "center")
        positive, _ = encoded_prompt(comfy, clip, "", guidance)
        (positive,) = nodes.StyleModelApply().apply_stylemodel(positive, style_model, vision, 1.0, "multiply")
        (negative,) = nodes.ConditioningZeroOut().zero_out(positive)
        (latent,) = comfy["EmptySD3LatentImage"].execute(SMALL, SMALL, 1).result
        return sampled(comfy, model, vae, positive, negative, latent, seed, steps)


# --- Fill [dev] ---------------------------------------------------------------------------------------
FILL_INPUTS = dict(prompt=PROMPT, guidance=30.0, megapixels="match_input", num_inference_steps=3, seed=4321, **SAMPLING)


def test_fill_equals_comfyuis_fill_graph_image_by_image(comfy, fill, odd_picture):
    mask = soft_mask(52, 72, top=12, left=16)
    images, latent = run_local(comfy, FILL, *fill, image=odd_picture, mask=mask, **{**FILL_INPUTS, "num_outputs": 2})
    singles = [stock_fill(comfy, *fill, prompt=PROMPT, guidance=30.0, image=odd_picture, mask=mask, seed=4321 + k,
                          steps=3) for k in range(2)]
    assert images.shape == (2, 48, 72, 3)  # match_input: the image's size, cut to multiples of 8
    assert_real_image(images)
    assert_same(images, torch.cat(singles))
    assert differs(singles[0], singles[1])
    assert latent["noise_mask"].shape == (1, 1, 48, 72)  # as KSampler's LATENT: the noise mask goes along


def test_fill_mask_and_image_reach_the_model(comfy, fill, odd_picture):
    mask = soft_mask(52, 72, top=12, left=16)
    images, _ = run_local(comfy, FILL, *fill, image=odd_picture, mask=mask, **FILL_INPUTS)
    other_mask, _ = run_local(comfy, FILL, *fill, image=odd_picture, mask=soft_mask(52, 72, top=30, left=40),
                              **FILL_INPUTS)
    other_image, _ = run_local(comfy, FILL, *fill, image=odd_picture.flip(2), mask=mask, **FILL_INPUTS)
    assert differs(images, other_mask) and differs(images, other_image)


def test_fill_megapixels_scale_the_image_first(comfy, fill, odd_picture):
    """"0.01": 72 x 52 at 0.01 of 1024 x 1024 pixels, sides to multiples of 16: 128 x 80 (ImageScale, lanczos)."""
    mask = soft_mask(52, 72, top=12, left=16)
    images, _ = run_local(comfy, FILL, *fill, image=odd_picture, mask=mask, **{**FILL_INPUTS, "megapixels": "0.01"})
    stock = stock_fill(comfy, *fill, prompt=PROMPT, guidance=30.0, image=odd_picture, mask=mask, seed=4321, steps=3,
                       size=(128, 80))
    assert images.shape == (1, 80, 128, 3)
    assert_same(images, stock)


@pytest.mark.parametrize("change,message", [
    ({"mask": torch.ones(1, 40, 72)}, r"SegmindFluxFillDevLocal: input 'mask' must have the size of 'image' \(72x52\); "
                                      r"got 72x40\. Resize the mask"),
    ({"mask": torch.ones(2, 52, 72)}, r"SegmindFluxFillDevLocal: input 'mask' takes one mask; got a batch of 2\."),
    ({"mask": None}, r"SegmindFluxFillDevLocal: input 'mask' needs a mask: connect a MASK output"),
    ({"image": torch.rand(2, 52, 72, 3)}, r"SegmindFluxFillDevLocal: input 'image' takes one image; got a batch of 2"),
    ({"megapixels": "huge"}, r"SegmindFluxFillDevLocal: input 'megapixels' must be a number of megapixels from 0\.01 "
                             r"to 4 \(such as 1 or 0\.25\) or match_input \(the input image's size\) .*; got 'huge'\."),
])
def test_fill_refuses_bad_images_naming_node_and_input(comfy, fill, odd_picture, change, message):
    inputs = {"image": odd_picture, "mask": soft_mask(52, 72, top=12, left=16), **FILL_INPUTS, **change}
    with pytest.raises(ValueError, match=message):
        run_local(comfy, FILL, *fill, **inputs)


def test_zero_steps_are_refused_before_sampling(comfy, fill, depth, odd_picture):
    """The pages show no range for `num_inference_steps` (the widget takes 0): ComfyUI cannot sample 0 steps."""
    mask = soft_mask(52, 72, top=12, left=16)
    with pytest.raises(ValueError, match=r"SegmindFluxFillDevLocal: input 'num_inference_steps' must be at least 1 to "
                                         r"sample locally; got 0\."):
        run_local(comfy, FILL, *fill, image=odd_picture, mask=mask, **{**FILL_INPUTS, "num_inference_steps": 0})
    with pytest.raises(ValueError, match=r"SegmindFluxDepthDevLocal: input 'num_inference_steps' must be at least 1"):
        run_local(comfy, DEPTH, *depth, control_image=odd_picture, **{**DEPTH_INPUTS, "num_inference_steps": 0})


def test_fill_and_plain_weights_are_refused_in_each_others_twins(comfy, dev, fill, odd_picture):
    mask = soft_mask(52, 72, top=12, left=16)
    with pytest.raises(ValueError, match=r"SegmindFluxFillDevLocal: input 'model' holds plain Flux \(16 channels in\) "
                                         r"weights; this node needs FLUX.1 Fill \[dev\] \(96 channels in\): "
                                         r"flux1-fill-dev\.safetensors\."):
        run_local(comfy, FILL, dev[0], *fill[1:], image=odd_picture, mask=mask, **FILL_INPUTS)
    with pytest.raises(ValueError, match=r"SegmindFluxDevLocal: input 'model' holds FLUX.1 Fill \[dev\] \(96 channels "
                                         r"in\) weights; .* use SegmindFluxFillDevLocal\."):
        run_local(comfy, "SegmindFluxDevLocal", fill[0], *fill[1:], prompt=PROMPT, aspect_ratio="1:1", steps=1)


# --- Depth [dev] --------------------------------------------------------------------------------------
DEPTH_INPUTS = dict(prompt=PROMPT, guidance=10.0, megapixels="match_input", num_inference_steps=3, seed=85412,
                    **SAMPLING)


def test_depth_equals_comfyuis_depth_graph_image_by_image(comfy, depth, odd_picture):
    images, _ = run_local(comfy, DEPTH, *depth, control_image=odd_picture, **{**DEPTH_INPUTS, "num_outputs": 2})
    singles = [stock_depth(comfy, *depth, prompt=PROMPT, guidance=10.0, depth_map=odd_picture, seed=85412 + k,
                           steps=3) for k in range(2)]
    assert images.shape == (2, 48, 72, 3)
    assert_real_image(images)
    assert_same(images, torch.cat(singles))
    other, _ = run_local(comfy, DEPTH, *depth, control_image=1.0 - odd_picture, **DEPTH_INPUTS)
    assert differs(images[:1], other)  # the depth map reaches the model


def test_depth_megapixels_scale_the_depth_map_first(comfy, depth, odd_picture):
    images, _ = run_local(comfy, DEPTH, *depth, control_image=odd_picture, **{**DEPTH_INPUTS, "megapixels": "0.01"})
    stock = stock_depth(comfy, *depth, prompt=PROMPT, guidance=10.0, depth_map=odd_picture, seed=85412, steps=3,
                        size=(128, 80))
    assert_same(images, stock)


def test_depth_runs_flux_dev_with_bfls_depth_lora(comfy, dev, odd_picture):
    """ComfyUI's own Depth template: Flux dev, LoraLoaderModelOnly with the Depth LoRA (img_in widened to read
    the depth map's latent too); the twin takes that model as it takes the Depth weights."""
    from comfy.sd import load_lora_for_models  # what LoraLoaderModelOnly calls

    import lora_files

    with torch.inference_mode():
        patched, _ = load_lora_for_models(dev[0], None, lora_files.make_control_lora().state_dict(), 1.0, 0.0)
    images, _ = run_local(comfy, DEPTH, patched, *dev[1:], control_image=odd_picture, **DEPTH_INPUTS)
    stock = stock_depth(comfy, patched, *dev[1:], prompt=PROMPT, guidance=10.0, depth_map=odd_picture, seed=85412,
                        steps=3)
    assert_same(images, stock)
    with pytest.raises(ValueError, match=r"SegmindFluxDepthDevLocal: input 'model' holds plain Flux \(16 channels in\) "
                                         r"weights; this node needs .*flux1-depth-dev\.safetensors, or Flux dev with "
                                         r"BFL's Depth LoRA"):
        run_local(comfy, DEPTH, *dev, control_image=odd_picture, **DEPTH_INPUTS)


def test_depth_control_image_must_be_one_image(comfy, depth):
    with pytest.raises(ValueError, match=r"SegmindFluxDepthDevLocal: input 'control_image' needs an image: connect"):
        run_local(comfy, DEPTH, *depth, control_image=None, **DEPTH_INPUTS)


# --- Redux [dev] / [schnell] --------------------------------------------------------------------------
@pytest.mark.parametrize("node_id,variant,guidance", [(REDUX_DEV, "dev", 4.5), (REDUX_SCHNELL, "schnell", None)])
def test_redux_equals_comfyuis_redux_graph_image_by_image(comfy, dev, schnell, redux, small_size, picture,
                                                          node_id, variant, guidance):
    flux = dev if variant == "dev" else schnell
    inputs = dict(aspect_ratio="3:4", megapixels="1", num_inference_steps=3, num_outputs=2, seed=808, **SAMPLING,
                  **({"guidance": guidance} if guidance is not None else {}))
    images, _ = run_local(comfy, node_id, *flux, **redux, redux_image=picture, **inputs)
    singles = [stock_redux(comfy, *flux, **redux, image=picture, guidance=guidance, seed=808 + k, steps=3)
               for k in range(2)]
    assert small_size["asked"] == ["3:4"] and images.shape == (2, SMALL, SMALL, 3)
    assert_real_image(images)
    assert_same(images, torch.cat(singles))
    other, _ = run_local(comfy, node_id, *flux, **redux, redux_image=picture.flip(1), **{**inputs, "num_outputs": 1})
    assert differs(images[:1], other)  # the image reaches the model


@pytest.mark.parametrize("which,replacement,message", [
    ("clip_vision", "siglip_48", r"SegmindFluxReduxDevLocal: input 'clip_vision' gives 48-wide image features; "
                                 r"FLUX.1 Redux reads 32: load sigclip_vision_patch14_384\.safetensors"),
    ("clip_vision", "not_a_model", r"SegmindFluxReduxDevLocal: input 'clip_vision' is SimpleNamespace, not a CLIP "
                                   r"vision model: load sigclip_vision_patch14_384"),
    ("style_model", "not_a_model", r"SegmindFluxReduxDevLocal: input 'style_model' is Linear, not FLUX.1 Redux: load "
                                   r"flux1-redux-dev\.safetensors"),
])
def test_redux_refuses_models_that_are_not_its_pair(comfy, dev, redux, picture, which, replacement, message):
    import dataclasses

    models = dict(redux)
    if replacement == "siglip_48":
        wider = dataclasses.replace(tiny_flux.TINY, siglip={**tiny_flux.TINY.siglip, "hidden_size": 48})
        models["clip_vision"] = tiny_flux.build_clip_vision(wider)
    else:
        models[which] = types.SimpleNamespace(model=torch.nn.Linear(2, 2)) if which == "style_model" \
            else types.SimpleNamespace()
    with pytest.raises(ValueError, match=message):
        run_local(comfy, REDUX_DEV, *dev, **models, redux_image=picture, aspect_ratio="1:1", num_inference_steps=1)


def test_redux_image_must_be_one_image(comfy, dev, redux, picture):
    with pytest.raises(ValueError, match=r"SegmindFluxReduxDevLocal: input 'redux_image' takes one image; got a batch "
                                         r"of 2\. Pick one with ImageFromBatch\."):
        run_local(comfy, REDUX_DEV, *dev, **redux, redux_image=torch.cat([picture, picture]), num_inference_steps=1)
