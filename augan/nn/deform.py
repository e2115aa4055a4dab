"""Random smooth deformations of images: new images of a class made from its real ones.

A handwritten digit, a defect or a cell stays what it is under a small rotation, scaling, shear and shift and a
gentle elastic bend of its strokes (Simard et al., 2003). Each image gets its own affine map and its own smooth
displacement field (normal displacements on a coarse grid, interpolated bicubically), applied with one
``grid_sample``. On imbalanced MNIST these new digits taught a small CNN far more than copies, pixel blends or the
GAN's own draws (benchmarks/NOTES.md).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import torch
import torch.nn.functional as F


# Nodes per side of the coarse displacement grid at most: finer than this is noise, not a smooth bend, on the small
# images augan makes, and the grid's memory grows with its square.
MAX_GRID = 64
# Pixels deformed at once: the sampling grid and the displacement field take 16 bytes a pixel each.
CHUNK_PIXELS = 1 << 22


@dataclass(frozen=True)
class Deformation:
    """How far a random deformation goes, in normalised image coordinates (the image spans [-1, 1]).

    Parameters
    ----------
    rotation : float, default=0.2
        Largest rotation, in radians (0.2 is about 11 degrees); each image's is uniform in [-rotation, rotation].
    scale : float, default=0.1
        Largest change of size: the factor is uniform in [1 - scale, 1 + scale].
    shear : float, default=0.2
        Largest horizontal shear (slant).
    shift : float, default=0.1
        Largest shift along each axis (0.1 is 5% of the side).
    elastic : float, default=0.08
        Standard deviation of the elastic displacement at each node of the coarse grid.
    grid : int in [2, 64], default=4
        Nodes per side of the coarse grid: fewer nodes bend the image more smoothly.
    """

    rotation: float = 0.2
    scale: float = 0.1
    shear: float = 0.2
    shift: float = 0.1
    elastic: float = 0.08
    grid: int = 4

    def __post_init__(self) -> None:
        for name in ("rotation", "scale", "shear", "shift", "elastic"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < math.inf:
                raise ValueError(f"Deformation's {name} must be a number of at least 0, got {value!r}.")
        if self.scale >= 1:
            raise ValueError(f"Deformation's scale must be below 1 (a factor of 1 - scale), got {self.scale!r}.")
        grid = self.grid
        if isinstance(grid, bool) or not isinstance(grid, numbers.Integral) or not 2 <= grid <= MAX_GRID:
            raise ValueError(f"Deformation's grid must be a whole number from 2 to {MAX_GRID}, got {self.grid!r}.")


def deform_images(images: torch.Tensor, generator: torch.Generator, deformation: Deformation = Deformation(),
                  chunk: int | None = None) -> torch.Tensor:
    """Each image of ``images`` under its own random deformation.

    Parameters
    ----------
    images : Tensor of shape (n, C, H, W)
        The images. What a deformation brings in from outside an image is its background: the median of its
        outermost pixels, channel by channel (black around a digit, white around an object on white, opaque
        where an alpha channel is opaque).
    generator : torch.Generator
        The random draws, on the images' device.
    deformation : Deformation
        How far the deformations go.
    chunk : int, optional
        Images deformed at once, which bounds the memory of the sampling grids. Default: as many as hold
        ``CHUNK_PIXELS`` (4,194,304) pixels, at least one.

    Returns
    -------
    Tensor of the shape and dtype of ``images``.
    """
    if images.dim() != 4:
        raise ValueError(f"images must have shape (n, C, H, W), got {tuple(images.shape)}.")
    if not len(images):
        return images.clone()
    chunk = chunk or max(1, CHUNK_PIXELS // (images.shape[2] * images.shape[3]))
    return torch.cat([_deform(part, generator, deformation) for part in images.split(chunk)])


def _deform(x: torch.Tensor, generator: torch.Generator, d: Deformation) -> torch.Tensor:
    n, _, height, width = x.shape
    options = {"generator": generator, "device": x.device, "dtype": torch.float32}

    def uniform(size: tuple[int, ...], bound: float) -> torch.Tensor:
        return (torch.rand(size, **options) * 2 - 1) * bound

    angle, factor, slant = uniform((n,), d.rotation), 1 + uniform((n,), d.scale), uniform((n,), d.shear)
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([torch.stack([factor * cos, slant - sin], 1), torch.stack([sin, factor * cos], 1)], 1)
    theta = torch.cat([theta, uniform((n, 2, 1), d.shift)], dim=2)
    grid = F.affine_grid(theta, [n, 1, height, width], align_corners=False)
    if d.elastic > 0:
        coarse = torch.randn((n, 2, d.grid, d.grid), **options) * d.elastic
        field = F.interpolate(coarse, size=(height, width), mode="bicubic", align_corners=True)
        grid = grid + field.permute(0, 2, 3, 1)
    background = _background(x.float())
    out = F.grid_sample(x.float() - background, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return (out + background).to(x.dtype)


def _background(x: torch.Tensor) -> torch.Tensor:
    """Each image's and channel's median of its outermost ring of pixels, shaped (n, C, 1, 1)."""
    ring = torch.cat([x[:, :, 0], x[:, :, -1], x[:, :, 1:-1, 0], x[:, :, 1:-1, -1]], dim=2)
    return ring.median(dim=2).values[:, :, None, None]
