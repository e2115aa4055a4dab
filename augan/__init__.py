"""augan: conditional GANs that oversample rare classes in tables and small images."""

from .losses import register_loss
from .oversampler import GANOversampler
from .synthesizer import CGAN

__version__ = "0.1.0"


def load(path: str) -> CGAN:
    """Load a model written by ``CGAN.save`` (alias of :meth:`CGAN.load`)."""
    return CGAN.load(path)


__all__ = ["CGAN", "GANOversampler", "load", "register_loss", "__version__"]
