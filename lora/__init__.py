"""Flux LoRAs of every common format: detected, converted to ComfyUI's key layout in memory where
ComfyUI cannot read them itself, applied through ComfyUI's own loader, and reported."""
