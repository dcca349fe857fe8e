"""Video fields of the Segmind pages, pure Python: a VIDEO input (ComfyUI's Load Video, Create Video, or a
remote video node's output) goes into the body as a token naming its file's content
(`segmind-video:<sha256>:<width>x<height>`), and is uploaded once per content right before the job is sent,
as images are (client/uploads.py)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from .image_params import URI, EncodedMedia, MediaField, token_size
from .params import SpecValidationError

VIDEO_TOKEN_RE = re.compile(r"^segmind-video:([0-9a-f]{64}):(\d+)x(\d+)$")
# What every video the pack sends is: ComfyUI's MP4 (H.264, with the sound where there is one).
SENT_VIDEO_FORMAT = "video/mp4"
# A larger input is surely a mistake (Black Forest Labs takes 50 MB; Segmind's limit is not known).
MAX_INPUT_VIDEO_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class EncodedVideo(EncodedMedia):
    """One VIDEO as the MP4 file that is sent (nodes/videos.py makes them)."""
    seconds: float
    has_audio: bool = False
    KIND: ClassVar[str] = "video"
    MIME: ClassVar[str] = SENT_VIDEO_FORMAT


def video_token_size(token: str) -> tuple[int, int] | None:
    return token_size(token, VIDEO_TOKEN_RE)


@dataclass(frozen=True)
class VideoParam(MediaField):
    """A page field that takes one video file (a URL: the file is uploaded first)."""
    sends: str = URI
    kind = "VIDEO"
    what = "a video"

    def validate(self, value: Any, node: str) -> str:
        if value is None:
            raise SpecValidationError(f"{node}: input '{self.name}' needs a video: connect a VIDEO output such as "
                                      "Load Video.")
        if not isinstance(value, EncodedVideo):
            raise self._fail(node, "a video from a link (a VIDEO output such as Load Video)", value)
        if len(value.data) > MAX_INPUT_VIDEO_BYTES:
            raise SpecValidationError(f"{node}: input '{self.name}' takes a video file of at most "
                                      f"{MAX_INPUT_VIDEO_BYTES // 2**20} MB; got {len(value.data) / 2**20:.0f} MB.")
        return value.token


@dataclass(frozen=True)
class VideoExample:
    """An example video in a spec's `example`: `frames` solid-colour frames at `fps`, which the tests and the
    example workflows make with ComfyUI's core nodes (EmptyImage, then Create Video)."""
    width: int
    height: int
    color: int = 0x808080
    frames: int = 8
    fps: float = 8.0
