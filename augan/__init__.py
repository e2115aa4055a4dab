"""augan: conditional GANs that oversample rare classes in tables and small images."""

from .evaluation import evaluate
from .losses import register_loss
from .oversampler import GANOversampler
from .report import Report
from .synthesizer import CGAN

__version__ = "0.1.0"


def load(path: str) -> CGAN:
    """Load a model written by ``CGAN.save`` (alias of :meth:`CGAN.load`)."""
    return CGAN.load(path)


__all__ = ["CGAN", "GANOversampler", "Report", "evaluate", "load", "register_loss", "__version__"]
