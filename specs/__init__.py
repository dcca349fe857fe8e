"""One declarative spec per Segmind model: plain Python (no comfy, no torch), the single source of
node inputs, validation, request bodies, prices and the local mapping. One file per model in
specs/models/; specs/catalog.py finds them."""
from .catalog import LOCAL_TWINS, MODELS
from .local import LocalTwin
from .model import ModelSpec
from .params import RANDOM_SEED, SpecValidationError

MODELS_BY_NODE_ID = {spec.node_id: spec for spec in MODELS}

__all__ = ["MODELS", "MODELS_BY_NODE_ID", "LOCAL_TWINS", "LocalTwin", "ModelSpec", "SpecValidationError",
           "RANDOM_SEED"]
