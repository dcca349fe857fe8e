"""Finds the models: every module of specs/models/ defines MODEL and, where the weights are open, LOCAL.
Adding a model is adding one such file; everything else (nodes, prices, the stand-in, the tests, the
workflows, the README's tables) is derived from what these modules hold."""
from __future__ import annotations

import importlib
import pkgutil

from . import models as model_modules
from .local import LocalTwin
from .model import ModelSpec


def _model_modules():
    names = sorted(info.name for info in pkgutil.iter_modules(model_modules.__path__) if not info.ispkg)
    return [importlib.import_module(f"{model_modules.__name__}.{name}") for name in names]


def _collect() -> tuple[tuple[ModelSpec, ...], tuple[LocalTwin, ...]]:
    remote, local = [], []
    for module in _model_modules():
        spec = getattr(module, "MODEL", None)
        if not isinstance(spec, ModelSpec):
            raise TypeError(f"{module.__name__} must define MODEL = ModelSpec(...)")
        remote.append(spec)
        twin = getattr(module, "LOCAL", None)
        if twin is not None:
            local.append(twin)
    by_node_id = lambda item: item.node_id  # noqa: E731  the order nodes and tables are listed in
    return tuple(sorted(remote, key=by_node_id)), tuple(sorted(local, key=by_node_id))


MODELS, LOCAL_TWINS = _collect()
