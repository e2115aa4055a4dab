"""How the networks see the class label."""

from __future__ import annotations

import torch
from torch import nn


class ProjectionHead(nn.Module):
    """The projection discriminator's output (Miyato & Koyama, 2018): ``w·h + embed(y)·h``.

    The label enters as an inner product with the features instead of being concatenated to the
    input, which keeps the discriminator's class-conditional score well behaved.
    """

    def __init__(self, features: int, n_classes: int, spectral_norm: bool = False) -> None:
        super().__init__()
        wrap = nn.utils.parametrizations.spectral_norm if spectral_norm else (lambda m: m)
        self.linear = wrap(nn.Linear(features, 1))
        self.embed = wrap(nn.Embedding(n_classes, features))
        if not spectral_norm:
            nn.init.normal_(self.embed.weight, std=0.02)

    def forward(self, h: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.linear(h).squeeze(1) + (self.embed(y) * h).sum(dim=1)


def one_hot(y: torch.Tensor, n_classes: int, dtype: torch.dtype) -> torch.Tensor:
    """The label as a one-hot float matrix, for concatenation to a network's input."""
    return nn.functional.one_hot(y, n_classes).to(dtype)
