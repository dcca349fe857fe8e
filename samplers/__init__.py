"""Local sampling for the twins: the page names mapped to ComfyUI's, and the Flux pipeline built from
ComfyUI's library functions (the same calls the stock nodes make)."""
