"""What the parity tests of the local nodes share (test_local_parity.py, test_local_parity_images.py): ComfyUI
in-process with its stock nodes, an input picture, the size patch, running a local node as ComfyUI's
executor does, and the comparison to 1e-6. Test files import the fixtures by name."""
from __future__ import annotations

import pytest
import torch

import tiny_flux
from pack_loader import load_pack_module

PROMPT = "a red fox in the snow, watercolour"
SMALL = 64


@pytest.fixture(scope="module")
def comfy():
    tiny_flux.comfy_in_process()
    nodes, flux_guidance, empty_sd3_latent = tiny_flux.stock_nodes()
    from comfy import utils as comfy_utils

    enabled, comfy_utils.PROGRESS_BAR_ENABLED = comfy_utils.PROGRESS_BAR_ENABLED, False
    # Both sides of every comparison run with the same settings; one thread keeps these tiny models
    # fast on a CI machine whose two cores are shared (spinning OpenMP threads slow down many-fold).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield {"nodes": nodes, "FluxGuidance": flux_guidance, "EmptySD3LatentImage": empty_sd3_latent,
           "local": load_pack_module("nodes.local")}
    torch.set_num_threads(threads)
    comfy_utils.PROGRESS_BAR_ENABLED = enabled


@pytest.fixture
def small_size(comfy, monkeypatch):
    """The aspect-ratio size function of nodes.local, replaced: records the ratio, returns size[0]."""
    size, asked = [(SMALL, SMALL)], []

    def fake(ratio, multiple=16):
        asked.append(ratio)
        return size[0]

    monkeypatch.setattr(comfy["local"], "aspect_ratio_size", fake)
    return {"size": size, "asked": asked}


@pytest.fixture(scope="module")
def picture(comfy):
    """An input IMAGE (1, 64, 64, 3): a smooth seeded pattern in [0, 1]."""
    generator = torch.Generator().manual_seed(7)
    coarse = torch.rand(1, 3, 8, 8, generator=generator)
    return torch.nn.functional.interpolate(coarse, size=(SMALL, SMALL), mode="bilinear").permute(0, 2, 3, 1).contiguous()


def run_local(comfy, node_id, model, clip, vae, **inputs):
    """The node's function, as ComfyUI's executor calls it (under torch.inference_mode)."""
    node_class = comfy["local"].LOCAL_NODES[node_id]
    with torch.inference_mode():
        images, latent = getattr(node_class(), node_class.FUNCTION)(model, clip, vae, **inputs)
    return images, latent


def assert_same(local_images, stock_images):
    assert local_images.shape == stock_images.shape
    difference = (local_images - stock_images).abs().max().item()
    assert torch.allclose(local_images, stock_images, atol=1e-6, rtol=0), f"max |difference| {difference}"


def assert_real_image(images):
    """Not a degenerate image (parity of two flat images would prove little)."""
    assert torch.isfinite(images).all()
    assert images.std().item() > 0.05
    assert 0.0 <= images.min().item() and images.max().item() <= 1.0


def differs(a, b, at_least: float = 1e-3) -> bool:
    """Two images that an input really changed (not the last bits)."""
    return a.shape != b.shape or (a - b).abs().max().item() > at_least
