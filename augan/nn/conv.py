"""Conditional DCGAN generator and discriminator for square images of 28, 32 or 64 pixels."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .conditioning import ProjectionHead, one_hot

SIZES = {28: (7, 2), 32: (4, 3), 64: (4, 4)}  # side -> (side of the first feature map, number of 2x steps)
NORMS = ("batch", "layer", None)


def _check_shape(shape: Sequence[int]) -> tuple[int, int, int]:
    shape = tuple(int(s) for s in shape)
    if len(shape) != 3 or shape[1] != shape[2] or shape[1] not in SIZES:
        raise ValueError(
            f"the DCGAN networks need square images of 28, 32 or 64 px, shape (C, H, W); got {shape}. "
            f"Resize the images to 64x64 (size=64 when they are read from a folder) or use architecture='mlp'.")
    return shape


def default_width(side: int) -> int:
    """The default channel width: 64 for 64 px images, 32 for 28 and 32 px ones."""
    return 64 if side == 64 else 32


class DCGANGenerator(nn.Module):
    """Generator ``G(z, y)``: noise and one-hot label -> linear -> transposed convolutions -> tanh image.

    The first feature map is 7x7 (28 px) or 4x4 (32 and 64 px) with ``width * 2**(steps - 1)`` channels;
    each transposed convolution doubles the side and halves the channels (batch norm + ReLU between),
    the last one gives the image's channels through tanh.

    Parameters
    ----------
    noise_dim : int
        Length of the noise vector.
    n_classes : int
        Number of classes.
    shape : tuple of int
        ``(C, H, W)`` of one image, with ``H == W`` in {28, 32, 64}.
    width : int, optional
        Channels of the last hidden feature map; default 64 for 64 px, else 32.

    Raises
    ------
    ValueError
        If ``shape`` is not a supported size.
    """

    def __init__(self, noise_dim: int, n_classes: int, shape: Sequence[int], width: int | None = None) -> None:
        super().__init__()
        channels, side, _ = _check_shape(shape)
        width = width or default_width(side)
        start, steps = SIZES[side]
        self.n_classes = n_classes
        self.start = start
        self.start_channels = width * 2 ** (steps - 1)
        self.project = nn.Sequential(
            nn.Linear(noise_dim + n_classes, self.start_channels * start * start, bias=False),
            nn.BatchNorm1d(self.start_channels * start * start), nn.ReLU())
        layers: list[nn.Module] = []
        in_channels = self.start_channels
        for step in range(steps):
            last = step == steps - 1
            out_channels = channels if last else in_channels // 2
            layers.append(nn.ConvTranspose2d(in_channels, out_channels, 4, 2, 1, bias=last))
            layers.extend([nn.Tanh()] if last else [nn.BatchNorm2d(out_channels), nn.ReLU()])
            in_channels = out_channels
        self.body = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.project(torch.cat([z, one_hot(y, self.n_classes, z.dtype)], dim=1))
        return self.body(h.reshape(-1, self.start_channels, self.start, self.start))


class DCGANDiscriminator(nn.Module):
    """Discriminator (or critic) ``D(x, y)``: strided convolutions -> projection head on the label.

    Each 4x4 stride-2 convolution halves the side and doubles the channels (``width`` first), with
    LeakyReLU(0.2), down to a 7x7 or 4x4 map whose flattened features meet the label in a
    :class:`~augan.nn.conditioning.ProjectionHead`.

    Parameters
    ----------
    shape : tuple of int
        ``(C, H, W)`` of one image, with ``H == W`` in {28, 32, 64}.
    n_classes : int
        Number of classes.
    pac : int, default=1
        PacGAN: packs of ``pac`` consecutive samples of one class are judged together, stacked along the
        channels. The batch size must be a multiple of ``pac``.
    spectral_norm : bool, default=False
        Spectral normalisation of every convolution and of the head; no other normalisation is then used.
    norm : {"batch", "layer", None}, default="batch"
        Normalisation after every convolution but the first, when ``spectral_norm`` is off. ``"layer"``
        normalises each sample on its own, as a gradient penalty needs (Gulrajani et al., 2017).
    width : int, optional
        Channels of the first convolution; default 64 for 64 px, else 32.

    Raises
    ------
    ValueError
        If ``shape`` is not a supported size or ``norm`` is unknown.
    """

    def __init__(self, shape: Sequence[int], n_classes: int, pac: int = 1, spectral_norm: bool = False,
                 norm: str | None = "batch", width: int | None = None) -> None:
        super().__init__()
        channels, side, _ = _check_shape(shape)
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {norm!r}.")
        width = width or default_width(side)
        start, steps = SIZES[side]
        self.pac = pac
        wrap = nn.utils.parametrizations.spectral_norm if spectral_norm else (lambda m: m)
        layers: list[nn.Module] = []
        in_channels, out_channels = channels * pac, width
        for step in range(steps):
            layers.append(wrap(nn.Conv2d(in_channels, out_channels, 4, 2, 1)))
            if step > 0 and not spectral_norm and norm is not None:
                layers.append(nn.BatchNorm2d(out_channels) if norm == "batch" else nn.GroupNorm(1, out_channels))
            layers.append(nn.LeakyReLU(0.2))
            in_channels, out_channels = out_channels, out_channels * 2
        self.body = nn.Sequential(*layers, nn.Flatten())
        self.head = ProjectionHead(in_channels * start * start, n_classes, spectral_norm)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        packs = x.reshape(x.shape[0] // self.pac, self.pac * x.shape[1], *x.shape[2:])
        labels = y.reshape(-1, self.pac)[:, 0]
        return self.head(self.body(packs), labels)
