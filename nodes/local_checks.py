"""Refuse a model combination that would crash deep in sampling or quietly make garbage: a model that
is not Flux, schnell weights in a dev twin (or the reverse), text encoders or a VAE that are not Flux's."""
from __future__ import annotations

from ..specs import LOCAL_TWINS
from ..specs.local import LocalTwin

FLUX_LATENT_CHANNELS = 16


class WrongModel(ValueError):
    pass


def plain_twin(base_model: str) -> str:
    """The node to point at for the other weights: the twin of that base model without a LoRA."""
    return next(t.node_id for t in LOCAL_TWINS if t.base_model == base_model and not t.takes_lora)


def check_flux_inputs(twin: LocalTwin, model, clip, vae) -> None:
    import comfy.model_base

    node = twin.node_id
    base = getattr(model, "model", None)
    if not isinstance(base, comfy.model_base.Flux):
        raise WrongModel(f"{node}: input 'model' is {type(base).__name__}, not a Flux model. Load "
                         "flux1-dev / flux1-schnell with Load Diffusion Model.")
    is_dev = bool(base.model_config.unet_config.get("guidance_embed"))
    wants_dev = twin.base_model == "dev"
    if wants_dev and not is_dev:
        raise WrongModel(f"{node}: input 'model' holds Flux schnell weights (no guidance input); this node "
                         f"needs Flux dev (flux1-dev.safetensors). For schnell use {plain_twin('schnell')}.")
    if is_dev and not wants_dev:
        raise WrongModel(f"{node}: input 'model' holds Flux dev weights; this node needs Flux schnell "
                         f"(flux1-schnell.safetensors). For dev use {plain_twin('dev')}.")
    encoders = getattr(clip, "cond_stage_model", None)
    if not (hasattr(encoders, "clip_l") and hasattr(encoders, "t5xxl")):
        raise WrongModel(f"{node}: input 'clip' is not Flux's pair of text encoders (CLIP-L + T5-XXL): load "
                         "them with DualCLIPLoader, type flux.")
    channels = getattr(vae, "latent_channels", None)
    if channels != FLUX_LATENT_CHANNELS:
        raise WrongModel(f"{node}: input 'vae' has {channels} latent channels; Flux's VAE (ae.safetensors) "
                         f"has {FLUX_LATENT_CHANNELS}.")
