"""One declarative spec per Segmind model: plain Python (no comfy, no torch), the single source of
node inputs, validation and request bodies."""
from .flux_dev import FLUX_DEV
from .flux_pro import FLUX_PRO
from .flux_schnell import FLUX_SCHNELL
from .lora_pages import FLUX_BMW_LORA, SIMPLE_VECTOR_FLUX
from .model import ModelSpec
from .params import RANDOM_SEED, SpecValidationError

MODELS: tuple[ModelSpec, ...] = (FLUX_BMW_LORA, FLUX_DEV, FLUX_PRO, FLUX_SCHNELL, SIMPLE_VECTOR_FLUX)
MODELS_BY_NODE_ID = {spec.node_id: spec for spec in MODELS}

__all__ = ["MODELS", "MODELS_BY_NODE_ID", "ModelSpec", "SpecValidationError", "RANDOM_SEED",
           "FLUX_BMW_LORA", "FLUX_DEV", "FLUX_PRO", "FLUX_SCHNELL", "SIMPLE_VECTOR_FLUX"]
