"""Refuse a model combination that would crash deep in sampling or quietly make garbage: a model that
is not Flux, schnell weights in a dev twin (or the reverse), Fill or Depth weights in the wrong twin, text
encoders or a VAE that are not Flux's, a CLIP vision model or style model that is not Redux's pair."""
from __future__ import annotations

from ..specs import LOCAL_TWINS
from ..specs.local import DEPTH, FLUX_CHANNELS, LocalTwin

FLUX_LATENT_CHANNELS = 16
# BFL's Depth LoRA widens a dev model's img_in as it is applied: such a patch makes dev a Depth model.
IMG_IN_PATCH = "diffusion_model.img_in.weight"
# What each width of img_in is, for the errors.
WEIGHTS_OF_CHANNELS = {FLUX_CHANNELS: "plain Flux (16 channels in)", 32: "FLUX.1 Depth or Canny [dev] (32 channels in)",
                       96: "FLUX.1 Fill [dev] (96 channels in)"}


class WrongModel(ValueError):
    pass


def plain_twin(base_model: str) -> str:
    """The node to point at for the other weights: the twin of that base model without a LoRA or image graph."""
    return next(t.node_id for t in LOCAL_TWINS if t.base_model == base_model and not t.takes_lora and t.graph is None)


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
    check_model_channels(twin, model, base)
    encoders = getattr(clip, "cond_stage_model", None)
    if not (hasattr(encoders, "clip_l") and hasattr(encoders, "t5xxl")):
        raise WrongModel(f"{node}: input 'clip' is not Flux's pair of text encoders (CLIP-L + T5-XXL): load "
                         "them with DualCLIPLoader, type flux.")
    channels = getattr(vae, "latent_channels", None)
    if channels != FLUX_LATENT_CHANNELS:
        raise WrongModel(f"{node}: input 'vae' has {channels} latent channels; Flux's VAE (ae.safetensors) "
                         f"has {FLUX_LATENT_CHANNELS}.")


def twin_for_channels(channels: int) -> str:
    found = next((t.node_id for t in LOCAL_TWINS if t.model_channels == channels), None)
    return f"for these weights use {found}" if found else "no node of this pack runs these weights"


def check_model_channels(twin: LocalTwin, model, base) -> None:
    """The latents the twin's graph concatenates must be what the model's img_in reads."""
    channels = base.model_config.unet_config.get("in_channels", FLUX_CHANNELS)
    if channels == twin.model_channels:
        return
    depth_lora = twin.graph == DEPTH and channels == FLUX_CHANNELS and IMG_IN_PATCH in getattr(model, "patches", {})
    if depth_lora:
        return
    has = WEIGHTS_OF_CHANNELS.get(channels, f"a Flux variant with {channels} channels in")
    wants = WEIGHTS_OF_CHANNELS.get(twin.model_channels)
    advice = (f"this node needs {wants}: {twin.example_unet_file}" if twin.model_channels != FLUX_CHANNELS
              else f"this node needs {wants}; {twin_for_channels(channels)}")
    if twin.graph == DEPTH:
        advice += ", or Flux dev with BFL's Depth LoRA (flux1-depth-dev-lora.safetensors) applied"
    raise WrongModel(f"{twin.node_id}: input 'model' holds {has} weights; {advice}.")


def check_redux_models(twin: LocalTwin, clip_vision, style_model) -> None:
    """Redux's style model turns SigLIP features into tokens: the pair must fit each other."""
    import comfy.clip_vision
    from comfy.ldm.flux.redux import ReduxImageEncoder

    node = twin.node_id
    if not isinstance(clip_vision, comfy.clip_vision.ClipVisionModel):
        raise WrongModel(f"{node}: input 'clip_vision' is {type(clip_vision).__name__}, not a CLIP vision model: load "
                         "sigclip_vision_patch14_384.safetensors with Load CLIP Vision (CLIPVisionLoader).")
    redux = getattr(style_model, "model", None)
    if not isinstance(redux, ReduxImageEncoder):
        raise WrongModel(f"{node}: input 'style_model' is {type(redux).__name__}, not FLUX.1 Redux: load "
                         "flux1-redux-dev.safetensors with Load Style Model (StyleModelLoader).")
    embeddings = getattr(getattr(clip_vision.model, "vision_model", None), "embeddings", None)
    width = getattr(getattr(embeddings, "position_embedding", None), "embedding_dim", None)
    if width != redux.redux_dim:
        raise WrongModel(f"{node}: input 'clip_vision' gives {width or 'unknown'}-wide image features; FLUX.1 Redux "
                         f"reads {redux.redux_dim}: load sigclip_vision_patch14_384.safetensors (SigLIP) with Load "
                         "CLIP Vision.")
