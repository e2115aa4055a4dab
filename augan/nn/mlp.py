"""Fully connected conditional generator and discriminator, for table rows and flattened images."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence

import torch
from torch import nn

from .conditioning import ProjectionHead, one_hot
from .heads import SpanActivation

GENERATOR_BLOCKS = ("residual", "plain")
CONDITIONINGS = ("projection", "concat")


class _Residual(nn.Module):
    """Linear + batch norm + ReLU whose output is concatenated to its input (as in CTGAN)."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.layer = nn.Sequential(nn.Linear(in_features, out_features), nn.BatchNorm1d(out_features),
                                   nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.layer(x), x], dim=1)


class MLPGenerator(nn.Module):
    """Generator ``G(z, y)``: noise and the one-hot label through fully connected blocks.

    Parameters
    ----------
    noise_dim : int
        Length of the noise vector ``z``.
    n_classes : int
        Number of classes; the label enters as a one-hot vector concatenated to ``z``.
    output_shape : tuple of int
        Shape of one generated sample, e.g. ``(n_encoded_columns,)`` or ``(1, 28, 28)``.
    hidden : sequence of int, default=(256, 256)
        Width of each block. ``block="plain", hidden=(128, 256, 512, 1024)`` with ``output_shape=(1, 28, 28)``
        is the classic generator for flattened 28x28 digits (4 x linear + batch norm + ReLU, then 784 tanh outputs).
    block : {"residual", "plain"}, default="residual"
        ``"residual"`` concatenates each block's input to its output; ``"plain"`` stacks linear + BN + ReLU.
    spans : sequence of Span, optional
        The codec's output layout: linear and Gumbel-softmax heads per column. Without it the output is tanh.
    tau : float, default=0.2
        Gumbel-softmax temperature for categorical spans.
    """

    def __init__(self, noise_dim: int, n_classes: int, output_shape: Sequence[int], hidden: Sequence[int] = (256, 256),
                 block: str = "residual", spans: Sequence | None = None, tau: float = 0.2) -> None:
        super().__init__()
        if block not in GENERATOR_BLOCKS:
            raise ValueError(f"block must be one of {GENERATOR_BLOCKS}, got {block!r}.")
        self.n_classes = n_classes
        self.output_shape = tuple(output_shape)
        layers: list[nn.Module] = []
        width = noise_dim + n_classes
        for size in hidden:
            if block == "residual":
                layers.append(_Residual(width, size))
                width += size
            else:
                layers.extend([nn.Linear(width, size), nn.BatchNorm1d(size), nn.ReLU(inplace=True)])
                width = size
        layers.append(nn.Linear(width, math.prod(self.output_shape)))
        self.body = nn.Sequential(*layers)
        self.head = SpanActivation(spans, tau) if spans is not None else nn.Tanh()

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.training or torch.is_grad_enabled():
            h = self.body(torch.cat([z, one_hot(y, self.n_classes, z.dtype)], dim=1))
        else:
            h = self._sampling_body(z, y).to(z.dtype)
            if getattr(self, "_folded_layers", None) is not None and isinstance(self.head, SpanActivation):
                return self.head.draw(h).reshape(-1, *self.output_shape)
        return self.head(h).reshape(-1, *self.output_shape)

    @contextlib.contextmanager
    def drawing(self) -> Iterator[MLPGenerator]:
        """Within it, calls in eval mode without autograd make rows to decode: each batch norm is folded into
        its linear layer once for all the calls, instead of at every call (the weights must not change inside),
        and each category span holds scores whose largest entry is the level drawn, not the Gumbel-softmax
        (:meth:`SpanActivation.draw`): decoding takes the same level from either."""
        self._folded_layers = {}
        try:
            yield self
        finally:
            self._folded_layers = None

    def _sampling_layers(self, dtype: torch.dtype) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Each hidden block's folded weight and bias, then the last layer's, in ``dtype``."""
        cache = getattr(self, "_folded_layers", None)
        if cache is not None and dtype in cache:
            return cache[dtype]
        *blocks, last = self.body
        if any(isinstance(block, _Residual) for block in blocks):
            pairs = [block.layer[:2] for block in blocks]
        else:  # "plain" (or no hidden layer)
            pairs = list(zip(blocks[0::3], blocks[1::3]))
        layers = [_fold_batch_norm(linear, norm, dtype) for linear, norm in pairs]
        layers.append((last.weight.to(dtype), last.bias.to(dtype)))
        if cache is not None:
            cache[dtype] = layers
        return layers

    def _sampling_body(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """``self.body`` in eval mode without autograd, in fewer operations: each batch norm folded into the
        linear layer before it, and each residual block writing its output into its slice of one buffer laid
        out as the last layer's input, instead of concatenating copies. Under autocast the buffer and the
        weights are in autocast's dtype, so that no product converts its input again."""
        device = z.device.type
        dtype = torch.get_autocast_dtype(device) if torch.is_autocast_enabled(device) else z.dtype
        *hidden, (last_weight, last_bias) = self._sampling_layers(dtype)
        if not isinstance(self.body[0], _Residual):  # "plain" (or no hidden layer)
            h = torch.cat([z, one_hot(y, self.n_classes, z.dtype)], dim=1).to(dtype)
            for weight, bias in hidden:
                h = torch.addmm(bias, h, weight.t()).relu_()
            return torch.addmm(last_bias, h, last_weight.t())
        h = z.new_empty(z.shape[0], last_weight.shape[1], dtype=dtype)
        end = last_weight.shape[1] - z.shape[1] - self.n_classes
        h[:, end:end + z.shape[1]] = z
        labels = h[:, end + z.shape[1]:]
        labels.zero_().scatter_(1, y[:, None], 1.0)
        for weight, bias in hidden:
            start = end - weight.shape[0]
            source = h[:, end:]
            if dtype != torch.float32:
                # oneDNN's bf16 product (on an AMX CPU) of this strided view brought NaN from the buffer's
                # unwritten memory outside the view into whole rows: the product gets a dense copy.
                source = source.contiguous()
            # A product into a strided slice is slower than one into its own tensor plus the copy.
            h[:, start:end] = torch.addmm(bias, source, weight.t()).relu_()
            end = start
        return torch.addmm(last_bias, h, last_weight.t())


def _fold_batch_norm(linear: nn.Linear, norm: nn.BatchNorm1d,
                     dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """The weight and bias of ``norm(linear(x))`` with the norm's running statistics, as one linear layer,
    folded in the parameters' precision and then converted to ``dtype``."""
    scale = norm.weight * torch.rsqrt(norm.running_var + norm.eps)
    weight, bias = linear.weight * scale[:, None], (linear.bias - norm.running_mean) * scale + norm.bias
    return weight.to(dtype), bias.to(dtype)


class MLPDiscriminator(nn.Module):
    """Discriminator (or critic) ``D(x, y)`` returning one unbounded score per row (per pack with PacGAN).

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample; it is flattened.
    n_classes : int
        Number of classes.
    hidden : sequence of int, default=(256, 256)
        Width of each linear + LeakyReLU(0.2) layer.
    pac : int, default=1
        PacGAN: the discriminator judges packs of ``pac`` samples of one class at once, which penalises a
        generator that collapses to a few modes. The batch size must be a multiple of ``pac``.
    conditioning : {"projection", "concat"}, default="projection"
        How the label enters: a projection head, or a one-hot vector concatenated to the input.
    spectral_norm : bool, default=False
        Spectral normalisation of every linear layer.
    dropout : float, default=0.0
        Dropout after every hidden layer.
    """

    def __init__(self, input_shape: Sequence[int], n_classes: int, hidden: Sequence[int] = (256, 256), pac: int = 1,
                 conditioning: str = "projection", spectral_norm: bool = False, dropout: float = 0.0) -> None:
        super().__init__()
        if conditioning not in CONDITIONINGS:
            raise ValueError(f"conditioning must be one of {CONDITIONINGS}, got {conditioning!r}.")
        self.pac = pac
        self.n_classes = n_classes
        self.conditioning = conditioning
        wrap = nn.utils.parametrizations.spectral_norm if spectral_norm else (lambda m: m)
        width = math.prod(input_shape) * pac + (n_classes if conditioning == "concat" else 0)
        layers: list[nn.Module] = []
        for size in hidden:
            layers.extend([wrap(nn.Linear(width, size)), nn.LeakyReLU(0.2, inplace=True)])
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = size
        self.body = nn.Sequential(*layers)
        if conditioning == "projection":
            self.head = ProjectionHead(width, n_classes, spectral_norm)
        else:
            self.head = wrap(nn.Linear(width, 1))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        packs = x.reshape(x.shape[0] // self.pac, -1)
        labels = y.reshape(-1, self.pac)[:, 0]
        if self.conditioning == "concat":
            h = self.body(torch.cat([packs, one_hot(labels, self.n_classes, packs.dtype)], dim=1))
            return self.head(h).squeeze(1)
        return self.head(self.body(packs), labels)
