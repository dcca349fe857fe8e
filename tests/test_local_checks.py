"""A bad model combination in a local node is a clear error, never a crash deep in sampling or garbage."""
from __future__ import annotations

import types

import pytest
import torch
from safetensors.torch import save_file

import tiny_flux
from pack_loader import load_pack_module

PROMPT = "a lighthouse at dusk"


@pytest.fixture(scope="module")
def local():
    tiny_flux.comfy_in_process()
    return load_pack_module("nodes.local")


def run(local, node_id, model, clip, vae, **inputs):
    node_class = local.LOCAL_NODES[node_id]
    with torch.inference_mode():
        return getattr(node_class(), node_class.FUNCTION)(model, clip, vae, prompt=PROMPT, steps=1, **inputs)


def test_schnell_weights_in_the_dev_node(local, dev, schnell):
    with pytest.raises(ValueError, match=r"SegmindFluxDevLocal: input 'model' holds Flux schnell weights.*"
                                         r"flux1-dev\.safetensors.*SegmindFluxSchnellLocal"):
        run(local, "SegmindFluxDevLocal", schnell[0], dev[1], dev[2])


def test_dev_weights_in_the_schnell_node(local, dev):
    with pytest.raises(ValueError, match=r"SegmindFluxSchnellLocal: input 'model' holds Flux dev weights"):
        run(local, "SegmindFluxSchnellLocal", dev[0], dev[1], dev[2], width=512, height=512)


def test_a_model_that_is_not_flux(local, dev):
    not_flux = types.SimpleNamespace(model=torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match=r"input 'model' is Linear, not a Flux model"):
        run(local, "SegmindFluxDevLocal", not_flux, dev[1], dev[2])


def test_text_encoders_that_are_not_fluxs(local, dev):
    not_flux = types.SimpleNamespace(cond_stage_model=torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match=r"input 'clip' is not Flux's pair of text encoders.*DualCLIPLoader"):
        run(local, "SegmindFluxDevLocal", dev[0], not_flux, dev[2])


def test_a_vae_that_is_not_fluxs(local, dev):
    sd_vae = types.SimpleNamespace(latent_channels=4)
    with pytest.raises(ValueError, match=r"input 'vae' has 4 latent channels; Flux's VAE \(ae\.safetensors\) has 16"):
        run(local, "SegmindFluxDevLocal", dev[0], dev[1], sd_vae)


def test_a_lora_for_another_architecture_in_a_lora_twin(local, dev, tmp_path):
    import folder_paths

    name = "sdxl_style.safetensors"
    save_file({"lora_unet_input_blocks_1_1_proj_in.lora_down.weight": torch.zeros(4, 320),
               "lora_unet_input_blocks_1_1_proj_in.lora_up.weight": torch.zeros(320, 4)}, str(tmp_path / name))
    folder_paths.add_model_folder_path("loras", str(tmp_path), is_default=True)
    try:
        with pytest.raises(ValueError, match=r"LoRA file sdxl_style\.safetensors \(kohya format\) matched no layer"):
            run(local, "SegmindFluxBMWLoRALocal", dev[0], dev[1], dev[2], lora_name=name, lora_strength=1.0)
    finally:
        folder_paths.folder_names_and_paths["loras"][0].remove(str(tmp_path))
