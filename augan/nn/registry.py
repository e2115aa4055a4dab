"""Network architectures by name: each builds a generator ``G(z, y)`` and a discriminator ``D(x, y)`` that
fit one another, and may build an encoder ``E(x, y) -> z`` into the generator's noise space, from a
:class:`NetworkSpec`; ``CGAN(architecture=name)`` picks one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn

from .mlp import MLPDiscriminator, MLPGenerator


@dataclass(frozen=True)
class NetworkSpec:
    """What the networks are built for: the data, the classes and the network parameters of the estimator.

    Attributes
    ----------
    sample_shape : tuple of int
        Shape of one encoded sample: ``(n_features,)`` for a table, ``(C, H, W)`` for images.
    n_classes : int
        Number of classes.
    noise_dim : int
        Length of the generator's noise vector.
    generator_dims, discriminator_dims : tuple of int
        Hidden widths of the MLP networks.
    generator_block : str
        MLP generator blocks (see :class:`~augan.nn.mlp.MLPGenerator`).
    pac : int
        PacGAN pack size of the discriminator.
    spectral_norm : bool
        Spectral normalisation in the discriminator.
    discriminator_norm : {"batch", "layer"}
        The normalisation the loss asks of a convolutional discriminator.
    spans : list or None
        The output spans of a tabular codec (one activation per column), None for images.
    """

    sample_shape: tuple[int, ...]
    n_classes: int
    noise_dim: int
    generator_dims: tuple[int, ...] = (256, 256)
    discriminator_dims: tuple[int, ...] = (256, 256)
    generator_block: str = "residual"
    pac: int = 1
    spectral_norm: bool = False
    discriminator_norm: str = "batch"
    spans: Any = None


Builder = Callable[[NetworkSpec], tuple[nn.Module, nn.Module]]
ARCHITECTURES: dict[str, Builder] = {}
ENCODERS: dict[str, Callable[[NetworkSpec], nn.Module]] = {}


def register_architecture(name: str, builder: Builder, encoder: Callable[[NetworkSpec], nn.Module] | None = None
                          ) -> None:
    """Make ``builder(spec) -> (generator, discriminator)`` available as ``CGAN(architecture=name)``, and
    ``encoder(spec) -> E`` (when given) as its ``CGAN(encoder=True)``.

    Parameters
    ----------
    name : str
        The name ``CGAN(architecture=...)`` takes.
    builder : callable
        ``builder(spec)``, given a :class:`NetworkSpec` (noise size, classes, sample shape, widths, ...), returns
        the generator and the discriminator.
    encoder : callable, optional
        ``encoder(spec)`` returns the encoder ``E(x, y) -> z`` that ``CGAN(encoder=True)`` trains.

    Raises
    ------
    TypeError
        If ``builder`` is not callable.
    ValueError
        If ``name`` is taken.
    """
    for given in (builder, encoder):
        if given is not None and not callable(given):
            raise TypeError(f"an architecture's builders must be callable, got {given!r}.")
    if name in ARCHITECTURES:
        raise ValueError(f"an architecture named {name!r} is already registered.")
    ARCHITECTURES[name] = builder
    if encoder is not None:
        ENCODERS[name] = encoder


def build_networks(architecture: str, spec: NetworkSpec) -> tuple[nn.Module, nn.Module]:
    """The generator and discriminator of ``architecture`` for ``spec``, on the current default device.

    Raises
    ------
    ValueError
        If ``architecture`` is not registered (the message lists the names), or the builder refuses ``spec``.
    """
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture={architecture!r} is not a known architecture; choose one of "
                         f"{sorted(ARCHITECTURES)}.")
    return ARCHITECTURES[architecture](spec)


def build_encoder(architecture: str, spec: NetworkSpec) -> nn.Module:
    """The encoder ``E(x, y) -> z`` of ``architecture`` for ``spec``, on the current default device.

    Raises
    ------
    ValueError
        If ``architecture`` registered no encoder.
    """
    if architecture not in ENCODERS:
        raise ValueError(f"architecture={architecture!r} has no encoder; those with one: {sorted(ENCODERS)}.")
    return ENCODERS[architecture](spec)


def _mlp(spec: NetworkSpec) -> tuple[nn.Module, nn.Module]:
    generator = MLPGenerator(spec.noise_dim, spec.n_classes, spec.sample_shape, spec.generator_dims,
                             spec.generator_block, spans=spec.spans)
    discriminator = MLPDiscriminator(spec.sample_shape, spec.n_classes, spec.discriminator_dims, pac=spec.pac,
                                     spectral_norm=spec.spectral_norm)
    return generator, discriminator


def _dcgan(spec: NetworkSpec) -> tuple[nn.Module, nn.Module]:
    from .conv import DCGANDiscriminator, DCGANGenerator

    generator = DCGANGenerator(spec.noise_dim, spec.n_classes, spec.sample_shape)
    discriminator = DCGANDiscriminator(spec.sample_shape, spec.n_classes, pac=spec.pac,
                                       spectral_norm=spec.spectral_norm, norm=spec.discriminator_norm)
    return generator, discriminator


def _mlp_encoder(spec: NetworkSpec) -> nn.Module:
    from .encoder import MLPEncoder

    return MLPEncoder(spec.sample_shape, spec.n_classes, spec.noise_dim, spec.discriminator_dims)


def _conv_encoder(spec: NetworkSpec) -> nn.Module:
    from .encoder import ConvEncoder

    return ConvEncoder(spec.sample_shape, spec.n_classes, spec.noise_dim)


register_architecture("mlp", _mlp, encoder=_mlp_encoder)
register_architecture("dcgan", _dcgan, encoder=_conv_encoder)
