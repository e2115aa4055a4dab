"""augan.nn.registry: architectures by name, each a generator and a discriminator that fit one another."""

import pytest
import torch

from augan import CGAN
from augan.nn.conv import DCGANDiscriminator, DCGANGenerator
from augan.nn.mlp import MLPDiscriminator, MLPGenerator
from augan.nn.encoder import ConvEncoder, MLPEncoder
from augan.nn.registry import ARCHITECTURES, ENCODERS, NetworkSpec, build_encoder, build_networks, register_architecture


@pytest.mark.parametrize(("name", "shape", "kinds"), [
    ("mlp", (5,), (MLPGenerator, MLPDiscriminator)),
    ("dcgan", (1, 28, 28), (DCGANGenerator, DCGANDiscriminator)),
])
def test_each_architecture_builds_networks_that_fit_one_another(name, shape, kinds):
    generator, discriminator = build_networks(name, NetworkSpec(shape, n_classes=3, noise_dim=8, pac=2))
    assert (type(generator), type(discriminator)) == kinds
    y = torch.tensor([0, 0, 2, 2])
    fake = generator(torch.randn(4, 8), y)
    assert fake.shape == (4, *shape)
    assert discriminator(fake, y).shape == (2,)


def test_an_unknown_architecture_is_refused_with_the_names_listed():
    with pytest.raises(ValueError, match=r"architecture='vit' is not a known architecture; choose one of "
                                         r"\['dcgan', 'mlp'\]"):
        build_networks("vit", NetworkSpec((5,), 2, 8))


def test_register_refuses_a_taken_name_and_a_builder_that_is_not_callable():
    with pytest.raises(ValueError, match="'mlp' is already registered"):
        register_architecture("mlp", ARCHITECTURES["mlp"])
    with pytest.raises(TypeError, match="must be callable"):
        register_architecture("other", "mlp")


def test_a_registered_architecture_is_what_cgan_trains(tiny):
    built = []

    def narrow(spec: NetworkSpec):
        built.append(spec)
        return ARCHITECTURES["mlp"](NetworkSpec(spec.sample_shape, spec.n_classes, spec.noise_dim, (4,), (4,)))

    register_architecture("narrow-test", narrow)
    try:
        X, y = torch.randn(40, 3).numpy(), [0] * 30 + [1] * 10
        gan = CGAN(architecture="narrow-test", device="cpu", random_state=0, **tiny).fit(X, y)
    finally:
        ARCHITECTURES.pop("narrow-test")
    assert built[-1].sample_shape == (3,) and built[-1].n_classes == 2
    widths = {m.out_features for m in gan.generator_.modules() if isinstance(m, torch.nn.Linear)}
    assert 4 in widths and 256 not in widths
    assert gan.sample(6).shape == (6, 3)


@pytest.mark.parametrize(("name", "shape", "kind"), [("mlp", (5,), MLPEncoder), ("dcgan", (1, 28, 28), ConvEncoder)])
def test_each_architecture_builds_an_encoder_into_its_generators_noise(name, shape, kind):
    spec = NetworkSpec(shape, n_classes=3, noise_dim=8)
    encoder = build_encoder(name, spec)
    generator, _ = build_networks(name, spec)
    y = torch.tensor([0, 1, 2, 2])
    z = encoder(torch.randn(4, *shape), y)
    assert isinstance(encoder, kind) and z.shape == (4, 8)
    assert generator(z, y).shape == (4, *shape)


def test_an_architecture_without_an_encoder_says_so_and_images_train_without_one(tiny):
    register_architecture("no-encoder-test", ARCHITECTURES["mlp"])
    try:
        assert "no-encoder-test" not in ENCODERS
        with pytest.raises(ValueError, match=r"architecture='no-encoder-test' has no encoder; those with one: "
                                             r"\['dcgan', 'mlp'\]"):
            build_encoder("no-encoder-test", NetworkSpec((5,), 2, 8))
        images = torch.rand(20, 6, 6).numpy()
        gan = CGAN(architecture="no-encoder-test", encoder="auto", device="cpu", random_state=0, **tiny)
        assert gan.fit(images, [0] * 10 + [1] * 10).encoder_ is None
    finally:
        ARCHITECTURES.pop("no-encoder-test")
