"""How good are the synthetic rows? Downstream gain, fidelity (FID/KID through torch-fidelity), detection
and privacy scores.

The metric functions are importable from here (``from augan.metrics import c2st``); each loads its module on first
use, so that importing augan does not import torch-fidelity."""

from __future__ import annotations

import importlib
from typing import Any

_FUNCTIONS = {"downstream_gain": "utility", "fidelity_scores": "fidelity", "c2st": "detection",
              "discriminator_auc": "detection", "privacy_scores": "detection"}

__all__ = sorted(_FUNCTIONS)


def __getattr__(name: str) -> Any:
    if name in _FUNCTIONS:
        return getattr(importlib.import_module(f".{_FUNCTIONS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
