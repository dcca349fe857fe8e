"""The stand-in's video answers: a short real MP4 (H.264, with an AAC sound track unless the request turns
the sound off), made with PyAV (ComfyUI's own dependency), for the slugs of video models.

What a test can check in it: the frame count is the request's `duration` x FPS ("auto": AUTO_SECONDS), the
frames are a solid colour (red = the prompt's length % 256, green = the duration, blue = 200), the sound
is a 440 Hz tone. Frames are small (the clip's size / SCALE): the point is a real file, not its pixels.
"""
from __future__ import annotations

import io

import av
import numpy as np

FPS = 8
SCALE = 20
AUTO_SECONDS = 5  # what the model "chooses" for duration auto: the stand-in bills these seconds
SAMPLE_RATE = 16000
TONE_HZ = 440
ASPECTS = {"21:9": (21, 9), "2:1": (2, 1), "16:9": (16, 9), "4:3": (4, 3), "1:1": (1, 1), "3:4": (3, 4),
           "9:16": (9, 16)}
MP4, WAV = "video/mp4", "audio/wav"


def clip_seconds(body: dict) -> int:
    duration = body.get("duration")
    return int(duration) if isinstance(duration, int) or (isinstance(duration, str) and duration.isdigit()) \
        else AUTO_SECONDS


def clip_size(body: dict) -> tuple[int, int]:
    """(width, height): 720 or 1080 lines at the aspect ratio (auto: 16:9), over SCALE, even sides (H.264)."""
    lines = (1080 if body.get("resolution") == "fhd" else 720) // SCALE
    across, down = ASPECTS.get(body.get("aspect_ratio"), (16, 9))
    long = lines * max(across, down) // min(across, down)
    even = lambda side: max(2, side - side % 2)  # noqa: E731
    return (even(long), even(lines)) if across >= down else (even(lines), even(long))


def clip_color(body: dict) -> tuple[int, int, int]:
    return len(str(body.get("prompt", ""))) % 256, clip_seconds(body) % 256, 200


def render_sound(body: dict) -> bytes:
    """The clip's tone as a WAV file of its own (a result whose sound is sent apart)."""
    import wave

    times = np.arange(clip_seconds(body) * SAMPLE_RATE) / SAMPLE_RATE
    pcm = (0.3 * 32767 * np.sin(2 * np.pi * TONE_HZ * times)).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(SAMPLE_RATE)
        file.writeframes(pcm.tobytes())
    return out.getvalue()


def render_clip(body: dict, with_sound: bool = True) -> bytes:
    """`with_sound`: False for a result that sends its sound apart (render_sound)."""
    seconds, (width, height) = clip_seconds(body), clip_size(body)
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        video = container.add_stream("h264", rate=FPS)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        sounded = with_sound and body.get("generate_audio", True)
        audio = container.add_stream("aac", rate=SAMPLE_RATE) if sounded else None
        frame = av.VideoFrame.from_ndarray(np.full((height, width, 3), clip_color(body), dtype=np.uint8),
                                           format="rgb24")
        for _ in range(seconds * FPS):
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if audio is not None:
            times = np.arange(seconds * SAMPLE_RATE) / SAMPLE_RATE
            wave = (0.3 * np.sin(2 * np.pi * TONE_HZ * times)).astype(np.float32)[None, :]
            for start in range(0, wave.shape[1], 1024):
                chunk = av.AudioFrame.from_ndarray(np.ascontiguousarray(wave[:, start:start + 1024]), format="flt",
                                                   layout="mono")
                chunk.sample_rate, chunk.pts = SAMPLE_RATE, start
                container.mux(audio.encode(chunk))
            container.mux(audio.encode(None))
    return out.getvalue()


def is_video(data: bytes) -> bool:
    """An MP4 with a decodable frame (FFmpeg opens a PNG as a one-frame video too: the container decides)."""
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            return "mp4" in container.format.name.split(",") and bool(container.streams.video) and \
                next(container.decode(video=0)) is not None
    except (av.error.FFmpegError, StopIteration, ValueError, OSError):
        return False


def read_clip(path_or_bytes) -> dict:
    """What a saved (or served) clip holds, decoded back: frame count, size, the first frame's colour,
    whether it has sound and how many sound samples decode, and the container's metadata."""
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else str(path_or_bytes)
    with av.open(source, mode="r") as container:
        metadata = dict(container.metadata)
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    samples = 0
    with av.open(io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else str(path_or_bytes)) as container:
        if container.streams.audio:
            samples = sum(frame.samples for frame in container.decode(audio=0))
    height, width = frames[0].shape[:2]
    return {"frames": len(frames), "width": width, "height": height,
            "color": tuple(int(c) for c in frames[0][height // 2, width // 2]), "audio_samples": samples,
            "metadata": metadata}


def read_clip_audio(path) -> int:
    """The sound samples a saved audio file (Save Audio's FLAC) decodes to."""
    with av.open(str(path), mode="r") as container:
        return sum(frame.samples for frame in container.decode(audio=0))
