"""Bad values for each kind of input, and how the pack words its refusal of them: shared by the tests of
bad inputs to the remote and the local nodes."""
from __future__ import annotations

import math
import re

from pack_loader import load_pack_module

params = load_pack_module("specs.params")
image_params = load_pack_module("specs.image_params")

ONE_MB = 1 << 20


def rule(param) -> str:
    if isinstance(param, (params.IntParam, params.FloatParam)):
        return param.rule()
    if isinstance(param, params.EnumParam):
        return "one of " + ", ".join(param.allowed)
    if isinstance(param, params.BoolParam):
        return "true or false"
    if isinstance(param, params.PatternParam):
        return param.wording
    return f"a non-empty text of at most {params.PROMPT_MAX_CHARS} characters"


def shown(value) -> str:
    if isinstance(value, str) and len(value) > params.PROMPT_MAX_CHARS:
        return repr(f"{len(value)} characters")  # a prompt too long is shown by its length
    return params.shown(value)


def bad_widget_values(param) -> list:
    if isinstance(param, params.IntParam):
        values = [param.minimum - 1, param.maximum + 1, param.minimum + 0.5, True, str(param.default), None,
                  math.nan, math.inf, -math.inf, {"value": param.default}]
        if param.multiple_of > 1:
            values.append(param.minimum + 1)
        return values
    if isinstance(param, params.FloatParam):
        return [param.minimum - 1, param.maximum + 0.5, math.nan, math.inf, -math.inf, True,
                str(param.default), None]
    if isinstance(param, params.EnumParam):
        near = param.allowed[0].upper() if param.allowed[0].upper() != param.allowed[0] else param.allowed[0] + " "
        return ["no-such-value", "", near, 1, None, True]
    if isinstance(param, params.BoolParam):
        return ["false", "true", 1, 0, None]
    if isinstance(param, params.PatternParam):
        return ["no such thing", 5, None]
    if image_params.is_image_field(param):
        return []  # not a widget: only a link feeds it (test_server_images.py)
    return ["", "   ", "x" * ONE_MB, "x" * (params.PROMPT_MAX_CHARS + 1), 5, None, True, {"text": "a fox"}]


def node_error_text(answer: dict, node: str = "1") -> str:
    errors = (answer.get("node_errors") or {}).get(node, {}).get("errors", [])
    return " ".join(f"{e.get('message')}: {e.get('details')}" for e in errors)


PRIMITIVES = {params.IntParam: "PrimitiveInt", params.FloatParam: "PrimitiveFloat",
              params.PromptParam: "PrimitiveStringMultiline", params.EnumParam: "PrimitiveString",
              params.BoolParam: "PrimitiveBoolean", params.PatternParam: "PrimitiveString"}
PRIMITIVE_INT_RANGE = 2 ** 63 - 1  # PrimitiveInt's own widget range (sys.maxsize)


def bad_linked_values(param) -> list:
    """Values a core Primitive node lets through to the remote node, each against the page."""
    if isinstance(param, params.IntParam):
        values = [v for v in (param.minimum - 1, param.maximum + 1) if abs(v) <= PRIMITIVE_INT_RANGE]
        return values + ([param.minimum + 1] if param.multiple_of > 1 else [])
    if isinstance(param, params.FloatParam):
        return [param.minimum - 1, param.maximum + 0.5, math.nan]
    if isinstance(param, params.PromptParam):
        return ["", "   ", "x" * ONE_MB]
    if isinstance(param, params.PatternParam):
        return ["not a slug", ""] if param.required and not re.fullmatch(param.pattern, "") else ["two words"]
    return []


def primitive_for(param) -> str:
    return next(name for kind, name in PRIMITIVES.items() if isinstance(param, kind))
