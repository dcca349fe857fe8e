"""Flux text-to-image / image-to-image through ComfyUI's library functions.

Each step makes exactly the calls of the stock nodes (CLIPTextEncode, FluxGuidance, ConditioningZeroOut,
EmptySD3LatentImage, VAEEncode, KSampler, VAEDecode; the image graphs of Kontext, Fill, Depth and Redux in
samplers/image_graphs.py), so that an image equals the stock graph's, and ComfyUI's model management, progress
bar and interrupt all apply. Nothing here copies a model.
"""
from __future__ import annotations

from dataclasses import dataclass

FLUX_LATENT_CHANNELS = 16
# Guidance-distilled Flux samples without classifier-free guidance: cfg 1 (ComfyUI skips the negative).
FLUX_CFG = 1.0
# torch seeds are unsigned 64-bit: seed + k wraps around.
SEED_SPACE = 2**64


@dataclass(frozen=True)
class SamplingRequest:
    prompt: str
    seed: int
    steps: int
    sampler_name: str  # ComfyUI's name (already mapped)
    scheduler: str
    denoise: float
    guidance: float | None  # None: no FluxGuidance (schnell has no guidance input)
    width: int
    height: int
    samples: int


def encode_prompt(clip, prompt: str, guidance: float | None):
    import node_helpers
    import torch

    conditioning = clip.encode_from_tokens_scheduled(clip.tokenize(prompt))
    if guidance is not None:
        conditioning = node_helpers.conditioning_set_values(conditioning, {"guidance": guidance})
    negative = []
    for tensor, options in conditioning:  # ConditioningZeroOut: unused at cfg 1, but must be well-formed
        options = options.copy()
        if options.get("pooled_output") is not None:
            options["pooled_output"] = torch.zeros_like(options["pooled_output"])
        negative.append([torch.zeros_like(tensor), options])
    return conditioning, negative


def empty_latent(width: int, height: int):
    """EmptySD3LatentImage: newer ComfyUI makes it in its intermediate dtype (fp16 with --fp16-intermediates),
    and the noise takes the latent's dtype; 0.3.75 has no intermediate_dtype and uses float32."""
    import comfy.model_management
    import torch

    intermediate_dtype = getattr(comfy.model_management, "intermediate_dtype", None)
    return torch.zeros([1, FLUX_LATENT_CHANNELS, height // 8, width // 8],
                       device=comfy.model_management.intermediate_device(),
                       dtype=intermediate_dtype() if intermediate_dtype else torch.float32)


def sample_latent(model, positive, negative, start: dict, seed: int, request: SamplingRequest):
    """One image: KSampler's common path with batch size 1 (`start`: a LATENT, with Fill's noise mask)."""
    import comfy.sample
    import comfy.utils
    import latent_preview

    latent = comfy.sample.fix_empty_latent_channels(model, start["samples"])
    noise = comfy.sample.prepare_noise(latent, seed, None)
    callback = latent_preview.prepare_callback(model, request.steps)
    return comfy.sample.sample(model, noise, request.steps, FLUX_CFG, request.sampler_name, request.scheduler,
                               positive, negative, latent, denoise=request.denoise, disable_noise=False,
                               start_step=None, last_step=None, force_full_denoise=False,
                               noise_mask=start.get("noise_mask"), callback=callback,
                               disable_pbar=not comfy.utils.PROGRESS_BAR_ENABLED, seed=seed)


def generate(model, clip, vae, request: SamplingRequest, init_image=None, graph=None):
    """`samples` images per input image (or from noise); output image k is exactly a single run with
    seed + k, on input image k // samples, so that any one of them can be re-made on its own.
    `graph`: how an image model's inputs enter (samplers/image_graphs.py): it may patch the model, add to the
    conditioning and give the latent to start from."""
    import torch

    positive, negative = encode_prompt(clip, request.prompt, request.guidance)
    start = None
    if graph is not None:
        model, positive, negative, start = graph(model, positive, negative, vae)
    if start is not None:
        starts = [start]
    elif init_image is not None:
        # One by one, as single runs encode them (a batched encode differs in the last bits).
        starts = [{"samples": vae.encode(init_image[i:i + 1, :, :, :3])} for i in range(init_image.shape[0])]
    else:
        starts = [{"samples": empty_latent(request.width, request.height)}]
    runs = [one for one in starts for _ in range(request.samples)]
    latents = [sample_latent(model, positive, negative, one, (request.seed + k) % SEED_SPACE, request)
               for k, one in enumerate(runs)]
    # Decoded one by one, as the single runs are: a batched decode differs in the last bits (conv
    # algorithms depend on the batch size), and image k must be exactly the single run with seed + k.
    images = torch.cat([decode(vae, one) for one in latents])
    # As KSampler's LATENT: the start's other keys (Fill's noise mask) go along.
    return images, {**starts[0], "samples": torch.cat(latents)}


def decode(vae, latent):
    """VAEDecode."""
    images = vae.decode(latent)
    if images.dim() == 5:  # as VAEDecode: video VAEs return [B, T, H, W, C]
        images = images.reshape(-1, *images.shape[-3:])
    return images
