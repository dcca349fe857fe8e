"""The pages' sampler and scheduler names, mapped to the running ComfyUI's.

Segmind spells two samplers the way ComfyUI did in mid-2024: euler_pp and euler_ancestral_pp are
ComfyUI's euler_cfg_pp and euler_ancestral_cfg_pp. At the cfg 1 that guidance-distilled Flux samples
with, ComfyUI skips the unconditional pass and the cfg++ variants then step exactly like euler /
euler_ancestral. Every other name is ComfyUI's own. An unknown name is an error: ComfyUI itself would
silently fall back to euler / simple.
"""
from __future__ import annotations

SAMPLER_ALIASES = {"euler_pp": "euler_cfg_pp", "euler_ancestral_pp": "euler_ancestral_cfg_pp"}


class UnknownSamplingName(ValueError):
    pass


def _comfy_lists() -> tuple[list[str], list[str]]:
    import comfy.samplers

    return list(comfy.samplers.KSampler.SAMPLERS), list(comfy.samplers.KSampler.SCHEDULERS)


def comfy_sampler_name(name: str, node: str) -> str:
    samplers, _ = _comfy_lists()
    mapped = SAMPLER_ALIASES.get(name, name)
    if mapped not in samplers:
        raise UnknownSamplingName(f"{node}: input 'sampler_name' {name!r} is not a sampler of this ComfyUI "
                                  f"(it has: {', '.join(samplers)}).")
    return mapped


def comfy_scheduler_name(name: str, node: str) -> str:
    _, schedulers = _comfy_lists()
    if name not in schedulers:
        raise UnknownSamplingName(f"{node}: input 'scheduler' {name!r} is not a scheduler of this ComfyUI "
                                  f"(it has: {', '.join(schedulers)}).")
    return name


def unsupported_names(sampler_names, scheduler_names) -> list[str]:
    """The offered names the running ComfyUI lacks (checked once when the local nodes load)."""
    samplers, schedulers = _comfy_lists()
    return ([n for n in sampler_names if SAMPLER_ALIASES.get(n, n) not in samplers]
            + [n for n in scheduler_names if n not in schedulers])
