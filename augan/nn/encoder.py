"""Encoders ``E(x, y) -> z`` into a generator's noise space (the BAGAN / DeepSMOTE family).

An encoder beside ``G(z, y)`` gives each real sample a point ``z`` with ``G(z, y) ≈ x``, so that new samples
can be made between real ones of a class in that learned space and decoded by the generator.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from .conditioning import one_hot
from .conv import SIZES, _check_shape, default_width


class MLPEncoder(nn.Module):
    """Encoder ``E(x, y)``: the flattened sample and the one-hot label through linear + LeakyReLU layers.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample (a table row's encoded columns, or an image); it is flattened.
    n_classes : int
        Number of classes.
    noise_dim : int
        Length of the output ``z``: the generator's noise size.
    hidden : sequence of int, default=(256, 256)
        Width of each hidden layer.
    """

    def __init__(self, input_shape: Sequence[int], n_classes: int, noise_dim: int,
                 hidden: Sequence[int] = (256, 256)) -> None:
        super().__init__()
        self.n_classes = n_classes
        width = math.prod(input_shape) + n_classes
        layers: list[nn.Module] = []
        for size in hidden:
            layers.extend([nn.Linear(width, size), nn.LeakyReLU(0.2)])
            width = size
        layers.append(nn.Linear(width, noise_dim))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(x.shape[0], -1)
        return self.body(torch.cat([flat, one_hot(y, self.n_classes, flat.dtype)], dim=1))


class ConvEncoder(nn.Module):
    """Encoder ``E(x, y)`` for images, mirroring :class:`~augan.nn.conv.DCGANDiscriminator`.

    Strided 4x4 convolutions halve the side and double the channels (``width`` first; batch norm after every
    one but the first, LeakyReLU(0.2)) down to a 7x7 or 4x4 map, whose flattened features and the one-hot
    label give ``z`` through a linear layer.

    Parameters
    ----------
    shape : tuple of int
        One image's ``(C, H, W)``: square, of side 28, 32 or 64.
    n_classes : int
        Number of classes.
    noise_dim : int
        Length of the output ``z``: the generator's noise size.
    width : int, optional
        Channels of the first convolution; default 64 for 64 px, else 32.

    Raises
    ------
    ValueError
        If ``shape`` is not a supported size.
    """

    def __init__(self, shape: Sequence[int], n_classes: int, noise_dim: int, width: int | None = None) -> None:
        super().__init__()
        channels, side, _ = _check_shape(shape)
        width = width or default_width(side)
        start, steps = SIZES[side]
        self.n_classes = n_classes
        layers: list[nn.Module] = []
        in_channels, out_channels = channels, width
        for step in range(steps):
            layers.append(nn.Conv2d(in_channels, out_channels, 4, 2, 1))
            if step > 0:
                layers.append(nn.BatchNorm2d(out_channels))
            layers.append(nn.LeakyReLU(0.2))
            in_channels, out_channels = out_channels, out_channels * 2
        self.body = nn.Sequential(*layers, nn.Flatten())
        self.head = nn.Linear(in_channels * start * start + n_classes, noise_dim)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.body(x)
        return self.head(torch.cat([h, one_hot(y, self.n_classes, h.dtype)], dim=1))
