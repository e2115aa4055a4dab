import pytest
import torch
from torch import nn

from augan.nn.conv import DCGANDiscriminator, DCGANGenerator


@pytest.mark.parametrize("side", [28, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_generator_and_discriminator_fit_each_supported_size(side, channels):
    torch.manual_seed(0)
    shape = (channels, side, side)
    generator = DCGANGenerator(8, 3, shape, width=4)
    discriminator = DCGANDiscriminator(shape, 3, width=4)
    y = torch.tensor([0, 1, 2, 1])
    images = generator(torch.randn(4, 8), y)
    assert images.shape == (4, channels, side, side)
    assert images.min() >= -1 and images.max() <= 1
    scores = discriminator(images, y)
    assert scores.shape == (4,)


@pytest.mark.parametrize("shape", [(1, 200, 200), (1, 28, 32), (3, 16, 16), (28, 28)])
def test_unsupported_sizes_are_refused_with_the_supported_ones_named(shape):
    with pytest.raises(ValueError, match="28, 32 or 64 px"):
        DCGANGenerator(8, 2, shape)
    with pytest.raises(ValueError, match="size=64"):
        DCGANDiscriminator(shape, 2)


def test_default_widths_are_small_and_follow_the_image_size():
    first_conv = [m for m in DCGANDiscriminator((1, 64, 64), 2).modules() if isinstance(m, nn.Conv2d)][0]
    assert first_conv.out_channels == 64
    first_conv = [m for m in DCGANDiscriminator((1, 28, 28), 2).modules() if isinstance(m, nn.Conv2d)][0]
    assert first_conv.out_channels == 32
    last = [m for m in DCGANGenerator(8, 2, (3, 32, 32)).modules() if isinstance(m, nn.ConvTranspose2d)]
    assert last[-2].out_channels == 32 and last[-1].out_channels == 3


def test_pac_judges_packs_stacked_along_channels():
    torch.manual_seed(0)
    discriminator = DCGANDiscriminator((1, 28, 28), 2, pac=2, width=4).eval()
    first_conv = [m for m in discriminator.modules() if isinstance(m, nn.Conv2d)][0]
    assert first_conv.in_channels == 2
    x = torch.rand(4, 1, 28, 28) * 2 - 1
    y = torch.tensor([0, 0, 1, 1])
    scores = discriminator(x, y)
    assert scores.shape == (2,)
    changed = x.clone()
    changed[1] = -changed[1]
    moved = discriminator(changed, y)
    assert moved[0] != scores[0] and moved[1] == scores[1]


def test_discriminator_score_depends_on_the_label():
    torch.manual_seed(0)
    discriminator = DCGANDiscriminator((1, 32, 32), 2, width=4).eval()
    x = torch.rand(1, 1, 32, 32).repeat(2, 1, 1, 1)
    scores = discriminator(x, torch.tensor([0, 1]))
    assert scores[0] != scores[1]


@pytest.mark.parametrize("spectral_norm, norm, expected", [
    (False, "batch", nn.BatchNorm2d),
    (False, "layer", nn.GroupNorm),
    (False, None, None),
    (True, "batch", None),
])
def test_discriminator_normalisation_is_chosen_and_absent_under_spectral_norm(spectral_norm, norm, expected):
    discriminator = DCGANDiscriminator((1, 32, 32), 2, spectral_norm=spectral_norm, norm=norm, width=4)
    kinds = {type(m) for m in discriminator.modules() if isinstance(m, (nn.BatchNorm2d, nn.GroupNorm))}
    assert kinds == ({expected} if expected else set())
    if spectral_norm:
        conv = [m for m in discriminator.modules() if isinstance(m, nn.Conv2d)][0]
        assert nn.utils.parametrize.is_parametrized(conv, "weight")


def test_unknown_norm_is_refused():
    with pytest.raises(ValueError, match="norm must be one of"):
        DCGANDiscriminator((1, 28, 28), 2, norm="instance")


def test_generator_learns_through_the_discriminator():
    torch.manual_seed(0)
    generator = DCGANGenerator(8, 2, (1, 28, 28), width=4)
    discriminator = DCGANDiscriminator((1, 28, 28), 2, width=4)
    y = torch.tensor([0, 1, 0, 1])
    discriminator(generator(torch.randn(4, 8), y), y).mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in generator.parameters())
