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


# A video's sound sent as a file of its own, by its first bytes (Segmind does not say which kind it sends);
# a WAV is told from a WebP image (both RIFF) by its form type.
SOUND_SIGNATURES = ((b"ID3", "mp3"), (b"\xff\xfb", "mp3"), (b"\xff\xf3", "mp3"), (b"OggS", "ogg"), (b"fLaC", "flac"),
                    (b"\xff\xf1", "aac"), (b"\xff\xf9", "aac"))


def sound_extension(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    return next((extension for signature, extension in SOUND_SIGNATURES if data.startswith(signature)), None)


def file_extensions(files: list[bytes]) -> list[str]:
    """Each file's extension: a video result's MP4 and its sound sent apart, or an image result's images."""
    if files and is_mp4(files[0]):
        return ["mp4"] + [sound_extension(data) or "audio" for data in files[1:]]
    return [image_format(data) for data in files]


def thumbnail(data: bytes, longest_side: int) -> bytes:
    """A small PNG: the image, or a video's first frame."""
    return first_frame_png(data, longest_side) if is_mp4(data) else thumbnail_png(data, longest_side)
