"""augan.train.config: one frozen record of the training settings, from the estimator to the model file."""

import dataclasses

import numpy as np
import pytest

from augan import CGAN, persistence, storage
from augan.losses import get_loss
from augan.train import TrainingConfig


def test_a_config_is_frozen():
    config = TrainingConfig(noise_dim=4, epochs=2, batch_size=8)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.epochs = 3


def test_from_params_takes_the_training_parameters_and_resolves_n_critic():
    params = CGAN(epochs=7, batch_size=500, max_steps=None, betas=[0.1, 0.2], checkpoint_dir=None).get_params()
    config = TrainingConfig.from_params(params, get_loss("wasserstein"))
    assert (config.epochs, config.betas, config.n_critic, config.batch_size) == (7, (0.1, 0.2), 5, 500)
    assert TrainingConfig.from_params({**params, "n_critic": 2}, get_loss("wasserstein")).n_critic == 2


def test_auto_must_be_resolved_before_it_becomes_a_config():
    with pytest.raises(ValueError, match="resolve 'auto' with training_budget"):
        TrainingConfig.from_params(CGAN().get_params(), get_loss("hinge"))


def test_a_config_round_trips_through_plain_values():
    config = TrainingConfig(noise_dim=4, epochs=2, batch_size=8, betas=(0.0, 0.99), amp="bf16", ema_decay=None)
    assert TrainingConfig.from_dict(config.to_dict()) == config
    assert config.to_dict()["betas"] == [0.0, 0.99]


def test_a_floor_above_the_cap_is_refused_naming_both():
    with pytest.raises(ValueError, match=r"min_steps=20 must be at most max_steps=10"):
        TrainingConfig(noise_dim=4, epochs=2, batch_size=8, max_steps=10, min_steps=20)


def test_a_config_written_before_the_floor_reads_as_one_without_it():
    old = {k: v for k, v in TrainingConfig(noise_dim=4, epochs=2, batch_size=8, max_steps=600).to_dict().items()
           if k != "min_steps"}
    assert TrainingConfig.from_dict(old).min_steps is None


def test_from_dict_refuses_unknown_and_missing_fields():
    with pytest.raises(ValueError, match=r"no fields \['colour'\]"):
        TrainingConfig.from_dict({"noise_dim": 4, "epochs": 1, "batch_size": 8, "colour": "red"})
    with pytest.raises(ValueError, match="needs noise_dim, epochs and batch_size"):
        TrainingConfig.from_dict({"noise_dim": 4})


def _table():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], [30, 10])
    return rng.normal(size=(40, 3)) + y[:, None], y


def test_the_config_of_a_fit_round_trips_through_its_model_file(tmp_path, tiny):
    gan = CGAN(device="cpu", random_state=0, loss="wasserstein", **tiny).fit(*_table())
    assert gan.training_config_.n_critic == 5 and gan.training_config_.epochs == tiny["epochs"]
    gan.save(tmp_path / "m.augan")
    assert CGAN.load(tmp_path / "m.augan").training_config_ == gan.training_config_


def test_a_model_file_without_a_config_has_it_rebuilt_from_its_parameters(tmp_path, tiny):
    # Such files predate the shorter budget of two classes: every table then trained 600 steps, as three classes do.
    X, y = _table()
    gan = CGAN(device="cpu", random_state=0, **tiny).fit(X, np.where(np.arange(len(y)) % 4 == 0, 2, y))
    assert gan.training_config_.max_steps == 600
    content = persistence.model_content(gan, None)
    del content["training"]
    storage.save_model(tmp_path / "old.augan", content)
    assert CGAN.load(tmp_path / "old.augan").training_config_ == gan.training_config_
