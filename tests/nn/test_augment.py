import numpy as np
import pytest
import torch

from augan import CGAN
from augan.nn.augment import DiffAugment


@pytest.mark.parametrize("policy", ["color", "translation", "cutout", "color,translation,cutout"])
def test_each_policy_keeps_the_shape_and_is_differentiable(policy):
    torch.manual_seed(0)
    x = (torch.rand(6, 3, 16, 16) * 2 - 1).requires_grad_(True)
    out = DiffAugment(policy)(x)
    assert out.shape == x.shape
    assert not torch.equal(out, x)
    out.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_translation_shifts_content_by_at_most_an_eighth_and_fills_with_zeros():
    torch.manual_seed(0)
    x = torch.ones(50, 1, 32, 32)
    out = DiffAugment("translation")(x)
    assert set(out.unique().tolist()) <= {0.0, 1.0}
    kept = out.sum(dim=(1, 2, 3))
    assert kept.min() >= 28 * 28 and (kept < 32 * 32).any()
    # The centre never leaves the frame: a shift of at most 4 px keeps it covered.
    assert (out[:, :, 4:28, 4:28] == 1).all()


def test_cutout_blanks_at_most_a_half_size_square_in_each_image():
    torch.manual_seed(0)
    x = torch.ones(50, 3, 16, 16)
    out = DiffAugment("cutout")(x)
    blank = (out == 0).all(dim=1).sum(dim=(1, 2))
    assert (blank > 0).all() and (blank <= 8 * 8).all() and (blank == 64).any()
    assert ((out == 0).all(dim=1) == (out == 0).any(dim=1)).all()  # every channel is blanked together


def test_colour_changes_each_image_differently():
    torch.manual_seed(0)
    x = torch.zeros(4, 3, 8, 8)
    out = DiffAugment("color")(x)
    means = out.mean(dim=(1, 2, 3))
    assert len(set(means.tolist())) == 4


def test_draws_come_from_torch_global_rng():
    x = torch.rand(8, 1, 28, 28)
    augment = DiffAugment("color,translation,cutout")
    torch.manual_seed(3)
    first = augment(x)
    torch.manual_seed(3)
    assert torch.equal(first, augment(x))
    assert not torch.equal(first, augment(x))


@pytest.mark.parametrize("policy", ["", "flip", "translation,rotate"])
def test_unknown_policy_is_refused_with_the_valid_names(policy):
    with pytest.raises(ValueError, match=r"\['color', 'cutout', 'translation'\]"):
        DiffAugment(policy)


def test_non_image_batches_are_refused():
    with pytest.raises(ValueError, match=r"\(n, C, H, W\)"):
        DiffAugment()(torch.zeros(4, 10))


def test_cgan_hands_its_diffaugment_to_the_trainer():
    gan = CGAN(diffaugment="translation")
    assert isinstance(gan._augment(), DiffAugment) and gan._augment().names == ("translation",)
    assert CGAN(diffaugment=None)._augment() is None


def test_cgan_refuses_diffaugment_on_a_table(tiny):
    X = np.random.default_rng(0).normal(size=(40, 3))
    with pytest.raises(ValueError, match="diffaugment='cutout' augments images, but X is a table"):
        CGAN(diffaugment="cutout", **tiny).fit(X, np.arange(40) % 2)


def test_cgan_refuses_an_unknown_diffaugment_policy_before_training(tiny):
    X = np.zeros((20, 8, 8), np.uint8)
    with pytest.raises(ValueError, match="diffaugment policy 'blur'"):
        CGAN(diffaugment="blur", **tiny).fit(X, np.arange(20) % 2)
