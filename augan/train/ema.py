"""The exponential moving average of the generator's weights, which is what a trained GAN samples from."""

from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    """A copy of ``generator`` whose weights follow the generator's as an exponential moving average.

    Parameters
    ----------
    generator : nn.Module
        The network to average; its copy starts from its current weights, in eval mode, without gradients.
    decay : float
        Weight of the running average at each update, in (0, 1).

    Attributes
    ----------
    model : nn.Module
        The averaged copy, to sample from.
    """

    def __init__(self, generator: nn.Module, decay: float) -> None:
        self.decay = decay
        self.model = copy.deepcopy(generator).eval().requires_grad_(False)

    def decay_at(self, step: int) -> float:
        """The decay of the update after ``step`` earlier ones: a warm-up that follows the generator closely
        at first, instead of averaging in its random start, then ``decay``."""
        return min(self.decay, (1 + step) / (10 + step))

    @torch.no_grad()
    def update(self, generator: nn.Module, step: int) -> None:
        """Move the average towards ``generator``'s weights; copy its buffers (batch-norm statistics) as they are."""
        torch._foreach_lerp_(list(self.model.parameters()), list(generator.parameters()), 1 - self.decay_at(step))
        for average, buffer in zip(self.model.buffers(), generator.buffers()):
            average.copy_(buffer)

    def state_dict(self) -> dict:
        """The averaged weights and buffers."""
        return self.model.state_dict()

    def load_state_dict(self, state: dict) -> None:
        """Restore the average of :meth:`state_dict`."""
        self.model.load_state_dict(state)
