"""Video files and ComfyUI's VIDEO: a result's MP4 checked and handed over as ComfyUI's own video object (the
sound kept; Save Video copies its streams as they are), a VIDEO input turned into the MP4 file that is
uploaded, a frame for the Segmind panel, and a silent grey clip for a failed job's placeholder. Decoding
uses PyAV, which ComfyUI itself requires."""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

from ..client.outputs import UnusableImage
from ..specs.params import SpecValidationError
from ..specs.video_params import EncodedVideo

# A 20 s Full-HD clip with its sound is some tens of MB; nothing legitimate comes close to this.
MAX_VIDEO_BYTES = 512 * 1024 * 1024
MAX_VIDEO_PIXELS = 4096 * 4096
MP4_FORMATS = ("mov", "mp4")  # PyAV names MP4 "mov,mp4,m4a,3gp,3g2,mj2"
PLACEHOLDER_FPS = 1


class UndecodableVideo(UnusableImage):
    """Bytes that are no usable video: a v2 result is fetched again, as for a damaged image."""


def _comfy_video_types():
    from comfy_api.latest import InputImpl

    return InputImpl.VideoFromFile, InputImpl.VideoFromComponents


def probe(data: bytes) -> dict:
    """Width, height, seconds and whether there is sound; refuses what is not a video with a decodable frame."""
    import av

    if not data:
        raise UndecodableVideo("the answer held an empty file")
    if len(data) > MAX_VIDEO_BYTES:
        raise UndecodableVideo(f"a video of {len(data)} bytes is over the {MAX_VIDEO_BYTES} accepted")
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.video:
                raise UndecodableVideo("the file holds no video stream")
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            if not 0 < width * height <= MAX_VIDEO_PIXELS:
                raise UndecodableVideo(f"a video of {width}x{height} pixels is outside the accepted size")
            next(container.decode(video=0))  # the first frame decodes: the file is not cut before its pictures
            seconds = float(container.duration / 1_000_000) if container.duration else 0.0
            return {"width": width, "height": height, "seconds": round(seconds, 3),
                    "has_audio": bool(container.streams.audio), "format": container.format.name}
    except UndecodableVideo:
        raise
    except (av.error.FFmpegError, StopIteration, ValueError, OSError) as exc:
        raise UndecodableVideo(f"the video could not be decoded ({type(exc).__name__}, {len(data)} bytes)") from None


def decode_video(files: list[bytes]):
    """The MP4 of a video result as ComfyUI's VIDEO (VideoFromFile over the bytes); a second file is its sound,
    sent apart (`audio.url`), put into the MP4 beside the picture."""
    if len(files) not in (1, 2):
        raise UndecodableVideo(f"a video result must hold a video and at most its sound; it held {len(files)} files")
    probe(files[0])
    data = files[0] if len(files) == 1 else with_sound(files[0], files[1])
    video_from_file, _ = _comfy_video_types()
    return video_from_file(io.BytesIO(data))


def with_sound(video: bytes, sound: bytes) -> bytes:
    """The MP4 with the sound file's first audio stream in place of its own: the picture copied as it is, the
    sound copied where MP4 holds its codec (AAC, MP3), else encoded as AAC."""
    import av

    out = io.BytesIO()
    try:
        with av.open(io.BytesIO(video)) as picture, av.open(io.BytesIO(sound)) as audio, \
                av.open(out, mode="w", format="mp4") as joined:
            if not audio.streams.audio:
                raise UndecodableVideo("the video's sound file holds no audio stream")
            source_video, source_audio = picture.streams.video[0], audio.streams.audio[0]
            video_out = joined.add_stream_from_template(template=source_video, opaque=True)
            copied = source_audio.codec_context.name in ("aac", "mp3")
            audio_out = (joined.add_stream_from_template(template=source_audio, opaque=True) if copied
                         else joined.add_stream("aac", rate=source_audio.codec_context.sample_rate or 48000))
            for packet in picture.demux(source_video):
                if packet.dts is not None:
                    packet.stream = video_out
                    joined.mux(packet)
            if copied:
                for packet in audio.demux(source_audio):
                    if packet.dts is not None:
                        packet.stream = audio_out
                        joined.mux(packet)
            else:
                for frame in audio.decode(source_audio):
                    frame.pts = None
                    joined.mux(audio_out.encode(frame))
                joined.mux(audio_out.encode(None))
    except UndecodableVideo:
        raise
    except (av.error.FFmpegError, ValueError, OSError, IndexError) as exc:
        raise UndecodableVideo(f"the video's sound could not be joined to it ({type(exc).__name__})") from None
    return out.getvalue()


def _trimmed(video) -> bool:
    """Newer ComfyUI trims a file's VIDEO without re-encoding it (a start and a length): its file is more than
    the clip, so the clip is encoded anew."""
    window = getattr(video, "get_active_trim_window", None)
    return window is not None and any(window())


def video_file_bytes(video) -> bytes:
    """The MP4 a VIDEO stands for: its own file when it is one, whole (Load Video, a remote node's result), else
    ComfyUI's encoding of its frames and sound (Create Video, a trimmed clip)."""
    video_from_file, _ = _comfy_video_types()
    if isinstance(video, video_from_file) and not _trimmed(video):
        source = video.get_stream_source()
        data = source.getvalue() if isinstance(source, io.BytesIO) else Path(source).read_bytes()
        if any(name in probe(data)["format"].split(",") for name in MP4_FORMATS):
            return data
    handle, path = tempfile.mkstemp(suffix=".mp4")
    os.close(handle)
    try:
        video.save_to(path, format="mp4", codec="h264")
        with open(path, "rb") as saved:
            return saved.read()
    finally:
        os.unlink(path)


def encode_video_input(video, node: str, socket: str) -> EncodedVideo:
    """A VIDEO input as the file that is sent, named by the SHA-256 of its content (uploaded once per content)."""
    if not hasattr(video, "save_to") or not hasattr(video, "get_dimensions"):
        raise SpecValidationError(f"{node}: input '{socket}' must be a video (a VIDEO output such as Load Video); "
                                  f"got {type(video).__name__}.")
    try:
        data = video_file_bytes(video)
        facts = probe(data)
    except (UndecodableVideo, OSError, ValueError) as exc:
        raise SpecValidationError(f"{node}: input '{socket}' could not be read as a video ({exc}).") from None
    return EncodedVideo(hashlib.sha256(data).hexdigest(), facts["width"], facts["height"], data,
                        seconds=facts["seconds"], has_audio=facts["has_audio"])


def _first_picture(data: bytes):
    import av

    with av.open(io.BytesIO(data), mode="r") as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")


def first_frame(video):
    """A VIDEO's first frame as an IMAGE batch of one ([1,H,W,3] float32), without decoding the rest."""
    import torch

    pixels = torch.from_numpy(_first_picture(video_file_bytes(video))).to(torch.float32) / 255.0
    return pixels.unsqueeze(0)


def first_frame_png(data: bytes, longest_side: int) -> bytes:
    """A small PNG of a stored video's first frame, for the Segmind panel's jobs list."""
    from PIL import Image

    probe(data)
    image = Image.fromarray(_first_picture(data))
    image.thumbnail((longest_side, longest_side))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def placeholder_video(width: int, height: int, seconds: float):
    """A silent grey clip of the size and length the job asked for, at one frame a second, encoded frame by
    frame (a Full-HD clip as float frames would hold half a gigabyte)."""
    import av
    import numpy as np

    grey = av.VideoFrame.from_ndarray(np.full((height, width, 3), 128, dtype=np.uint8), format="rgb24")
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("h264", rate=PLACEHOLDER_FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for _ in range(max(1, round(seconds * PLACEHOLDER_FPS))):
            container.mux(stream.encode(grey))
        container.mux(stream.encode(None))
    video_from_file, _ = _comfy_video_types()
    return video_from_file(io.BytesIO(out.getvalue()))
