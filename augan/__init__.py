"""augan: conditional GANs that oversample rare classes in tables and small images."""

from typing import Any

from .losses import register_loss
from .oversampler import GANOversampler
from .synthesizer import CGAN

__version__ = "0.1.0"


# ``augan.load(path, device="auto")``: CGAN.load itself, whose docstring documents it.
load = CGAN.load


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
