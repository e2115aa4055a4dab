"""augan: conditional GANs that oversample rare classes in tables and small images."""

import os
from typing import Any

import torch

from .losses import register_loss
from .oversampler import GANOversampler
from .synthesizer import CGAN

__version__ = "0.1.0"


def load(path: str | os.PathLike, device: str | torch.device = "auto") -> CGAN:
    """Load a model written by ``CGAN.save`` (alias of :meth:`CGAN.load`, which documents the arguments).

    Parameters
    ----------
    path : str or PathLike
        The model file.
    device : str or torch.device, default="auto"
        Where the networks go: "auto" (CUDA, then MPS, then CPU), or any torch device of this machine.

    Returns
    -------
    model : CGAN
        The fitted model.
    """
    return CGAN.load(path, device=device)


def __getattr__(name: str) -> Any:
    # The reporting stack (matplotlib, metrics) loads on first use: `import augan` and the CLI stay quick.
    if name == "evaluate":
        from .evaluation import evaluate

        return evaluate
    if name == "Report":
        from .report import Report

        return Report
    raise AttributeError(f"module 'augan' has no attribute {name!r}")


__all__ = ["CGAN", "GANOversampler", "Report", "evaluate", "load", "register_loss", "__version__"]
