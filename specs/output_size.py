"""The size of the images a job makes, as far as its body tells: width and height where the page has them,
else its aspect ratio at about one megapixel, and the first input image's size where the page matches it
("match_input_image", or an edit page with no ratio at all)."""
from __future__ import annotations

from typing import Callable

from .choices import aspect_ratio_size
from .image_params import token_size

MATCH_INPUT = "match_input_image"
# The page fields that hold the image an edit starts from, in the order they are looked at.
INPUT_IMAGE_FIELDS = ("input_image", "image", "image_urls", "input_image_1")


def first_input(body: dict):
    for name in INPUT_IMAGE_FIELDS:
        value = body.get(name)
        value = value[0] if isinstance(value, list) and value else value
        if value:
            return value
    return None


def output_size(body: dict, size_of: Callable[[str], tuple[int, int] | None] = token_size) -> tuple[int, int]:
    """(width, height); `size_of` reads an input image's size from what the body holds for it."""
    if "width" in body and "height" in body:
        return int(body["width"]), int(body["height"])
    ratio = body.get("aspect_ratio")
    source = first_input(body)
    if ratio in (None, MATCH_INPUT) and source is not None and size_of(source):
        return size_of(source)
    return aspect_ratio_size(ratio if ratio not in (None, MATCH_INPUT) else "1:1")
