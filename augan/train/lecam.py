"""LeCam regularisation of the discriminator (Tseng et al., "Regularizing Generative Adversarial Networks under
Limited Data", CVPR 2021): a GAN trained on few images lets its discriminator grow ever surer; the term keeps
its scores of real samples near the running mean of its fake scores, and the reverse."""

from __future__ import annotations

import torch
from torch.nn import functional as F


class LeCam:
    """``weight * (mean(relu(D(real) - anchor_fake)^2) + mean(relu(anchor_real - D(fake))^2))``, the anchors being
    exponential moving averages of the discriminator's mean real and fake scores.

    Parameters
    ----------
    weight : float
        Weight of the term in the discriminator's loss (the paper's lambda; it used 0.3 for BigGAN on CIFAR).
    decay : float, default=0.99
        Decay of the anchors' moving averages (the paper's).
    """

    def __init__(self, weight: float, decay: float = 0.99) -> None:
        self.weight = weight
        self.decay = decay
        self.anchors: torch.Tensor | None = None  # [real, fake]; the first step's means start them

    def __call__(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """The term for this step's float scores, after updating the anchors with them."""
        with torch.no_grad():
            means = torch.stack([real.mean(), fake.mean()])
            if self.anchors is None:
                self.anchors = means
            else:
                self.anchors.mul_(self.decay).add_(means, alpha=1 - self.decay)
        real_anchor, fake_anchor = self.anchors[0], self.anchors[1]
        return self.weight * (F.relu(real - fake_anchor).pow(2).mean() + F.relu(real_anchor - fake).pow(2).mean())

    def state_dict(self) -> dict:
        """The anchors (None before the first step)."""
        return {"anchors": self.anchors}

    def load_state_dict(self, state: dict, device: torch.device | str = "cpu") -> None:
        """Restore the anchors of :meth:`state_dict` onto ``device`` (a checkpoint may come from another one)."""
        anchors = state["anchors"]
        self.anchors = None if anchors is None else anchors.to(device, copy=True)
