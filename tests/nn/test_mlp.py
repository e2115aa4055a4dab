import pytest
import torch

from augan.data.tabular import Span
from augan.nn.heads import SpanActivation
from augan.nn.mlp import MLPDiscriminator, MLPGenerator


def test_span_activation_gives_distributions_on_softmax_spans_and_passes_linear_through():
    spans = [Span(1, "linear"), Span(3, "softmax"), Span(1, "linear"), Span(2, "softmax"), Span(3, "softmax")]
    h = torch.randn(5, 10)
    out = SpanActivation(spans)(h)
    assert out.shape == (5, 10)
    torch.testing.assert_close(out[:, [0, 4]], h[:, [0, 4]])
    for start, stop in [(1, 4), (5, 7), (7, 10)]:
        torch.testing.assert_close(out[:, start:stop].sum(1), torch.ones(5))
        assert (out[:, start:stop] >= 0).all()


def test_span_activation_is_differentiable():
    h = torch.randn(4, 4, requires_grad=True)
    SpanActivation([Span(1, "linear"), Span(3, "softmax")])(h).pow(2).sum().backward()
    assert h.grad is not None and h.grad[:, 1:].abs().sum() > 0


@pytest.mark.parametrize("block", ["residual", "plain"])
def test_generator_output_shape_and_conditioning(block):
    gen = MLPGenerator(8, 3, (5,), hidden=(16, 16), block=block).eval()
    z = torch.randn(6, 8)
    out_a = gen(z, torch.zeros(6, dtype=torch.long))
    out_b = gen(z, torch.full((6,), 2, dtype=torch.long))
    assert out_a.shape == (6, 5)
    assert not torch.allclose(out_a, out_b), "the label must change the output"


def test_classic_digit_generator_has_four_linear_bn_relu_blocks_and_784_outputs():
    gen = MLPGenerator(100, 10, (1, 28, 28), hidden=(128, 256, 512, 1024), block="plain")
    kinds = [type(m).__name__ for m in gen.body]
    assert kinds == ["Linear", "BatchNorm1d", "ReLU"] * 4 + ["Linear"]
    assert gen.body[-1].out_features == 784
    out = gen(torch.randn(4, 100), torch.arange(4))
    assert out.shape == (4, 1, 28, 28) and out.abs().max() <= 1


@pytest.mark.parametrize("conditioning", ["projection", "concat"])
@pytest.mark.parametrize("pac", [1, 2])
def test_discriminator_scores_one_value_per_pack(conditioning, pac):
    disc = MLPDiscriminator((5,), 3, hidden=(16,), pac=pac, conditioning=conditioning, spectral_norm=True)
    y = torch.arange(3).repeat_interleave(2)
    assert disc(torch.randn(6, 5), y).shape == (6 // pac,)


def test_unknown_block_and_conditioning_are_refused():
    with pytest.raises(ValueError, match="block"):
        MLPGenerator(4, 2, (3,), block="dense")
    with pytest.raises(ValueError, match="conditioning"):
        MLPDiscriminator((3,), 2, conditioning="film")
