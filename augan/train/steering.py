"""Classifier steering of the generator (GAMO's idea, Mullick et al., "Generative Adversarial Minority
Oversampling", ICCV 2019, for a conditional GAN): an auxiliary classifier learns the classes of the real samples,
and the generator pays for each fake sample the probability that the classifier gives its own class. The
discriminator keeps the fakes on the class's distribution; the term tilts that distribution toward where the
classifier hesitates between classes, which is where an oversampled class's new samples move a classifier's
boundary, and away from its interior, where they add little."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from .precision import Precision, ScaledStep


def mlp_classifier(sample_shape: Sequence[int], n_classes: int, hidden: Sequence[int] = (256, 256)) -> nn.Module:
    """A classifier of flattened samples of ``sample_shape``: linear + LeakyReLU(0.2) layers of widths ``hidden``,
    then one logit per class."""
    layers: list[nn.Module] = [nn.Flatten()]
    width = math.prod(sample_shape)
    for size in hidden:
        layers.extend([nn.Linear(width, size), nn.LeakyReLU(0.2, inplace=True)])
        width = size
    layers.append(nn.Linear(width, n_classes))
    return nn.Sequential(*layers)


class ClassifierSteering:
    """A classifier of encoded samples trained on the real batches, and the generator's term from it:
    ``weight * mean(softmax(C(fake))[y])``.

    Parameters
    ----------
    weight : float
        Weight of the term in the generator's loss.
    classifier : nn.Module
        ``classifier(x) -> logits`` of shape (n, n_classes), on the training device (:func:`mlp_classifier`).
    opt : ScaledStep
        The classifier's optimiser and gradient scaler.
    precision : Precision
        The trainer's mixed precision.
    """

    def __init__(self, weight: float, classifier: nn.Module, opt: ScaledStep, precision: Precision) -> None:
        self.weight = weight
        self.classifier = classifier
        self.opt = opt
        self.precision = precision
        self._parameters = list(classifier.parameters())

    def train_step(self, real: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """One step of the classifier on real samples ``real`` of classes ``y``; returns its accuracy on them."""
        with self.precision.autocast():
            logits = self.classifier(real).float()
            loss = nn.functional.cross_entropy(logits, y)
        self.opt.step(loss)
        with torch.no_grad():
            return (logits.argmax(1) == y).float().mean()

    def term(self, fake: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The generator's term for fakes ``fake`` of classes ``y``; gradients reach the generator only."""
        for parameter in self._parameters:
            parameter.requires_grad_(False)
        try:
            with self.precision.autocast():
                probabilities = self.classifier(fake).float().softmax(1)
            return self.weight * probabilities.gather(1, y[:, None]).mean()
        finally:
            for parameter in self._parameters:
                parameter.requires_grad_(True)

    def state_dict(self) -> dict:
        """The classifier's weights, its optimiser's and its gradient scaler's states."""
        return {"classifier": self.classifier.state_dict(), "opt": self.opt.optimizer.state_dict(),
                "scaler": self.opt.scaler.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        """Restore a :meth:`state_dict`."""
        self.classifier.load_state_dict(state["classifier"])
        self.opt.optimizer.load_state_dict(state["opt"])
        self.opt.scaler.load_state_dict(state["scaler"])
