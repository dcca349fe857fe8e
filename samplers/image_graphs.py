"""How an image model's inputs enter the Flux graph, with the calls of ComfyUI's stock nodes: Kontext
(FluxKontextImageScale, VAEEncode, ReferenceLatent), Fill (DifferentialDiffusion, InpaintModelConditioning),
Depth (InstructPixToPixConditioning), Redux (CLIPVisionEncode, StyleModelApply); ImageScale sizes an input.

Each graph is a function (model, positive, negative, vae) -> (model, positive, negative, start LATENT or
None) that samplers/flux_pipeline.generate calls once, before sampling every image.
"""
from __future__ import annotations

import functools

# How an input image is scaled to its size: as FluxKontextImageScale does (lanczos).
UPSCALE_METHOD = "lanczos"


def scaled(image, width: int, height: int):
    """ImageScale (crop disabled)."""
    import comfy.utils

    return comfy.utils.common_upscale(image.movedim(-1, 1), width, height, UPSCALE_METHOD, "disabled").movedim(1, -1)


def kontext_scaled(image):
    """FluxKontextImageScale: the image resized (lanczos, centre crop) to the Kontext resolution nearest its
    aspect ratio, the sizes Kontext was trained on."""
    import comfy.utils
    from comfy_extras.nodes_flux import PREFERED_KONTEXT_RESOLUTIONS

    ratio = image.shape[2] / image.shape[1]
    _, width, height = min((abs(ratio - w / h), w, h) for w, h in PREFERED_KONTEXT_RESOLUTIONS)
    return comfy.utils.common_upscale(image.movedim(-1, 1), width, height, UPSCALE_METHOD, "center").movedim(1, -1)


def kontext(reference):
    """VAEEncode, then ReferenceLatent: the image the edit model starts from, as a reference latent."""
    def graph(model, positive, negative, vae):
        import node_helpers

        latent = vae.encode(reference[:, :, :, :3])
        positive = node_helpers.conditioning_set_values(positive, {"reference_latents": [latent]}, append=True)
        return model, positive, negative, None
    return graph


def _multiple_of_8_box(pixels) -> tuple[slice, slice]:
    """The centred crop to multiples of 8 that InpaintModelConditioning and InstructPixToPixConditioning make."""
    height, width = (pixels.shape[1] // 8) * 8, (pixels.shape[2] // 8) * 8
    top, left = (pixels.shape[1] % 8) // 2, (pixels.shape[2] % 8) // 2
    return slice(top, top + height), slice(left, left + width)


def _with_concat(conditionings, values: dict) -> list:
    import node_helpers

    return [node_helpers.conditioning_set_values(conditioning, values) for conditioning in conditionings]


def fill(image, mask):
    """DifferentialDiffusion (strength 1) on the model, then InpaintModelConditioning (noise mask on): the
    image with the masked part greyed out, encoded, and the mask go to the model beside the latent; sampling
    starts from the encoded image and redraws only the mask, its soft edges gradually."""
    def graph(model, positive, negative, vae):
        import torch
        from comfy_extras.nodes_differential_diffusion import DifferentialDiffusion

        # The node's own mask function (what DifferentialDiffusion installs), so it follows this ComfyUI's.
        model = model.clone()
        model.set_model_denoise_mask_function(functools.partial(DifferentialDiffusion.forward, strength=1.0))
        pixels = image[:, :, :, :3]
        resized = torch.nn.functional.interpolate(mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1])),
                                                  size=(pixels.shape[1], pixels.shape[2]), mode="bilinear")
        rows, columns = _multiple_of_8_box(pixels)
        cropped, resized = pixels[:, rows, columns, :], resized[:, :, rows, columns]
        keep = (1.0 - resized.round()).squeeze(1).unsqueeze(-1)
        concat = vae.encode((cropped - 0.5) * keep + 0.5)
        start = {"samples": vae.encode(pixels), "noise_mask": resized}
        positive, negative = _with_concat((positive, negative), {"concat_latent_image": concat, "concat_mask": resized})
        return model, positive, negative, start
    return graph


def depth(depth_map):
    """InstructPixToPixConditioning: the depth map, cropped to multiples of 8 and encoded, beside the latent;
    sampling starts from an empty latent of its size."""
    def graph(model, positive, negative, vae):
        import torch

        rows, columns = _multiple_of_8_box(depth_map)
        concat = vae.encode(depth_map[:, rows, columns, :3])
        positive, negative = _with_concat((positive, negative), {"concat_latent_image": concat})
        return model, positive, negative, {"samples": torch.zeros_like(concat)}
    return graph


def redux(clip_vision, style_model, image):
    """CLIPVisionEncode (crop center), then StyleModelApply (strength 1, multiply): the image's CLIP vision
    features, made text-like tokens by the Redux model, appended to the prompt's tokens."""
    def graph(model, positive, negative, vae):
        import torch

        tokens = style_model.get_cond(clip_vision.encode_image(image, crop=True))
        tokens = tokens.flatten(start_dim=0, end_dim=1).unsqueeze(dim=0)  # strength 1, multiply: unchanged
        # StyleModelApply's attention-mask branch never applies: Flux.1's text conditioning carries no mask.
        positive = [[torch.cat((text, tokens), dim=1), options.copy()] for text, options in positive]
        return model, positive, negative, None
    return graph
