"""Training batches drawn by class from a table that lives on the device."""

from __future__ import annotations

import torch


class BalancedBatchSampler:
    """Draw batches of row indices from an on-device table, by class.

    With ``balance=True`` every class is drawn equally often, so minority classes are seen as often as the
    majority; otherwise classes come in their training proportions. Labels are drawn in groups of ``pac``
    (PacGAN packs share one class). Everything happens on the device, with no per-row Python.
    """

    def __init__(self, labels: torch.Tensor, n_classes: int, balance: bool = True) -> None:
        self.labels = labels
        self.order = torch.argsort(labels, stable=True)
        self.counts = torch.bincount(labels, minlength=n_classes)
        self.offsets = torch.cumsum(self.counts, 0) - self.counts
        present = (self.counts > 0).float()
        self.class_weights = present if balance else self.counts.float()

    def draw_labels(self, n: int, pac: int = 1) -> torch.Tensor:
        """``n`` class indices (a multiple of ``pac``), drawn in packs of ``pac`` equal ones."""
        groups = torch.multinomial(self.class_weights, n // pac, replacement=True)
        return groups.repeat_interleave(pac)

    def draw_rows(self, labels: torch.Tensor) -> torch.Tensor:
        """For each class index in ``labels``, the index of a row of that class, drawn uniformly."""
        counts = self.counts[labels]
        within = (torch.rand(labels.shape, device=labels.device) * counts).long().clamp_max(counts - 1)
        return self.order[self.offsets[labels] + within]
