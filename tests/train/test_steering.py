"""augan.train.steering: the auxiliary classifier that steers the generator, and CGAN(classifier_steering=...)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from augan import CGAN
from augan.losses import get_loss
from augan.nn.mlp import MLPDiscriminator, MLPGenerator
from augan.train import CHECKPOINT_NAME, Trainer, TrainingConfig
from augan.train.precision import Precision
from augan.train.steering import ClassifierSteering, mlp_classifier

CPU = torch.device("cpu")


def _steering(weight: float = 2.0) -> ClassifierSteering:
    precision = Precision(None, CPU)
    classifier = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        classifier.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))  # logits are the coordinates
    return ClassifierSteering(weight, classifier, precision.stepper(torch.optim.Adam(classifier.parameters())),
                              precision)


def test_the_term_is_the_weight_times_the_mean_probability_of_the_own_class():
    fake = torch.tensor([[2.0, 0.0], [0.0, 1.0]])
    y = torch.tensor([0, 0])
    expected = 2.0 * (torch.softmax(fake, 1)[:, 0]).mean()
    assert _steering(2.0).term(fake, y).item() == pytest.approx(expected.item())


def test_the_term_trains_the_generator_only_and_leaves_the_classifier_trainable():
    steering = _steering()
    fake = torch.tensor([[2.0, 0.0], [0.0, 1.0]], requires_grad=True)
    steering.term(fake, torch.tensor([0, 1])).backward()
    assert fake.grad.abs().sum() > 0
    assert all(p.grad is None and p.requires_grad for p in steering.classifier.parameters())
    # The gradient lowers the probability of the own class: it points from class 0's logit toward the other's.
    assert fake.grad[0, 0] > 0 > fake.grad[0, 1]


def test_the_classifier_learns_the_classes_of_the_real_batches():
    torch.manual_seed(0)
    precision = Precision(None, CPU)
    classifier = mlp_classifier((3,), 2, hidden=(16,))
    steering = ClassifierSteering(1.0, classifier, precision.stepper(torch.optim.Adam(classifier.parameters(),
                                                                                      lr=1e-2)), precision)
    y = torch.arange(64) % 2
    real = torch.randn(64, 3) + 3 * y[:, None]
    accuracies = [steering.train_step(real, y).item() for _ in range(50)]
    assert accuracies[-1] == 1.0 and accuracies[0] < 1.0


def test_mlp_classifier_flattens_images():
    assert mlp_classifier((1, 4, 4), 3, hidden=(8,))(torch.zeros(5, 1, 4, 4)).shape == (5, 3)


def _trainer(**kwargs) -> Trainer:
    torch.manual_seed(0)
    config = TrainingConfig(noise_dim=4, epochs=6, batch_size=16, classifier_steering=0.5, **kwargs)
    return Trainer(MLPGenerator(4, 2, (3,), hidden=(8,)), MLPDiscriminator((3,), 2, hidden=(8,)),
                   get_loss("hinge"), config)


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    labels = torch.tensor([0] * 30 + [1] * 10)
    return torch.randn(40, 3, generator=torch.Generator().manual_seed(1)) + 2 * labels[:, None], labels


def test_an_interrupted_run_resumes_with_its_classifier_to_the_uninterrupted_weights(tmp_path):
    data, labels = _data()

    def stop_at_epoch_2(done: int, epochs: int, row: dict) -> None:
        if done == 2:
            raise KeyboardInterrupt

    interrupted = _trainer(checkpoint_dir=tmp_path, checkpoint_every=100)
    interrupted.callback = stop_at_epoch_2
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit(data, labels, 2)
    saved = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)
    assert set(saved["steering"]) == {"classifier", "opt", "scaler"}

    resumed = _trainer(checkpoint_dir=tmp_path, checkpoint_every=100)
    resumed.fit(data, labels, 2, resume=True)
    straight = _trainer()
    straight.fit(data, labels, 2)
    for module in ("generator", "discriminator"):
        for a, b in zip(getattr(resumed, module).state_dict().values(),
                        getattr(straight, module).state_dict().values()):
            assert torch.equal(a, b)
    for a, b in zip(resumed.steering.classifier.state_dict().values(),
                    straight.steering.classifier.state_dict().values()):
        assert torch.equal(a, b)


def test_a_trainer_refuses_steering_under_ddp_before_asking_for_a_process_group():
    config = TrainingConfig(noise_dim=4, epochs=1, batch_size=8, classifier_steering=1.0, strategy="ddp")
    with pytest.raises(ValueError, match="classifier_steering cannot be trained"):
        Trainer(MLPGenerator(4, 2, (3,), hidden=(8,)), MLPDiscriminator((3,), 2, hidden=(8,)), get_loss("hinge"),
                config)


SMALL = dict(epochs=100, batch_size=64, max_steps=400, noise_dim=8, generator_dims=(32, 32),
             discriminator_dims=(32, 32), device="cpu", random_state=0)


def _two_classes() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(300, 2)) + [-1.5, 0], rng.normal(size=(300, 2)) + [1.5, 0]])
    return X.astype(np.float32), np.array([0] * 300 + [1] * 300)


def test_steering_moves_a_class_s_draws_toward_the_other_class():
    # Two classes 3 standard deviations apart, the border at x = 0: the real class 0 has 7% of its rows past it.
    X, y = _two_classes()
    shares = {}
    for weight in (None, 0.3):
        gan = CGAN(**SMALL, classifier_steering=weight).fit(X, y)
        draws = gan.sample(2000, y=np.zeros(2000, dtype=int), random_state=0)
        shares[weight] = (draws[:, 0] > 0).mean()
    assert shares[0.3] > shares[None] + 0.1


def test_cgan_trains_with_the_term_when_asked_and_without_it_by_default():
    X, y = _two_classes()
    params = {**SMALL, "max_steps": 20}
    plain, same = CGAN(**params).fit(X, y), CGAN(**params, classifier_steering=None).fit(X, y)
    steered = CGAN(**params, classifier_steering=1.0).fit(X, y)
    assert plain.classifier_steering is None and plain.training_config_.classifier_steering is None
    assert steered.training_config_.classifier_steering == 1.0
    assert plain.history_ == same.history_
    assert steered.history_[-1]["g_loss"] != plain.history_[-1]["g_loss"]
    again = CGAN(**params, classifier_steering=1.0).fit(X, y)
    np.testing.assert_array_equal(steered.sample(5, random_state=0), again.sample(5, random_state=0))


def test_a_saved_model_keeps_its_steering_weight(tmp_path):
    X, y = _two_classes()
    CGAN(**{**SMALL, "max_steps": 5}, classifier_steering=0.7).fit(X, y).save(tmp_path / "m.pt")
    loaded = CGAN.load(tmp_path / "m.pt")
    assert loaded.classifier_steering == 0.7 and loaded.training_config_.classifier_steering == 0.7


def test_a_training_config_written_before_steering_existed_loads_without_it():
    values = TrainingConfig(noise_dim=4, epochs=2, batch_size=8).to_dict()
    del values["classifier_steering"]
    assert TrainingConfig.from_dict(values).classifier_steering is None


@pytest.mark.parametrize("weight", [0, -1.0, "big"])
def test_a_weight_that_is_not_positive_is_refused_by_name(weight):
    X, y = _two_classes()
    with pytest.raises((ValueError, TypeError), match="classifier_steering"):
        CGAN(**SMALL, classifier_steering=weight).fit(X, y)


def test_steering_under_ddp_is_refused_by_name_before_training():
    X, y = _two_classes()
    with pytest.raises(ValueError, match="classifier_steering=1.0 cannot be trained with strategy='ddp'"):
        CGAN(**SMALL, classifier_steering=1.0, strategy="ddp").fit(X, y)
