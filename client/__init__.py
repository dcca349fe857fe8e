"""The Segmind HTTP client: pure Python on requests (no comfy, no torch), testable without ComfyUI."""
