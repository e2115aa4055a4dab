import copy

import pytest
import torch

from augan.data.tabular import Span
from augan.nn.heads import SpanActivation
from augan.nn import mlp
from augan.nn.mlp import MLPDiscriminator, MLPGenerator

fold = mlp._fold_batch_norm


def test_span_activation_gives_distributions_on_softmax_spans_and_passes_linear_through():
    spans = [Span(1, "linear"), Span(3, "softmax"), Span(1, "linear"), Span(2, "softmax"), Span(3, "softmax")]
    h = torch.randn(5, 10)
    out = SpanActivation(spans)(h)
    assert out.shape == (5, 10)
    torch.testing.assert_close(out[:, [0, 4]], h[:, [0, 4]])
    for start, stop in [(1, 4), (5, 7), (7, 10)]:
        torch.testing.assert_close(out[:, start:stop].sum(1), torch.ones(5))
        assert (out[:, start:stop] >= 0).all()


def test_span_activation_of_linear_spans_only_is_the_identity():
    h = torch.randn(5, 4, requires_grad=True)
    out = SpanActivation([Span(1, "linear"), Span(3, "linear")])(h)
    assert torch.equal(out, h)
    out.sum().backward()
    assert torch.equal(h.grad, torch.ones(5, 4))


def test_span_activation_is_differentiable():
    h = torch.randn(4, 4, requires_grad=True)
    SpanActivation([Span(1, "linear"), Span(3, "softmax")])(h).pow(2).sum().backward()
    assert h.grad is not None and h.grad[:, 1:].abs().sum() > 0


def _gumbel_softmax_by_span(spans: list, h: torch.Tensor, tau: float = 0.2) -> torch.Tensor:
    """The Gumbel-softmax of each softmax span and the linear spans as they are, gathered and joined span by span;
    the noise drawn as SpanActivation draws it: per width in increasing order, (rows, spans of the width, width)."""
    starts = [sum(span.width for span in spans[:k]) for k in range(len(spans))]
    widths = sorted({span.width for span in spans if span.activation == "softmax"})
    out = [None] * len(spans)
    for width in widths:
        members = [k for k, span in enumerate(spans) if span.activation == "softmax" and span.width == width]
        logits = torch.stack([h[:, starts[k]:starts[k] + width] for k in members], dim=1)
        gumbels = -torch.log(-torch.log(torch.rand_like(logits)))
        probabilities = ((logits + gumbels) / tau).softmax(dim=-1)
        for j, k in enumerate(members):
            out[k] = probabilities[:, j]
    for k, span in enumerate(spans):
        if span.activation == "linear":
            out[k] = h[:, starts[k]:starts[k] + span.width]
    return torch.cat(out, dim=1)


def test_span_activation_equals_the_gumbel_softmax_of_each_span_to_the_bit_with_its_gradient():
    spans = [Span(w, a) for w, a in [(1, "linear"), (3, "softmax"), (1, "linear"), (2, "softmax"), (3, "softmax"),
                                     (1, "linear"), (5, "softmax"), (2, "softmax"), (1, "linear")]]
    h = torch.randn(64, sum(span.width for span in spans))
    upstream = torch.randn_like(h)
    results = []
    for activation in (SpanActivation(spans), lambda x: _gumbel_softmax_by_span(spans, x)):
        x = h.clone().requires_grad_()
        torch.manual_seed(5)
        out = activation(x)
        out.backward(upstream)
        results.append((out.detach(), x.grad))
    (out, grad), (expected, expected_grad) = results
    assert torch.equal(out, expected)
    assert torch.equal(grad, expected_grad)
    assert not torch.equal(out, h), "the softmax spans changed"


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


def _out_of_place(module):
    twin = copy.deepcopy(module)
    activations = [m for m in twin.modules() if isinstance(m, (torch.nn.ReLU, torch.nn.LeakyReLU))]
    assert activations and all(m.inplace for m in activations)  # what the comparison is about
    for m in activations:
        m.inplace = False
    return twin


def _outputs_and_gradients(module, *inputs, double_backward=False):
    x = inputs[0].clone().requires_grad_(True)
    out = module(x, *inputs[1:])
    (grad_x,) = torch.autograd.grad(out.square().sum(), x, create_graph=double_backward, retain_graph=True)
    if double_backward:  # as the gradient penalty of wgan-gp back-propagates through the input gradient
        grad_x.norm().backward()
    else:
        out.square().sum().backward()
    return [out.detach(), grad_x.detach()] + [p.grad for p in module.parameters()]


@pytest.mark.parametrize("block", ["residual", "plain"])
def test_the_generator_activations_in_place_train_as_copies_would(block):
    torch.manual_seed(0)
    gen = MLPGenerator(8, 3, (5,), hidden=(16, 16), block=block)
    reference = _out_of_place(gen)
    z, y = torch.randn(12, 8), torch.arange(12) % 3
    for a, b in zip(_outputs_and_gradients(gen, z, y), _outputs_and_gradients(reference, z, y), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.mark.parametrize("spectral_norm, dropout", [(False, 0.0), (True, 0.0), (False, 0.3)])
@pytest.mark.parametrize("double_backward", [False, True])
def test_the_discriminator_activations_in_place_train_as_copies_would(spectral_norm, dropout, double_backward):
    torch.manual_seed(0)
    disc = MLPDiscriminator((5,), 3, hidden=(16, 16), spectral_norm=spectral_norm, dropout=dropout)
    reference = _out_of_place(disc)
    x, y = torch.randn(12, 5), torch.arange(12) % 3
    torch.manual_seed(1)
    ours = _outputs_and_gradients(disc, x, y, double_backward=double_backward)
    torch.manual_seed(1)
    theirs = _outputs_and_gradients(reference, x, y, double_backward=double_backward)
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_unknown_block_and_conditioning_are_refused():
    with pytest.raises(ValueError, match="block"):
        MLPGenerator(4, 2, (3,), block="dense")
    with pytest.raises(ValueError, match="conditioning"):
        MLPDiscriminator((3,), 2, conditioning="film")


def test_span_activation_draws_each_category_with_its_softmax_probability():
    # The Gumbel-max property: the largest output of a Gumbel-softmax is a draw from softmax(logits).
    probabilities = torch.tensor([0.2, 0.3, 0.5])
    head = SpanActivation([Span(3, "softmax"), Span(3, "softmax")])
    torch.manual_seed(0)
    h = probabilities.log().repeat(200_000, 2)
    out = head(h)
    for span in (out[:, :3], out[:, 3:]):
        frequencies = torch.bincount(span.argmax(dim=1), minlength=3) / span.shape[0]
        torch.testing.assert_close(frequencies, probabilities, atol=0.005, rtol=0)


def _sampling_generator(noise_dim: int, n_classes: int, spans: tuple, hidden: tuple, block: str) -> MLPGenerator:
    """A generator in eval mode whose batch-norm statistics moved away from their initial values."""
    torch.manual_seed(0)
    generator = MLPGenerator(noise_dim, n_classes, spans, hidden=hidden, block=block)
    for _ in range(3):
        generator(torch.randn(64, noise_dim), torch.randint(0, n_classes, (64,)))
    return generator.eval()


@pytest.mark.parametrize("block", ["residual", "plain"])
def test_generator_samples_without_autograd_through_the_function_it_trains(block):
    torch.manual_seed(0)
    generator = MLPGenerator(6, 3, (5,), hidden=(16, 8), block=block)
    for _ in range(3):  # batch-norm statistics away from their initial values
        generator(torch.randn(32, 6), torch.randint(0, 3, (32,)))
    generator.eval()
    z, y = torch.randn(64, 6), torch.randint(0, 3, (64,))
    reference = generator(z, y)  # autograd on: the layer-by-layer forward
    with torch.inference_mode():
        folded = generator(z, y)
    torch.testing.assert_close(folded, reference, rtol=1e-5, atol=1e-6)
    assert reference.requires_grad and not folded.requires_grad


@pytest.mark.parametrize("block", ["residual", "plain"])
def test_generator_samples_under_bf16_autocast_in_bf16_and_returns_float32(block, monkeypatch):
    generator = _sampling_generator(6, 3, (5,), (16, 8), block)
    z, y = torch.randn(256, 6), torch.randint(0, 3, (256,))
    with torch.inference_mode():
        exact = generator(z, y)
    addmm, operands = torch.addmm, []

    def spy(bias, a, b, **kwargs):
        operands.append((bias.dtype, a.dtype, b.dtype))
        return addmm(bias, a, b, **kwargs)

    monkeypatch.setattr(torch, "addmm", spy)
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
        fast = generator(z, y)
    assert operands and set(operands) == {(torch.bfloat16,) * 3}, "every product takes bf16 operands"
    assert fast.dtype == torch.float32
    # bf16 keeps 8 bits of mantissa: about 2-3 significant digits survive two hidden layers.
    torch.testing.assert_close(fast, exact, rtol=0.05, atol=0.05)
    assert not torch.equal(fast, exact)


def test_bf16_sampling_reads_nothing_outside_what_the_generator_wrote():
    # The folded residual path writes each block's output into one uninitialised buffer. On an AMX CPU, oneDNN's
    # bf16 product of a strided view of it brought NaN from outside the view (whole rows) when the memory it got
    # held NaN; freeing a NaN tensor of the buffer's size just before each draw hands it that memory.
    generator = _sampling_generator(32, 2, (4, 3), (64, 64), "residual")
    z, y = torch.randn(400, 32), torch.randint(0, 2, (400,))
    with torch.inference_mode():
        exact = generator(z, y)
        for _ in range(5):
            poison = torch.full((400, 64 + 64 + 32 + 2), float("nan"), dtype=torch.bfloat16)
            del poison
            with torch.autocast("cpu", dtype=torch.bfloat16):
                fast = generator(z, y)
            assert torch.isfinite(fast).all()
            torch.testing.assert_close(fast, exact, rtol=0.05, atol=0.05)


def test_span_activation_draw_takes_each_category_with_its_softmax_probability():
    # Logits plus Gumbel noise: the largest entry is a draw from softmax(logits), as forward's largest is.
    probabilities = torch.tensor([0.2, 0.3, 0.5])
    head = SpanActivation([Span(3, "softmax"), Span(1, "linear"), Span(3, "softmax")])
    torch.manual_seed(0)
    h = torch.cat([probabilities.log(), torch.tensor([7.0]), probabilities.log()]).repeat(200_000, 1)
    out = head.draw(h.clone())
    assert torch.equal(out[:, 3], h[:, 3]), "linear spans pass through"
    for span in (out[:, :3], out[:, 4:]):
        frequencies = torch.bincount(span.argmax(dim=1), minlength=3) / span.shape[0]
        torch.testing.assert_close(frequencies, probabilities, atol=0.005, rtol=0)
    assert not torch.equal(out[:, :3].argmax(1), out[:, 4:].argmax(1)), "each span has noise of its own"


@pytest.mark.parametrize("block", ["residual", "plain"])
def test_drawing_folds_once_and_decodes_to_what_the_gumbel_softmax_gives(block, monkeypatch):
    spans = [Span(1, "linear"), Span(3, "softmax"), Span(2, "softmax"), Span(1, "linear")]
    generator = _sampling_generator(6, 3, (7,), (16, 8), block)
    generator.head = SpanActivation(spans)
    z, y = torch.randn(512, 6), torch.randint(0, 3, (512,))
    with torch.inference_mode():
        torch.manual_seed(1)
        soft = generator(z, y)
        folds = []
        monkeypatch.setattr(mlp, "_fold_batch_norm", lambda *a: folds.append(1) or fold(*a))
        with generator.drawing():
            drawn = [generator(z, y) for _ in range(3)]
        after = generator(z, y)
    assert len(folds) == 2 + 2, "folded once inside (2 blocks), then again at the call after it"
    linear = [0, 6]
    for rows in drawn:
        torch.testing.assert_close(rows[:, linear], soft[:, linear], rtol=1e-5, atol=1e-6)
        assert not torch.allclose(rows[:, 1:4].sum(1), torch.ones(512)), "scores, not probabilities"
    assert torch.allclose(after[:, 1:4].sum(1), torch.ones(512)), "outside it, forward is the Gumbel-softmax"
    # Deterministic logits (a confident generator): both give every row the same level.
    generator.body[-1].bias.data[1:4] = torch.tensor([0.0, 60.0, 0.0])
    with torch.inference_mode():
        with generator.drawing():
            assert (generator(z, y)[:, 1:4].argmax(1) == 1).all()
        assert (generator(z, y)[:, 1:4].argmax(1) == 1).all()
