"""ComfyUI's IMAGE and MASK tensors to the images a remote node sends (specs/image_params.EncodedImage):
checked, PNG-encoded, and named by the SHA-256 of their pixels; a VIDEO input to its MP4 (nodes/videos.py).
CPU work: run it off the event loop."""
from __future__ import annotations

import hashlib
import io
from typing import Any

from ..specs import ModelSpec, SpecValidationError
from ..specs.image_params import EncodedImage, ImageListParam, MaskParam, image_fields
from ..specs.video_params import EncodedVideo, VideoParam
from .videos import encode_video_input

# Fast and lossless: the file is uploaded once and the server decodes it; size matters little.
PNG_COMPRESS_LEVEL = 3


def _refuse(node: str, socket: str, problem: str) -> SpecValidationError:
    return SpecValidationError(f"{node}: input '{socket}' {problem}")


def _frames_of(value: Any, node: str, socket: str, mask: bool) -> list:
    """The frames of a tensor as [H,W,C] (IMAGE) or [H,W] (MASK) uint8 arrays; a clear error otherwise."""
    import torch

    if not isinstance(value, torch.Tensor):
        return value  # not a tensor: the spec refuses it with its own words
    want = "a MASK ([H,W] or [B,H,W])" if mask else "an IMAGE ([B,H,W,3] or [B,H,W,4])"
    shape = tuple(value.shape)
    batched = value.unsqueeze(0) if (mask and value.dim() == 2) or (not mask and value.dim() == 3) else value
    good_rank = batched.dim() == (3 if mask else 4)
    if not good_rank or (not mask and batched.shape[-1] not in (3, 4)) or 0 in batched.shape:
        raise _refuse(node, socket, f"must be {want}; got a tensor of shape {list(shape)}.")
    pixels = batched.detach().to("cpu", torch.float32)
    if not torch.isfinite(pixels).all():
        raise _refuse(node, socket, "holds values that are not numbers (NaN or infinity): the node before it "
                                    "produced a broken image.")
    if not mask:
        pixels = pixels[..., :3]  # an alpha channel is not sent: Segmind takes masks as inputs of their own
    return list((pixels.clamp(0, 1) * 255).round().to(torch.uint8).numpy())


def encode_frame(frame, mask: bool) -> EncodedImage:
    from PIL import Image

    height, width = frame.shape[:2]
    out = io.BytesIO()
    Image.fromarray(frame, "L" if mask else "RGB").save(out, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    digest = hashlib.sha256(f"{'L' if mask else 'RGB'}:{width}x{height}:".encode() + frame.tobytes())
    return EncodedImage(digest.hexdigest(), width, height, out.getvalue(), is_mask=mask)


def encoded_frames(value: Any, node: str, socket: str, mask: bool):
    frames = _frames_of(value, node, socket, mask)
    if not isinstance(frames, list) or not frames or isinstance(frames[0], EncodedImage):
        return frames
    return [encode_frame(frame, mask) for frame in frames]


def encode_image_inputs(spec: ModelSpec, kwargs: dict) -> dict[str, Any]:
    """The spec values of the node's image and mask fields, from its inputs: a list field gets
    {socket: frames} of its connected sockets; a field with nothing connected is left out."""
    values = {}
    for param in image_fields(spec.params):
        mask = isinstance(param, MaskParam)
        if isinstance(param, VideoParam):
            if kwargs.get(param.name) is not None:
                values[param.name] = encode_video_input(kwargs[param.name], spec.node_id, param.name)
        elif isinstance(param, ImageListParam):
            values[param.name] = {socket: encoded_frames(kwargs[socket], spec.node_id, socket, mask)
                                  for socket in param.sockets() if kwargs.get(socket) is not None}
        elif kwargs.get(param.name) is not None:
            values[param.name] = encoded_frames(kwargs[param.name], spec.node_id, param.name, mask)
    return values


def attachments_of(values: dict[str, Any]) -> dict[str, EncodedImage | EncodedVideo]:
    """token -> image or video, for every file in the encoded values (what the upload needs)."""
    found = {}
    for value in values.values():
        for frames in (value.values() if isinstance(value, dict) else [value]):
            for frame in frames if isinstance(frames, list) else [frames]:
                if isinstance(frame, (EncodedImage, EncodedVideo)):
                    found[frame.token] = frame
    return found
