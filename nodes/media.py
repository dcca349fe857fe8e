"""A result file of either kind, where the model is not at hand (a receipt, the panel's jobs list): an MP4 is a
video (nodes/videos.py), anything else an image (nodes/images.py)."""
from __future__ import annotations

from .images import decode_batch, image_format, thumbnail_png
from .videos import decode_video, first_frame_png


def is_mp4(data: bytes) -> bool:
    """An ISO media file: its first box is `ftyp` (MP4, MOV)."""
    return data[4:8] == b"ftyp"


def decode_result(files: list[bytes]):
    """The files of one result checked as a video or as images (a damaged file raises UnusableImage)."""
    return decode_video(files) if files and is_mp4(files[0]) else decode_batch(files)


def file_extension(data: bytes) -> str:
    return "mp4" if is_mp4(data) else image_format(data)


def thumbnail(data: bytes, longest_side: int) -> bytes:
    """A small PNG: the image, or a video's first frame."""
    return first_frame_png(data, longest_side) if is_mp4(data) else thumbnail_png(data, longest_side)
