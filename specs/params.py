"""Parameter types of the Segmind model pages: one class per page type, pure Python.

Each parameter knows its page name, range, allowed values, default and description; it renders
itself as a ComfyUI classic input spec and validates a value however it arrived (widget or link).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

# Where a page's table is cut before a number's range (the newer Flux pages), the pack claims none: the
# widget takes any number from 0 up to this technical bound, and Segmind refuses what it does not take
# (a refused job is not billed). The rule a user reads says so.
UNSTATED_MAX = 1_000_000
# ComfyUI's own seed range; -1 is Segmind's "server picks a random seed".
SEED_MAX = 0xFFFFFFFFFFFFFFFF
RANDOM_SEED = -1


class SpecValidationError(ValueError):
    """A value that the model page does not allow; the message names node, input, rule and value."""


def shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    required: bool = False

    def comfy_input(self) -> tuple:
        raise NotImplementedError

    def validate(self, value: Any, node: str) -> Any:
        """Return the value as the request body carries it, or raise SpecValidationError."""
        raise NotImplementedError

    def _fail(self, node: str, rule: str, value: Any) -> SpecValidationError:
        return SpecValidationError(f"{node}: input '{self.name}' must be {rule}; got {shown(value)}.")


@dataclass(frozen=True)
class IntParam(Param):
    default: int = 0
    minimum: int = 0
    maximum: int = 0
    multiple_of: int = 1
    range_stated: bool = True  # False: the page states no range (UNSTATED_MAX bounds the widget)

    def comfy_input(self) -> tuple:
        return ("INT", {"default": self.default, "min": self.minimum, "max": self.maximum,
                        "step": self.multiple_of, "tooltip": self.description})

    def rule(self) -> str:
        if not self.range_stated:
            return f"a whole number from {self.minimum} to {self.maximum} (its page states no range)"
        text = f"an integer from {self.minimum} to {self.maximum}"
        return text + (f" in multiples of {self.multiple_of}" if self.multiple_of > 1 else "")

    def validate(self, value: Any, node: str) -> int:
        is_integral_float = isinstance(value, float) and math.isfinite(value) and value.is_integer()
        if isinstance(value, bool) or not (isinstance(value, int) or is_integral_float):
            raise self._fail(node, self.rule(), value)
        value = int(value)
        if not self.minimum <= value <= self.maximum or value % self.multiple_of:
            raise self._fail(node, self.rule(), value)
        return value


@dataclass(frozen=True)
class SeedParam(IntParam):
    """A seed: -1 asks the server for a random one, which is then reported back."""
    minimum: int = RANDOM_SEED
    maximum: int = SEED_MAX

    def comfy_input(self) -> tuple:
        kind, options = super().comfy_input()
        # No control widget, not even "fixed" (1.58 accepts it): 1.32.9 turns any string into "randomize",
        # a silent paid re-run per Queue, and a new widget shifts every saved workflow's values (measured).
        return kind, {**options, "control_after_generate": False}


@dataclass(frozen=True)
class FloatParam(Param):
    default: float = 0.0
    minimum: float = 0.0
    maximum: float = 0.0
    step: float = 0.01
    range_stated: bool = True  # False: the page states no range (UNSTATED_MAX bounds the widget)

    def comfy_input(self) -> tuple:
        return ("FLOAT", {"default": self.default, "min": self.minimum, "max": self.maximum,
                          "step": self.step, "tooltip": self.description})

    def rule(self) -> str:
        return f"a number from {self.minimum:g} to {self.maximum:g}" + ("" if self.range_stated else
                                                                       " (its page states no range)")

    def validate(self, value: Any, node: str) -> float | int:
        rule = self.rule()
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._fail(node, rule, value)
        if not math.isfinite(value) or not self.minimum <= value <= self.maximum:
            raise self._fail(node, rule, value)
        # Whole numbers go out as integers, as the pages' examples send them (steps of 1 -> 1, not 1.0).
        return int(value) if float(value).is_integer() else float(value)


@dataclass(frozen=True)
class EnumParam(Param):
    default: str = ""
    allowed: Sequence[str] = field(default_factory=tuple)

    def comfy_input(self) -> tuple:
        return (list(self.allowed), {"default": self.default, "tooltip": self.description})

    def validate(self, value: Any, node: str) -> str:
        if not isinstance(value, str) or value not in self.allowed:
            raise self._fail(node, "one of " + ", ".join(self.allowed), value)
        return value


@dataclass(frozen=True)
class BoolParam(Param):
    default: bool = False

    def comfy_input(self) -> tuple:
        return ("BOOLEAN", {"default": self.default, "tooltip": self.description})

    def validate(self, value: Any, node: str) -> bool:
        if not isinstance(value, bool):
            raise self._fail(node, "true or false", value)
        return value


# Longer prompts than this are certainly a mistake (a pasted file), and would be billed anyway.
PROMPT_MAX_CHARS = 10_000


@dataclass(frozen=True)
class PromptParam(Param):
    default: str = ""

    def comfy_input(self) -> tuple:
        return ("STRING", {"default": self.default, "multiline": True, "tooltip": self.description})

    def validate(self, value: Any, node: str) -> str:
        rule = f"a non-empty text of at most {PROMPT_MAX_CHARS} characters"
        if not isinstance(value, str) or not value.strip() or len(value) > PROMPT_MAX_CHARS:
            too_long = isinstance(value, str) and len(value) > PROMPT_MAX_CHARS
            raise self._fail(node, rule, f"{len(value)} characters" if too_long else value)
        return value


def unstated_int(name: str, description: str, example: int) -> IntParam:
    """An integer whose range the page's stored copy does not show: its example value is the default."""
    return IntParam(name, f"{description} The page's range is not known; default: the page example's {example}.",
                    default=example, minimum=0, maximum=UNSTATED_MAX, range_stated=False)


def unstated_float(name: str, description: str, example: float) -> FloatParam:
    """A number whose range the page's stored copy does not show: its example value is the default."""
    return FloatParam(name, f"{description} The page's range is not known; default: the page example's {example:g}.",
                      default=example, minimum=0.0, maximum=float(UNSTATED_MAX), range_stated=False)


def widget_problems(params: Sequence[Param], values: dict, node: str) -> list[str]:
    """Every rule the given values break, for VALIDATE_INPUTS. ComfyUI passes a linked input as None:
    it is skipped here and checked when the node runs."""
    problems = []
    for param in params:
        if values.get(param.name) is not None:
            try:
                param.validate(values[param.name], node)
            except SpecValidationError as exc:
                problems.append(str(exc))
    return problems


@dataclass(frozen=True)
class PatternParam(Param):
    """A one-line text that must match a pattern (a fine-tune's slug, a trigger word)."""
    default: str = ""
    pattern: str = ".*"
    wording: str = "a text"  # what the pattern asks for, in words

    def comfy_input(self) -> tuple:
        return ("STRING", {"default": self.default, "multiline": False, "tooltip": self.description})

    def validate(self, value: Any, node: str) -> str:
        if not isinstance(value, str) or not re.fullmatch(self.pattern, value.strip()):
            raise self._fail(node, self.wording, value)
        return value.strip()


ONE_WORD = r"\S{1,64}"
ONE_WORD_WORDING = "one word (no spaces) of at most 64 characters"


def unstated_choice(name: str, description: str, example: str, required: bool = False) -> PatternParam:
    """A field whose allowed values the page's stored copy does not show: any one word, the example's as default."""
    return PatternParam(name, f"{description} The page's list of values is not known; default: the page "
                        f"example's '{example}'.", required=required, default=example, pattern=ONE_WORD,
                        wording=ONE_WORD_WORDING)
