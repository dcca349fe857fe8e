"""Refuse a model combination that would crash deep in sampling or quietly make garbage: a model that
is not Flux, schnell weights in a dev twin (or the reverse), text encoders or a VAE that are not Flux's."""
from __future__ import annotations

from ..specs.local import LocalTwin

FLUX_LATENT_CHANNELS = 16


class WrongModel(ValueError):
    pass


def check_flux_inputs(twin: LocalTwin, model, clip, vae) -> None:
    import comfy.model_base

    node = twin.node_id
    base = getattr(model, "model", None)
    if not isinstance(base, comfy.model_base.Flux):
        raise WrongModel(f"{node}: input 'model' is {type(base).__name__}, not a Flux model. Load "
                         "flux1-dev / flux1-schnell with Load Diffusion Model.")
    is_dev = bool(base.model_config.unet_config.get("guidance_embed"))
    wants_dev = twin.uses_guidance_param or twin.takes_lora  # dev and the LoRA twins run dev weights
    if wants_dev and not is_dev:
        raise WrongModel(f"{node}: input 'model' holds Flux schnell weights (no guidance input); this node "
                         "needs Flux dev (flux1-dev.safetensors). For schnell use SegmindFluxSchnellLocal.")
    if is_dev and not wants_dev:
        raise WrongModel(f"{node}: input 'model' holds Flux dev weights; this node needs Flux schnell "
                         "(flux1-schnell.safetensors). For dev use SegmindFluxDevLocal.")
    encoders = getattr(clip, "cond_stage_model", None)
    if not (hasattr(encoders, "clip_l") and hasattr(encoders, "t5xxl")):
        raise WrongModel(f"{node}: input 'clip' is not Flux's pair of text encoders (CLIP-L + T5-XXL): load "
                         "them with DualCLIPLoader, type flux.")
    channels = getattr(vae, "latent_channels", None)
    if channels != FLUX_LATENT_CHANNELS:
        raise WrongModel(f"{node}: input 'vae' has {channels} latent channels; Flux's VAE (ae.safetensors) "
                         f"has {FLUX_LATENT_CHANNELS}.")
