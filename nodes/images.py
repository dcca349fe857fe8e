"""Image bytes (jpg/png/webp, RGBA or palette too) to ComfyUI's IMAGE: float32 [B,H,W,3] in 0..1."""
from __future__ import annotations

import io
import warnings

from ..client.constants import MAX_IMAGE_PIXELS


class UndecodableImage(ValueError):
    pass


def decode_image(data: bytes):
    """One image as a [H,W,3] float32 tensor; refuses non-images and decompression bombs."""
    import numpy as np
    import torch
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width < 1 or height < 1 or width * height > MAX_IMAGE_PIXELS:
                    raise UndecodableImage(f"an image of {width}x{height} pixels is outside the "
                                           f"accepted size (at most {MAX_IMAGE_PIXELS} pixels)")
                image.load()
                rgb = image.convert("RGB")  # also flattens palette, alpha and grey images
    except UndecodableImage:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UndecodableImage(f"the image could not be decoded ({type(exc).__name__}, {len(data)} bytes)") from None
    return torch.from_numpy(np.asarray(rgb, dtype=np.float32) / 255.0)


def decode_batch(images: list[bytes]):
    """All images as one batch; they must share a size (they come from one request)."""
    import torch

    if not images:
        raise UndecodableImage("the answer held no image")
    frames = [decode_image(data) for data in images]
    sizes = {tuple(frame.shape) for frame in frames}
    if len(sizes) > 1:
        raise UndecodableImage(f"the images have different sizes {sorted(sizes)}")
    return torch.stack(frames)
