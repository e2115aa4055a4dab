"""GAN losses, one small class each, chosen by name from a registry.

Every loss works on the discriminator's raw scores (logits for the classic losses, critic values for
the Wasserstein ones): ``discriminator_loss(real, fake)`` and ``generator_loss(fake)``. A loss may also
add a penalty on the discriminator (``penalty``) or constrain it after its optimiser step
(``after_discriminator_step``), and declares what it needs of the rest of the GAN (``n_critic``,
``discriminator_norm``), so that neither the estimator nor the trainer ever asks for a loss by name.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn


class Loss:
    """Base class: override the two loss formulas, and the hooks where the loss has them.

    Attributes
    ----------
    name : str
        Registry name.
    n_critic : int
        Default number of discriminator steps per generator step.
    discriminator_norm : {"batch", "layer"}
        The normalisation a convolutional discriminator should use with this loss.
    """

    name = "base"
    n_critic = 1
    discriminator_norm = "batch"

    def discriminator_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def generator_loss(self, fake: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def penalty(self, discriminator: Callable, real: torch.Tensor, fake: torch.Tensor,
                y: torch.Tensor) -> torch.Tensor | None:
        """An extra term added to the discriminator's loss (none by default)."""
        return None

    def after_discriminator_step(self, discriminator: nn.Module) -> None:
        """Called after each discriminator optimiser step (nothing by default)."""

    def threshold(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """Score above which the discriminator calls a sample real (0 for logit-based losses)."""
        return real.new_zeros(())

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Minimax(Loss):
    """The original GAN game (Goodfellow et al., 2014): G minimises ``log(1 - D(G(z)))``."""

    name = "minimax"

    def discriminator_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        return F.softplus(-real).mean() + F.softplus(fake).mean()

    def generator_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return -F.softplus(fake).mean()


class NonSaturating(Minimax):
    """The non-saturating generator loss ``-log D(G(z))``: strong gradients when D rejects the fakes."""

    name = "nonsaturating"

    def generator_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return F.softplus(-fake).mean()


class _Critic(Loss):
    """The Wasserstein formulas: the critic's scores estimate the distance between real and fake."""

    def discriminator_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        return fake.mean() - real.mean()

    def generator_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return -fake.mean()

    def threshold(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        return 0.5 * (real.mean() + fake.mean())


class Wasserstein(_Critic):
    """Wasserstein GAN with a weight-clipped critic (Arjovsky et al., 2017)."""

    name = "wasserstein"
    n_critic = 5

    def __init__(self, clip_value: float = 0.01) -> None:
        self.clip_value = clip_value

    @torch.no_grad()
    def after_discriminator_step(self, discriminator: nn.Module) -> None:
        for p in discriminator.parameters():
            p.clamp_(-self.clip_value, self.clip_value)

    def __repr__(self) -> str:
        return f"Wasserstein(clip_value={self.clip_value})"


class WassersteinGP(_Critic):
    """Wasserstein GAN with a gradient penalty (Gulrajani et al., 2017).

    The penalty is computed in float32 outside autocast, since its second-order gradient is
    sensitive to reduced precision.
    """

    name = "wgan-gp"
    # The penalty is per sample, which batch norm's mixing of the samples of a batch would break.
    discriminator_norm = "layer"

    def __init__(self, gp_weight: float = 10.0) -> None:
        self.gp_weight = gp_weight

    def penalty(self, discriminator: Callable, real: torch.Tensor, fake: torch.Tensor,
                y: torch.Tensor) -> torch.Tensor:
        real, fake = real.float(), fake.float()
        alpha = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1), device=real.device)
        mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        with torch.autocast(device_type=real.device.type, enabled=False):
            scores = discriminator(mixed, y)
            (grad,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
        norms = grad.reshape(scores.shape[0], -1).norm(2, dim=1)
        return self.gp_weight * ((norms - 1) ** 2).mean()

    def __repr__(self) -> str:
        return f"WassersteinGP(gp_weight={self.gp_weight})"


class Hinge(Loss):
    """Hinge loss (Lim & Ye, 2017; used by SNGAN and BigGAN)."""

    name = "hinge"

    def discriminator_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        return F.relu(1 - real).mean() + F.relu(1 + fake).mean()

    def generator_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return -fake.mean()


LOSSES: dict[str, type[Loss]] = {}


def register_loss(name: str, cls: type[Loss]) -> None:
    """Make ``cls`` available to ``CGAN(loss=name)``.

    Parameters
    ----------
    name : str
        The name ``CGAN(loss=...)`` takes.
    cls : subclass of Loss
        The loss, built with no arguments (or those given to :func:`get_loss`); it defines
        ``discriminator_loss(real_scores, fake_scores)`` and ``generator_loss(fake_scores)``.

    Raises
    ------
    TypeError
        If ``name`` is not a string, ``cls`` is not a subclass of :class:`Loss`, or it leaves out
        ``discriminator_loss`` or ``generator_loss``.
    ValueError
        If ``name`` is blank or already registered.
    """
    if not isinstance(name, str):
        raise TypeError(f"a loss's name must be a str, got {name!r}.")
    if not name.strip():
        raise ValueError(f"a loss's name must hold a word, got {name!r}.")
    if not (isinstance(cls, type) and issubclass(cls, Loss)):
        raise TypeError(f"a loss must be a subclass of augan.losses.Loss, got {cls!r}.")
    if name in LOSSES:
        raise ValueError(f"a loss named {name!r} is already registered.")
    missing = [method for method in ("discriminator_loss", "generator_loss") if getattr(cls, method) is
               getattr(Loss, method)]
    if missing:
        raise TypeError(f"the loss {cls.__name__} does not define {' or '.join(missing)}; a loss overrides both.")
    LOSSES[name] = cls


def check_loss_value(value: object, loss: Loss, method: str) -> torch.Tensor:
    """``value``, returned by ``loss.<method>``, if it is a tensor of one floating-point value (what is
    back-propagated); otherwise a TypeError naming the loss, at the first step rather than deep in autograd."""
    if not (isinstance(value, torch.Tensor) and value.dim() == 0 and value.is_floating_point()):
        shown = f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}" if isinstance(value, torch.Tensor) \
            else f"a {type(value).__name__}"
        raise TypeError(f"{type(loss).__name__}.{method} returned {shown}; a loss must return a tensor of one value "
                        f"(a floating-point scalar, e.g. a .mean() of the scores).")
    return value


def get_loss(name: str | Loss, **kwargs) -> Loss:
    """Return a loss instance from its registry name (or ``name`` itself if it already is a Loss).

    Raises
    ------
    ValueError
        If ``name`` is not registered; the message lists the valid names.
    """
    if isinstance(name, Loss):
        return name
    if name not in LOSSES:
        raise ValueError(f"loss={name!r} is not a known loss; choose one of {sorted(LOSSES)}.")
    return LOSSES[name](**kwargs)


for _cls in (Minimax, NonSaturating, Wasserstein, WassersteinGP, Hinge):
    register_loss(_cls.name, _cls)
