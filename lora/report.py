"""What a LoRA load did: shown on the node (an output string) and in the log."""
from __future__ import annotations

from dataclasses import dataclass, field

SHOWN_UNMATCHED = 5


class LoRAError(ValueError):
    """A LoRA that cannot be applied; the message names the file."""


@dataclass
class LoRAReport:
    file: str
    file_format: str
    algorithm: str
    ranks: list[int]
    strength_model: float
    strength_clip: float
    lora_keys: int
    matched_keys: int
    patched_model_weights: int
    patched_clip_weights: int
    unmatched: list[str] = field(default_factory=list)

    def text(self) -> str:
        rank = "/".join(map(str, self.ranks)) or "n/a"
        lines = [f"{self.file}: {self.file_format} {self.algorithm}, rank {rank}; "
                 f"{self.matched_keys} of {self.lora_keys} LoRA weights matched a layer "
                 f"({self.patched_model_weights} model, {self.patched_clip_weights} text-encoder weights patched), "
                 f"strength {self.strength_model:g} (model) / {self.strength_clip:g} (CLIP)."]
        if self.unmatched:
            shown = ", ".join(self.unmatched[:SHOWN_UNMATCHED])
            more = len(self.unmatched) - SHOWN_UNMATCHED
            lines.append(f"{len(self.unmatched)} did not match: {shown}" + (f" and {more} more." if more > 0 else "."))
        return "\n".join(lines)
