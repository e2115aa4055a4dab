"""augan.train.lecam: the LeCam regularisation of the discriminator, and CGAN(lecam=...)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from augan import CGAN
from augan.losses import get_loss
from augan.nn.mlp import MLPDiscriminator, MLPGenerator
from augan.train import CHECKPOINT_NAME, Trainer, TrainingConfig
from augan.train.lecam import LeCam


def test_the_first_step_anchors_at_its_own_means_and_penalises_what_crosses_them():
    lecam = LeCam(2.0)
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([-1.0, 1.0])
    # anchors: real 2, fake 0; real above 0 by 1 and 3, fake below 2 by 3 and 1
    assert lecam(real, fake).item() == pytest.approx(2.0 * ((1 + 9) / 2 + (9 + 1) / 2))
    assert torch.equal(lecam.anchors, torch.tensor([2.0, 0.0]))


def test_scores_on_their_own_side_of_the_anchors_cost_nothing():
    # The term pulls real scores down to the fake anchor and fake scores up to the real one, nothing further.
    lecam = LeCam(1.0)
    lecam.anchors = torch.tensor([1.0, -1.0])
    assert lecam(torch.tensor([0.5]), torch.tensor([0.0])).item() > 0
    lecam.anchors = torch.tensor([1.0, -1.0])
    assert lecam(torch.tensor([-2.0]), torch.tensor([2.0])).item() == 0.0


def test_the_anchors_are_moving_averages_of_the_mean_scores():
    lecam = LeCam(1.0, decay=0.9)
    lecam(torch.tensor([1.0]), torch.tensor([0.0]))
    lecam(torch.tensor([11.0]), torch.tensor([-10.0]))
    torch.testing.assert_close(lecam.anchors, torch.tensor([0.9 * 1 + 0.1 * 11, 0.9 * 0 - 0.1 * 10]))


def test_restored_anchors_are_a_copy_on_the_device_asked():
    lecam = LeCam(1.0)
    lecam(torch.tensor([1.0]), torch.tensor([0.0]))
    restored = LeCam(1.0)
    restored.load_state_dict(lecam.state_dict(), torch.device("cpu"))
    assert torch.equal(restored.anchors, lecam.anchors) and restored.anchors is not lecam.anchors
    restored.load_state_dict({"anchors": None})
    assert restored.anchors is None


def test_the_term_trains_the_discriminator_only_through_the_scores():
    real = torch.tensor([3.0, 1.0], requires_grad=True)
    fake = torch.tensor([-1.0, 1.0], requires_grad=True)
    LeCam(1.0)(real, fake).backward()
    assert real.grad.abs().sum() > 0 and fake.grad.abs().sum() > 0


def _trainer(**kwargs) -> Trainer:
    torch.manual_seed(0)
    config = TrainingConfig(noise_dim=4, epochs=6, batch_size=16, lecam=0.5, **kwargs)
    return Trainer(MLPGenerator(4, 2, (3,), hidden=(8,)), MLPDiscriminator((3,), 2, hidden=(8,)),
                   get_loss("hinge"), config)


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    labels = torch.tensor([0] * 30 + [1] * 10)
    return torch.randn(40, 3, generator=torch.Generator().manual_seed(1)) + 2 * labels[:, None], labels


def test_an_interrupted_run_resumes_with_its_anchors_to_the_uninterrupted_weights(tmp_path):
    data, labels = _data()

    def stop_at_epoch_2(done: int, epochs: int, row: dict) -> None:
        if done == 2:
            raise KeyboardInterrupt

    interrupted = _trainer(checkpoint_dir=tmp_path, checkpoint_every=100)
    interrupted.callback = stop_at_epoch_2
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit(data, labels, 2)
    saved = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)
    assert torch.equal(saved["lecam"]["anchors"], interrupted.lecam.anchors)

    resumed = _trainer(checkpoint_dir=tmp_path, checkpoint_every=100)
    resumed.fit(data, labels, 2, resume=True)
    straight = _trainer()
    straight.fit(data, labels, 2)
    assert torch.equal(resumed.lecam.anchors, straight.lecam.anchors)
    for a, b in zip(resumed.discriminator.state_dict().values(), straight.discriminator.state_dict().values()):
        assert torch.equal(a, b)


def _table() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(80, 3)).astype(np.float32), np.array([0] * 60 + [1] * 20)


PARAMS = dict(epochs=3, batch_size=20, max_steps=None, noise_dim=4, generator_dims=(8,), discriminator_dims=(8,),
              device="cpu", random_state=0)


def test_cgan_trains_with_the_term_when_asked_and_without_it_by_default():
    X, y = _table()
    plain, same = CGAN(**PARAMS).fit(X, y), CGAN(**PARAMS, lecam=None).fit(X, y)
    regularised = CGAN(**PARAMS, lecam=1.0).fit(X, y)
    assert regularised.training_config_.lecam == 1.0 and plain.training_config_.lecam is None
    assert plain.history_ == same.history_
    assert regularised.history_[0]["d_loss"] != plain.history_[0]["d_loss"]
    np.testing.assert_array_equal(regularised.sample(5, random_state=0), CGAN(**PARAMS, lecam=1.0).fit(X, y)
                                  .sample(5, random_state=0))


def test_a_saved_model_keeps_its_lecam_weight(tmp_path):
    X, y = _table()
    CGAN(**PARAMS, lecam=0.3).fit(X, y).save(tmp_path / "m.pt")
    loaded = CGAN.load(tmp_path / "m.pt")
    assert loaded.lecam == 0.3 and loaded.training_config_.lecam == 0.3


def test_a_training_config_written_before_lecam_existed_loads_without_it():
    values = TrainingConfig(noise_dim=4, epochs=2, batch_size=8).to_dict()
    del values["lecam"]
    assert TrainingConfig.from_dict(values).lecam is None


@pytest.mark.parametrize("value", [0, -0.5, "strong"])
def test_a_bad_lecam_weight_is_refused_before_training(value):
    with pytest.raises((ValueError, TypeError), match="lecam"):
        CGAN(**PARAMS, lecam=value).fit(*_table())
