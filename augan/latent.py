"""A learned latent space for the GAN: an encoder ``E(x, y) -> z`` trained beside the generator ``G(z, y)``.

Two short reconstruction loops, in the family of BAGAN (Mariani et al. 2018) and DeepSMOTE (Dablain et al.
2022). Before adversarial training, :func:`pretrain_autoencoder` trains ``E`` and ``G`` together as a
conditional autoencoder on every class, so the generator starts from stroke (or column) structure learned
from the common classes. After it, :func:`fit_encoder` fits ``E`` to the final (EMA) generator, frozen, so
that ``G(E(x, y), y) ≈ x``: real samples of a rare class then have latent points between which new ones can
be interpolated and decoded. Like the trainer, this module sees tensors only.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

# Weight of the pull of each batch's codes towards the generator's N(0, 1) prior (mean 0, variance 1 per
# dimension): codes far outside the noise the GAN is trained on decode badly.
PRIOR_WEIGHT = 0.1
# Adam's rate for both loops: a reconstruction target is fixed, so it takes a larger step than the GAN's 2e-4.
LEARNING_RATE = 1e-3


def pretrain_autoencoder(encoder: nn.Module, generator: nn.Module, data: torch.Tensor, labels: torch.Tensor, *,
                         steps: int, batch_size: int) -> list[float]:
    """Train ``encoder`` and ``generator`` together to reconstruct ``data`` (class-balanced batches).

    Parameters
    ----------
    encoder, generator : torch.nn.Module
        ``E(x, y) -> z`` and ``G(z, y) -> x``, on the device of ``data``.
    data : torch.Tensor of shape (n_samples, ...)
        Encoded samples (the codec's output).
    labels : torch.Tensor of shape (n_samples,)
        Class index of each sample.
    steps, batch_size : int
        Adam steps, and samples per step (capped at ``n_samples``).

    Returns
    -------
    losses : list of float
        The reconstruction loss of each step.
    """
    generator.train()
    return _reconstruct(encoder, generator, [*encoder.parameters(), *generator.parameters()], data, labels,
                        steps=steps, batch_size=batch_size)


def fit_encoder(encoder: nn.Module, generator: nn.Module, data: torch.Tensor, labels: torch.Tensor, *,
                steps: int, batch_size: int) -> list[float]:
    """Fit ``encoder`` so that the frozen ``generator`` (in eval mode) reconstructs ``data``.

    Parameters are those of :func:`pretrain_autoencoder`; the generator's weights and mode are left as they were.

    Returns
    -------
    losses : list of float
        The reconstruction loss of each step.
    """
    was_training = generator.training
    frozen = [p for p in generator.parameters() if p.requires_grad]
    generator.eval().requires_grad_(False)
    try:
        return _reconstruct(encoder, generator, list(encoder.parameters()), data, labels,
                            steps=steps, batch_size=batch_size)
    finally:
        for parameter in frozen:
            parameter.requires_grad_(True)
        generator.train(was_training)


def _reconstruct(encoder: nn.Module, generator: nn.Module, parameters: Iterable[nn.Parameter],
                 data: torch.Tensor, labels: torch.Tensor, *, steps: int, batch_size: int) -> list[float]:
    optimizer = torch.optim.Adam(parameters, lr=LEARNING_RATE)
    # Each class drawn equally often, as in the GAN's batches, so rare classes are reconstructed as well.
    counts = torch.bincount(labels)
    weights = 1.0 / counts[labels].float()
    batch = max(2, min(batch_size, len(labels)))
    encoder.train()
    losses = torch.empty(steps, device=data.device)
    for step in range(steps):
        rows = torch.multinomial(weights, batch, replacement=True)
        x, y = data[rows], labels[rows]
        z = encoder(x, y)
        loss = nn.functional.mse_loss(generator(z, y), x) + PRIOR_WEIGHT * prior_gap(z)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses[step] = loss.detach()
    encoder.eval()
    return losses.tolist()


def prior_gap(z: torch.Tensor) -> torch.Tensor:
    """How far a batch of codes is from N(0, 1) in its first two moments, per dimension (0 when it matches)."""
    return z.mean(0).pow(2).mean() + (z.var(0) - 1).pow(2).mean()


@torch.inference_mode()
def encode_latent(encoder: nn.Module, data: torch.Tensor, labels: torch.Tensor, chunk: int) -> torch.Tensor:
    """``E(x, y)`` of every row, in chunks of ``chunk`` rows, with the encoder in eval mode."""
    encoder.eval()
    return torch.cat([encoder(data[i:i + chunk], labels[i:i + chunk]) for i in range(0, len(labels), chunk)])
