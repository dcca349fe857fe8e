"""How many images a request asks for: ComfyUI-style pages call it `samples`, Replicate-style pages
(Redux, Depth [dev], ...) `num_outputs`. The IMAGE batch, the estimate and the stand-in's bill follow it."""
from __future__ import annotations

from typing import Any, Mapping

from .params import IntParam

COUNT_FIELDS = ("samples", "num_outputs")
MAX_OUTPUTS = 4  # the range of every page that shows one (flux-dev, flux-schnell, flux-redux-schnell)


def output_count(body: Mapping[str, Any]) -> int:
    for name in COUNT_FIELDS:
        value = body.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return 1


def unstated_count(name: str, example: int = 1) -> IntParam:
    """A count of images whose range the page does not show: 1 to 4, the range of every page that shows one
    (and an estimate over a link then counts 4 images, not a million)."""
    return IntParam(name, "Number of images to generate (the IMAGE output is a batch of this many). The page's "
                    f"range is not known: 1 to {MAX_OUTPUTS}, as on the pages that show one.", default=example,
                    minimum=1, maximum=MAX_OUTPUTS)
