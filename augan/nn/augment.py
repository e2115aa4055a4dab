"""DiffAugment (Zhao et al., 2020): differentiable augmentations of real and fake images before the discriminator.

The same random augmentations are applied to real and generated batches on both the discriminator's and the
generator's steps; because each one is differentiable, the generator learns through them and does not learn
to reproduce them. It lets a GAN train on few images without its discriminator memorising them.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F


def _brightness(x: torch.Tensor) -> torch.Tensor:
    return x + (torch.rand(x.shape[0], 1, 1, 1, dtype=x.dtype, device=x.device) - 0.5)


def _saturation(x: torch.Tensor) -> torch.Tensor:
    mean = x.mean(dim=1, keepdim=True)
    return (x - mean) * (torch.rand(x.shape[0], 1, 1, 1, dtype=x.dtype, device=x.device) * 2) + mean


def _contrast(x: torch.Tensor) -> torch.Tensor:
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (torch.rand(x.shape[0], 1, 1, 1, dtype=x.dtype, device=x.device) + 0.5) + mean


def _translation(x: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
    """Shift each image by up to ``ratio`` of its size in each direction, filling with zeros."""
    n, _, height, width = x.shape
    dy, dx = int(height * ratio + 0.5), int(width * ratio + 0.5)
    shift_y = torch.randint(-dy, dy + 1, (n, 1, 1), device=x.device)
    shift_x = torch.randint(-dx, dx + 1, (n, 1, 1), device=x.device)
    rows = torch.arange(height, device=x.device).view(1, height, 1) + shift_y + 1
    cols = torch.arange(width, device=x.device).view(1, 1, width) + shift_x + 1
    rows = rows.clamp(0, height + 1).expand(n, height, width)
    cols = cols.clamp(0, width + 1).expand(n, height, width)
    padded = F.pad(x, [1, 1, 1, 1])
    batch = torch.arange(n, device=x.device).view(n, 1, 1)
    return padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2)


def _cutout(x: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
    """Blank a square of ``ratio`` of the image's size at a random place in each image."""
    n, _, height, width = x.shape
    cut_h, cut_w = int(height * ratio + 0.5), int(width * ratio + 0.5)
    top = torch.randint(0, height + (1 - cut_h % 2), (n, 1, 1), device=x.device) - cut_h // 2
    left = torch.randint(0, width + (1 - cut_w % 2), (n, 1, 1), device=x.device) - cut_w // 2
    rows = torch.arange(height, device=x.device).view(1, height, 1)
    cols = torch.arange(width, device=x.device).view(1, 1, width)
    inside = (rows >= top) & (rows < top + cut_h) & (cols >= left) & (cols < left + cut_w)
    return x * (~inside).unsqueeze(1).to(x.dtype)


AUGMENTATIONS: dict[str, tuple[Callable[[torch.Tensor], torch.Tensor], ...]] = {
    "color": (_brightness, _saturation, _contrast),
    "translation": (_translation,),
    "cutout": (_cutout,),
}


def parse_policy(policy: str) -> tuple[str, ...]:
    """Split a comma-separated policy into its augmentation names, checking each one.

    Raises
    ------
    ValueError
        If the policy is empty or names an unknown augmentation; the message lists the valid names.
    """
    names = tuple(part.strip() for part in str(policy).split(",") if part.strip())
    unknown = [name for name in names if name not in AUGMENTATIONS]
    if not names or unknown:
        raise ValueError(f"diffaugment policy {policy!r} must be a comma-separated list of "
                         f"{sorted(AUGMENTATIONS)}, e.g. 'translation,cutout'.")
    return names


class DiffAugment:
    """A differentiable augmentation of ``(n, C, H, W)`` image batches, drawn from torch's global RNG.

    Parameters
    ----------
    policy : str, default="translation,cutout"
        Comma-separated augmentations, applied in order: ``"color"`` (random brightness, saturation and
        contrast), ``"translation"`` (shift by up to 1/8 of the size, zero fill) and ``"cutout"`` (blank
        a random square of half the size). Each image gets its own random draw.
    """

    def __init__(self, policy: str = "translation,cutout") -> None:
        self.policy = policy
        self.names = parse_policy(policy)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4:
            raise ValueError(f"DiffAugment needs images of shape (n, C, H, W), got shape {tuple(x.shape)}.")
        for name in self.names:
            for augmentation in AUGMENTATIONS[name]:
                x = augmentation(x)
        return x.contiguous()

    def __repr__(self) -> str:
        return f"DiffAugment(policy={self.policy!r})"
