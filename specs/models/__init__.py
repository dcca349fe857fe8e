"""One file per Segmind model: each module defines MODEL (a ModelSpec) and, where the weights are open,
LOCAL (its LocalTwin). specs/catalog.py finds them; nothing else lists the models."""
