"""Image and mask fields of the Segmind pages, pure Python: what the node hands over for an image, how
such a field shows in the editor, how it is checked, and what the request body carries for it.

A body carries an image as a token naming its pixels (`segmind-image:<sha256>:<width>x<height>`): the
result cache key and the estimate cover the pixels, not a storage URL. Right before the job is
submitted, client/image_fields.py replaces each token with what the page takes (an uploaded file's URL,
or the encoded image), so that an image is uploaded only when a job is really sent.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Sequence

from .params import Param, SpecValidationError, shown

TOKEN_RE = re.compile(r"^segmind-image:([0-9a-f]{64}):(\d+)x(\d+)$")
URI, BASE64 = "uri", "base64"  # how a page takes an image: a URL (uploaded first) or the encoded file
# Every image the pack sends is PNG-encoded from ComfyUI's pixels, a format every page accepts.
SENT_FORMAT = "image/png"
# An input the pack refuses whatever the page says: larger images are surely a mistake (a 16k scan).
MAX_INPUT_PIXELS = 4096 * 4096
MIN_INPUT_SIDE = 8


@dataclass(frozen=True)
class EncodedMedia:
    """One image, mask or video from the editor as the file that is sent, named by its content's SHA-256."""
    sha256: str
    width: int
    height: int
    data: bytes = field(repr=False, compare=False)
    KIND: ClassVar[str] = "image"  # the token's prefix: segmind-<KIND>:<sha256>:<width>x<height>
    MIME: ClassVar[str] = SENT_FORMAT

    @property
    def token(self) -> str:
        return f"segmind-{self.KIND}:{self.sha256}:{self.width}x{self.height}"

    @property
    def mime(self) -> str:
        return self.MIME


@dataclass(frozen=True)
class EncodedImage(EncodedMedia):
    """One image or mask, PNG-encoded (nodes/image_inputs.py makes them)."""
    is_mask: bool = False

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6


def token_size(token: str, pattern: re.Pattern = TOKEN_RE) -> tuple[int, int] | None:
    """(width, height) of a media token of `pattern` (an image's by default), None for anything else."""
    match = pattern.match(token) if isinstance(token, str) else None
    return (int(match.group(2)), int(match.group(3))) if match else None


def _frames(value: Any) -> list | None:
    """An image input's frames: one EncodedImage, or a batch of them (a list); None when it is neither."""
    frames = [value] if isinstance(value, EncodedImage) else value
    if isinstance(frames, (list, tuple)) and all(isinstance(frame, EncodedImage) for frame in frames):
        return list(frames)
    return None


@dataclass(frozen=True)
class MediaField(Param):
    """A field that takes a file from a link (an image, a mask, a video: specs/video_params.py), carried in
    the body as a token until the job is sent."""
    sends: str = URI
    kind = "IMAGE"
    what = "an image"

    def comfy_input(self) -> tuple:
        return (self.kind, {"tooltip": self.description})

    def sockets(self) -> tuple[str, ...]:
        """The node inputs this field is fed from (a list field has several)."""
        return (self.name,)

    def _checked(self, node: str, socket: str, frame: EncodedImage) -> str:
        if frame.is_mask != (self.kind == "MASK"):
            raise SpecValidationError(f"{node}: input '{socket}' must be {self.what}; got "
                                      f"{'a mask' if frame.is_mask else 'an image'}.")
        if min(frame.width, frame.height) < MIN_INPUT_SIDE or frame.width * frame.height > MAX_INPUT_PIXELS:
            raise SpecValidationError(
                f"{node}: input '{socket}' must be {self.what} of at least {MIN_INPUT_SIDE} pixels a side and at "
                f"most {MAX_INPUT_PIXELS // 10**6} megapixels; got {frame.width}x{frame.height}.")
        return frame.token


@dataclass(frozen=True)
class ImageParam(MediaField):
    """A page field that takes one image (`string (uri)`)."""

    def validate(self, value: Any, node: str) -> str:
        if value is None:
            raise SpecValidationError(f"{node}: input '{self.name}' needs {self.what}: connect "
                                      f"{'a MASK output such as Load Image' if self.kind == 'MASK' else 'an IMAGE output such as Load Image'}.")
        frames = _frames(value)
        if frames is None:
            raise self._fail(node, f"{self.what} from a link (an {self.kind} output such as Load Image)", value)
        if len(frames) != 1:
            raise SpecValidationError(f"{node}: input '{self.name}' takes one {self.what.split()[-1]}; got a "
                                      f"batch of {len(frames)}. Pick one with ImageFromBatch.")
        return self._checked(node, self.name, frames[0])


@dataclass(frozen=True)
class MaskParam(ImageParam):
    """A page field that takes a black-and-white mask (white: redraw); `matches` names the image field
    whose size it must have."""
    matches: str = ""
    kind = "MASK"
    what = "a mask"


@dataclass(frozen=True)
class ImageListParam(MediaField):
    """A page field that takes several images (`string[]` of URIs): fed from `slots` IMAGE inputs named
    `<socket_prefix>_1`, `_2`, ...; each may carry a batch, whose frames all count, in order."""
    slots: int = 4
    socket_prefix: str = "image"
    max_images: int | None = None  # None: the page states no limit
    # What the body carries with no image connected: "omit" the field (the page's text-to-image example
    # leaves it out) or "send" an empty list (the page says to).
    when_empty: str = "omit"

    def sockets(self) -> tuple[str, ...]:
        return tuple(f"{self.socket_prefix}_{index}" for index in range(1, self.slots + 1))

    def validate(self, value: Any, node: str) -> list[str]:
        """`value`: {socket: an image or a batch} of the connected sockets, or the flat list of images."""
        per_socket = value.items() if isinstance(value, dict) else [(self.name, value or [])]
        tokens = []
        for socket, images in per_socket:
            frames = _frames(images)
            if frames is None:
                raise self._fail(node, "images from links (IMAGE outputs such as Load Image)", images)
            tokens += [self._checked(node, socket, frame) for frame in frames]
        if self.required and not tokens:
            raise SpecValidationError(f"{node}: input '{self.sockets()[0]}' needs at least one image: connect "
                                      f"an IMAGE output such as Load Image.")
        if self.max_images is not None and len(tokens) > self.max_images:
            raise SpecValidationError(f"{node}: inputs {self.sockets()[0]}..{self.sockets()[-1]} take at most "
                                      f"{self.max_images} images together; got {len(tokens)}.")
        return tokens


def check_masks(params: Sequence[Param], body: dict, node: str) -> None:
    """A mask must have its image's size (the pages: "must be the same size as the image")."""
    for param in params:
        if isinstance(param, MaskParam) and param.matches and param.name in body and param.matches in body:
            mask, image = token_size(body[param.name]), token_size(body[param.matches])
            if mask != image:
                raise SpecValidationError(
                    f"{node}: input '{param.name}' must have the size of '{param.matches}' "
                    f"({image[0]}x{image[1]}); got {mask[0]}x{mask[1]}. Resize the mask or make it from that image.")


def image_fields(params: Sequence[Param]) -> tuple[MediaField, ...]:
    return tuple(param for param in params if isinstance(param, MediaField))


def is_image_field(param: Param) -> bool:
    return isinstance(param, MediaField)



@dataclass(frozen=True)
class ImageExample:
    """An example image in a spec's `example`: a solid colour the tests and the example workflows make with
    ComfyUI's core nodes (EmptyImage, SolidMask), `frames` of them as one batch."""
    width: int
    height: int
    color: int = 0x808080  # 0xRRGGBB; a mask takes (color & 0xFF) / 255 as its value
    frames: int = 1


__all__ = ["EncodedImage", "EncodedMedia", "ImageExample", "ImageParam", "ImageListParam", "MaskParam", "MediaField", "check_masks", "image_fields",
           "is_image_field", "token_size", "shown", "URI", "BASE64", "SENT_FORMAT"]
