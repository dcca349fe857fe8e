"""The fields of the FLUX 3 video models on Segmind (text to video, image to video, extend a video).

No copy of Segmind's FLUX 3 pages is stored: Segmind's index (2026-08-19) gives the slugs, "native
lip-synced audio, up to 20s" and an average cost per job, nothing else. Segmind's other Black Forest Labs
models (Kontext, FLUX.2, Fill) take BFL's own field names, so these nodes take the names, values and
ranges of BFL's FLUX 3 API (docs.bfl.ai, as its skills and ComfyUI's partner nodes use them), each
tooltip saying so. BFL's `mode` is left out: Segmind has a slug per mode. A field Segmind refuses is not
billed; the error names it, and the node for any catalogue model sends whatever fields a page shows.

Price: the index's average per job, taken as a 5-second HD clip (the shortest), per second of video; a
Full-HD second costs what ComfyUI's partner nodes charge for FLUX 3 (the one per-second rule published:
HD 0.2431 / FHD 0.4147 $/s for text or image to video, 0.5863 / 0.7579 for continuation). A duration
left to the model ("auto") is counted as the longest clip, so an estimate is never low before the run;
the run counts what Segmind reports.
"""
from __future__ import annotations

from typing import Any, Mapping

from .image_params import ImageParam, token_size
from .model import CATALOGUE_AVERAGE, PER_VIDEO_SECOND, Price
from .params import BoolParam, EnumParam, IntParam, PromptParam, SpecValidationError
from .video_params import VideoParam

UPSTREAM = " Black Forest Labs' field for FLUX 3; Segmind's page is not stored, so it is not confirmed there."
ASPECT_RATIOS_FLUX3 = ("auto", "21:9", "2:1", "16:9", "4:3", "1:1", "3:4", "9:16")
SHORTEST_S, LONGEST_S = 5, 20
DURATIONS = ("auto",) + tuple(str(seconds) for seconds in range(SHORTEST_S, LONGEST_S + 1))
RESOLUTIONS = ("hd", "fhd")
INDEX_DATE = "2026-08-19"
# No FLUX 3 job time is published (the index shows "-"): the poll schedule learns it from the first job.
FLUX3_TYPICAL_SECONDS = 120.0
# BFL: "Requests that send images or video are capped at 2"; 0-4 otherwise.
SAFETY_MAX, SAFETY_MAX_WITH_MEDIA = 4, 2
# BFL's keyframes: "each >= 256x256".
KEYFRAME_MIN_SIDE = 256


class DurationParam(EnumParam):
    """Whole seconds 5-20 or "auto", chosen from a list; sent as BFL takes it: a number, or the text "auto"."""

    def validate(self, value: Any, node: str) -> int | str:
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value  # a number over a link
        if not isinstance(text, str) or text not in self.allowed:
            raise self._fail(node, "one of " + ", ".join(self.allowed), value)
        return text if text == "auto" else int(text)


def flux3_price(average_job_usd: float, hd_per_s: float, fhd_per_s: float) -> Price:
    """The index's average job as a 5 s HD clip; Full HD at ComfyUI's FHD/HD ratio for the same mode."""
    return Price(average_job_usd / SHORTEST_S, PER_VIDEO_SECOND,
                 f"{CATALOGUE_AVERAGE} (index of {INDEX_DATE}), taken as a {SHORTEST_S} s HD clip",
                 per_resolution=(("hd", 1.0), ("fhd", round(fhd_per_s / hd_per_s, 4))))


def video_seconds(values: Mapping[str, Any]) -> float:
    """The seconds of video a request asks for; "auto" or a value not known yet (a link): the longest."""
    duration = values.get("duration")
    if isinstance(duration, str) and duration.isdigit():
        duration = int(duration)
    if isinstance(duration, int) and not isinstance(duration, bool) and SHORTEST_S <= duration <= LONGEST_S:
        return float(duration)
    return float(LONGEST_S)


def video_size(values: Mapping[str, Any]) -> tuple[int, int]:
    """(width, height) of the clip a request asks for: 720 (hd) or 1080 (fhd) lines at its aspect ratio (auto:
    16:9), even sides (H.264); used for a failed job's placeholder only."""
    short = 1080 if values.get("resolution") == "fhd" else 720
    ratio = values.get("aspect_ratio")
    across, down = (int(side) for side in (ratio if ratio in ASPECT_RATIOS_FLUX3[1:] else "16:9").split(":"))
    long = 2 * round(short * max(across, down) / min(across, down) / 2)
    return (long, short) if across >= down else (short, long)


def flux3_params(prompt: str, media: tuple = ()) -> tuple:
    """`media`: the image or video field the mode animates or continues (required), after the prompt."""
    safety_max = SAFETY_MAX_WITH_MEDIA if media else SAFETY_MAX
    return (
        PromptParam("prompt", "What happens in the clip: subject, motion, camera, light, and any spoken words "
                    "(the sound is generated with the picture)." + UPSTREAM, required=True, default=prompt),
        *media,
        EnumParam("aspect_ratio", "Aspect ratio of the video; auto lets the model choose." + UPSTREAM,
                  default="auto", allowed=ASPECT_RATIOS_FLUX3),
        DurationParam("duration", f"Length in whole seconds ({SHORTEST_S}-{LONGEST_S}), or auto. BFL's default is "
                      f"auto; the node starts at {SHORTEST_S} s, the shortest and cheapest clip, and counts auto "
                      f"as {LONGEST_S} s in its estimate." + UPSTREAM, default=str(SHORTEST_S), allowed=DURATIONS),
        BoolParam("generate_audio", "Generate the sound track (speech, effects, music) with the video; off gives "
                  "a video without sound." + UPSTREAM, default=True),
        EnumParam("resolution", "hd (720p) or fhd (1080p, finished by the upscaler, dearer per second)." + UPSTREAM,
                  default="hd", allowed=RESOLUTIONS),
        IntParam("safety_tolerance", f"Moderation: 0 is the strictest, {safety_max} the most permissive" +
                 (" (BFL caps requests with an image or a video at 2)." if media else ".") + UPSTREAM,
                 default=2, minimum=0, maximum=safety_max),
    )


def keyframe_param() -> ImageParam:
    return ImageParam("keyframes", "The frame the clip starts from (one image of at least "
                      f"{KEYFRAME_MIN_SIDE}x{KEYFRAME_MIN_SIDE}); BFL also takes several timed keyframes, which this "
                      "node does not send." + UPSTREAM, required=True)


def start_video_param() -> VideoParam:
    return VideoParam("start_video", "The clip to continue (an MP4 is sent; BFL takes up to 50 MB and 15 s)."
                      + UPSTREAM, required=True)


def keyframe_size_check(node: str, body: dict) -> None:
    """BFL refuses keyframes under 256x256: refused here, before the image is uploaded or the job paid."""
    size = token_size(body.get("keyframes"))
    if size and min(size) < KEYFRAME_MIN_SIDE:
        raise SpecValidationError(f"{node}: input 'keyframes' must be an image of at least {KEYFRAME_MIN_SIDE}x"
                                  f"{KEYFRAME_MIN_SIDE} (BFL's rule for FLUX 3); got {size[0]}x{size[1]}. Scale it "
                                  "up first (Upscale Image).")
