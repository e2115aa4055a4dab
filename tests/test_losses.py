import numpy as np
import pytest
import torch

from augan.losses import LOSSES, Loss, WassersteinGP, get_loss, register_loss


def test_registry_has_the_five_families():
    assert set(LOSSES) >= {"minimax", "nonsaturating", "wasserstein", "wgan-gp", "hinge"}


def test_unknown_loss_lists_valid_names():
    with pytest.raises(ValueError, match="hinge"):
        get_loss("lsgan")


def test_register_rejects_non_loss_and_duplicates():
    with pytest.raises(TypeError):
        register_loss("x", object)
    with pytest.raises(ValueError, match="already registered"):
        register_loss("hinge", Loss)


@pytest.mark.parametrize("name", [5, None, "", "  "])
def test_register_refuses_a_name_that_is_not_a_word(name):
    class Mine(Loss):
        def discriminator_loss(self, real, fake):
            return fake.mean() - real.mean()

        def generator_loss(self, fake):
            return -fake.mean()

    with pytest.raises((TypeError, ValueError), match="name"):
        register_loss(name, Mine)
    assert name not in LOSSES


def test_register_refuses_a_loss_that_leaves_its_formulas_out():
    class Half(Loss):
        def generator_loss(self, fake):
            return -fake.mean()

    for cls in (Loss, Half):
        with pytest.raises(TypeError, match="discriminator_loss"):
            register_loss("half-a-loss", cls)
    assert "half-a-loss" not in LOSSES


@pytest.mark.parametrize("returned", ["a vector", "an int"])
def test_a_loss_that_returns_no_scalar_tensor_is_named_at_the_first_step(tiny, returned):
    from augan import CGAN

    class Odd(Loss):
        def discriminator_loss(self, real, fake):
            return (fake - real).squeeze(-1) if returned == "a vector" else 1

        def generator_loss(self, fake):
            return -fake.mean()

    name = f"odd-{returned.replace(' ', '-')}"
    register_loss(name, Odd)
    try:
        X = np.random.default_rng(0).normal(size=(40, 3))
        with pytest.raises(TypeError, match=r"Odd\.discriminator_loss returned .*a tensor of one value"):
            CGAN(**{**tiny, "loss": name}).fit(X, np.arange(40) % 2)
    finally:
        del LOSSES[name]


@pytest.mark.parametrize("name", ["minimax", "nonsaturating", "wasserstein", "wgan-gp", "hinge"])
def test_discriminator_loss_rewards_separating_real_from_fake(name):
    loss = get_loss(name)
    good = loss.discriminator_loss(torch.full((8,), 3.0), torch.full((8,), -3.0))
    bad = loss.discriminator_loss(torch.full((8,), -3.0), torch.full((8,), 3.0))
    assert good < bad


@pytest.mark.parametrize("name", ["minimax", "nonsaturating", "wasserstein", "wgan-gp", "hinge"])
def test_generator_loss_rewards_fooling_the_discriminator(name):
    loss = get_loss(name)
    assert loss.generator_loss(torch.full((8,), 3.0)) < loss.generator_loss(torch.full((8,), -3.0))


def test_minimax_generator_saturates_where_nonsaturating_does_not():
    fake = torch.full((4,), -8.0, requires_grad=True)  # D confidently rejects the fakes
    (g_minimax,) = torch.autograd.grad(get_loss("minimax").generator_loss(fake), fake)
    (g_ns,) = torch.autograd.grad(get_loss("nonsaturating").generator_loss(fake), fake)
    assert g_minimax.abs().max() < 1e-3 < g_ns.abs().max()


def test_gradient_penalty_is_zero_for_a_unit_gradient_critic():
    def critic(x, y):
        return x.sum(dim=1) / x.shape[1] ** 0.5  # gradient norm exactly 1 everywhere

    real, fake, y = torch.randn(16, 4), torch.randn(16, 4), torch.zeros(16, dtype=torch.long)
    assert WassersteinGP().penalty(critic, real, fake, y).item() == pytest.approx(0.0, abs=1e-10)

    def steep(x, y):
        return 3 * x.sum(dim=1)

    assert WassersteinGP(gp_weight=1.0).penalty(steep, real, fake, y).item() == pytest.approx((6 - 1) ** 2, rel=1e-5)


def test_wasserstein_clips_critic_weights():
    critic = torch.nn.Linear(3, 1)
    torch.nn.init.constant_(critic.weight, 5.0)
    get_loss("wasserstein").after_discriminator_step(critic)
    assert critic.weight.abs().max().item() == pytest.approx(0.01)


def test_each_loss_declares_what_it_needs_of_the_gan():
    needs = {name: (cls().n_critic, cls().discriminator_norm) for name, cls in LOSSES.items()}
    assert needs["wgan-gp"] == (1, "layer")
    assert needs["wasserstein"] == (5, "batch")
    assert {needs[name] for name in ("minimax", "nonsaturating", "hinge")} == {(1, "batch")}


def test_a_convolutional_discriminator_takes_the_norm_its_loss_declares():
    from augan import CGAN

    rng = np.random.default_rng(0)
    images, y = rng.integers(0, 256, (8, 28, 28), dtype=np.uint8), np.repeat([0, 1], 4)
    norms = {}
    for loss in ("wgan-gp", "hinge"):
        gan = CGAN(architecture="dcgan", loss=loss, epochs=1, batch_size=4, device="cpu", random_state=0)
        discriminator = gan.fit(images, y).discriminator_
        norms[loss] = {type(m).__name__ for m in discriminator.modules() if "Norm" in type(m).__name__}
    assert norms == {"wgan-gp": {"GroupNorm"}, "hinge": {"BatchNorm2d"}}  # GroupNorm(1, C): a layer norm
