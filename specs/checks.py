"""Rules of a page that tie two fields together, checked on the whole body before anything is sent."""
from __future__ import annotations

from dataclasses import dataclass

from .params import SpecValidationError


@dataclass(frozen=True)
class AtMostWithImage:
    """`param` may be at most `maximum` when the image field `image_field` is sent (Kontext's safety
    tolerance: "2 is currently the maximum allowed when input images are used")."""
    param: str
    maximum: int
    image_field: str

    def __call__(self, node: str, body: dict) -> None:
        value = body.get(self.param)
        if body.get(self.image_field) and isinstance(value, (int, float)) and value > self.maximum:
            raise SpecValidationError(f"{node}: input '{self.param}' must be at most {self.maximum} when "
                                      f"'{self.image_field}' is connected (the page's rule); got {value}.")
