"""Image bytes (jpg/png/webp, RGBA or palette too) to ComfyUI's IMAGE: float32 [B,H,W,3] in 0..1."""
from __future__ import annotations

import contextlib
import io
import warnings

from ..client.constants import MAX_BATCH_PIXELS, MAX_IMAGE_PIXELS, MAX_IMAGES_PER_ANSWER
from ..client.outputs import UnusableImage

# What Segmind encodes its outputs as; no other decoder is ever used (some run external programs).
FORMATS = ("PNG", "JPEG", "WEBP")


class UndecodableImage(UnusableImage):
    """Bytes that are no usable image: the job runner fetches a v2 result again when decoding raises it."""


def _undecodable(exc: BaseException, data: bytes) -> UndecodableImage:
    return UndecodableImage(f"the image could not be decoded ({type(exc).__name__}, {len(data)} bytes)")


@contextlib.contextmanager
def _opened(data: bytes):
    """The image with its header read and its size checked, before any pixel is decoded."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                width, height = image.size
                if width < 1 or height < 1 or width * height > MAX_IMAGE_PIXELS:
                    raise UndecodableImage(f"an image of {width}x{height} pixels is outside the "
                                           f"accepted size (at most {MAX_IMAGE_PIXELS} pixels)")
                yield image
    except UndecodableImage:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _undecodable(exc, data) from None


@contextlib.contextmanager
def _complete_images_only():
    """PIL's LOAD_TRUNCATED_IMAGES is global and some node packs set it: a cut-off image must still be
    refused, or it would be shown, saved and cached half grey. Decoding runs on ComfyUI's one thread."""
    from PIL import ImageFile

    saved, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = saved


def decode_image(data: bytes):
    """One image as a [H,W,3] float32 tensor; refuses non-images and decompression bombs."""
    import numpy as np
    import torch

    with _opened(data) as image:
        try:
            with _complete_images_only():
                image.load()
            rgb = image if image.mode == "RGB" else image.convert("RGB")  # flattens palette, alpha and grey
            pixels = np.asarray(rgb, dtype=np.float32)
        except (OSError, ValueError, SyntaxError) as exc:
            raise _undecodable(exc, data) from None
    pixels /= 255.0  # in place: a 16-megapixel image would otherwise hold two 200 MB float copies at once
    return torch.from_numpy(pixels)


def image_format(data: bytes) -> str:
    """The file extension of an image as its bytes say it: png, jpg or webp."""
    with _opened(data) as image:
        return {"JPEG": "jpg"}.get(image.format, image.format.lower())


def decode_batch(images: list[bytes]):
    """All images as one batch; they must share a size (they come from one request)."""
    import torch

    if not images:
        raise UndecodableImage("the answer held no image")
    if len(images) > MAX_IMAGES_PER_ANSWER:
        raise UndecodableImage(f"the answer held {len(images)} images (at most {MAX_IMAGES_PER_ANSWER})")
    sizes = []
    for data in images:
        with _opened(data) as image:
            sizes.append(image.size)
    pixels = sum(width * height for width, height in sizes)
    if pixels > MAX_BATCH_PIXELS:
        raise UndecodableImage(f"the {len(images)} images hold {pixels} pixels together (at most {MAX_BATCH_PIXELS})")
    if len(set(sizes)) > 1:
        raise UndecodableImage(f"the images have different sizes {sorted(set(sizes))} (width, height)")
    width, height = sizes[0]
    batch = torch.empty((len(images), height, width, 3), dtype=torch.float32)
    for index, data in enumerate(images):  # one frame at a time: the batch is never held twice
        batch[index] = decode_image(data)
    return batch


def thumbnail_png(data: bytes, longest_side: int) -> bytes:
    """A small PNG of one stored image, for the Segmind panel's jobs list."""
    with _opened(data) as image:
        try:
            with _complete_images_only():
                image.load()
            small = image.convert("RGB")
        except (OSError, ValueError, SyntaxError) as exc:
            raise _undecodable(exc, data) from None
    small.thumbnail((longest_side, longest_side))
    out = io.BytesIO()
    small.save(out, format="PNG")
    return out.getvalue()
