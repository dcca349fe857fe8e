"""The LoRA step of the local LoRA twins: the file from models/loras, applied to the model only (as
ComfyUI's LoraLoaderModelOnly does), through the pack's loader, so every common format works."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..lora.apply import apply_lora as apply_lora_file
from ..specs.params import Param


def lora_choices() -> list[str]:
    import folder_paths

    return folder_paths.get_filename_list("loras")


SHOWN_FILES = 8  # an error message names at most this many of the files found


@dataclass(frozen=True)
class LoraFileParam(Param):
    """A file of models/loras, looked up when checked (files come and go while ComfyUI runs)."""
    default: str = ""

    def comfy_input(self) -> tuple:
        return (lora_choices(), {"tooltip": self.description})

    def validate(self, value: Any, node: str) -> str:
        files = lora_choices()
        if not isinstance(value, str) or value not in files:
            more = f" and {len(files) - SHOWN_FILES} more" if len(files) > SHOWN_FILES else ""
            found = ", ".join(files[:SHOWN_FILES]) + more
            raise self._fail(node, f"a file in models/loras (found: {found or 'none'})", value)
        return value


LORA_FILE = LoraFileParam("lora_name", "The LoRA file, from models/loras.", required=True)


def apply_lora(model, lora_name: str, strength: float, node_id: str):
    import folder_paths

    LORA_FILE.validate(lora_name, node_id)
    if strength == 0:
        return model
    patched, _clip, _report = apply_lora_file(model, None, folder_paths.get_full_path("loras", lora_name),
                                              strength, 0.0)
    return patched
