"""The CLI's defaults are the estimators' defaults: one source, checked here."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import typer

from augan import CGAN, GANOversampler
from augan.losses import LOSSES
from augan_cli import options
from augan_cli.main import app
from augan_cli.training import Training

# CLI option -> estimator parameter it sets.
GAN_OPTIONS = {"epochs": "epochs", "batch_size": "batch_size", "loss": "loss", "device": "device",
               "seed": "random_state", "checkpoint_dir": "checkpoint_dir", "resume": "resume"}
TRAINING_COMMANDS = ["generate", "fit", "resample"]


def _params(command: str) -> dict:
    return {p.name: p for p in typer.main.get_command(app).commands[command].params}


@pytest.mark.parametrize("command", TRAINING_COMMANDS)
def test_training_defaults_equal_the_estimators(command):
    params = _params(command)
    estimator = CGAN().get_params()
    assert {name: params[name].default for name in GAN_OPTIONS} == {
        name: estimator[param] for name, param in GAN_OPTIONS.items()}


def test_sample_device_default_equals_the_estimators():
    assert _params("sample")["device"].default == CGAN().get_params()["device"]


def test_resample_strategy_default_equals_the_samplers():
    assert _params("resample")["strategy"].default == GANOversampler().get_params()["sampling_strategy"]


def test_defaults_reach_the_estimator(augan, loans, tmp_path, monkeypatch):
    seen = {}

    def record(self, X, y):
        seen.update(self.get_params())
        raise ValueError("stop here")

    monkeypatch.setattr(CGAN, "fit", record)
    result = augan("generate", loans, "--target", "default", "--n", 3, "--out", tmp_path / "s.csv")
    assert result.exit_code == 2
    expected = CGAN().get_params()
    assert {k: seen[k] for k in GAN_OPTIONS.values()} == {k: expected[k] for k in GAN_OPTIONS.values()}
    assert seen["verbose"] is True


def test_training_options_configure_the_gan():
    training = Training(epochs=3, batch_size=8, loss="minimax", device="cpu", seed=5, checkpoint_dir=Path("c"),
                        resume=True, quiet=True)
    params = training.make_gan().get_params()
    assert {k: params[k] for k in ("epochs", "batch_size", "loss", "device", "random_state", "checkpoint_dir",
                                   "resume", "verbose")} == {
        "epochs": 3, "batch_size": 8, "loss": "minimax", "device": "cpu", "random_state": 5, "checkpoint_dir": "c",
        "resume": True, "verbose": False}


def test_every_training_command_has_every_training_option():
    fields = {f.name for f in dataclasses.fields(Training)}
    for command in TRAINING_COMMANDS:
        assert fields <= set(_params(command))


def test_loss_help_lists_every_registered_loss():
    help_text = _params("generate")["loss"].help
    assert all(name in help_text for name in LOSSES)


@pytest.mark.parametrize(("text", "strategy"), [("auto", "auto"), ("minority", "minority"),
                                                 ("not-majority", "not majority"), ("not majority", "not majority"),
                                                 ("not-minority", "not minority"), ("all", "all"), ("0.75", 0.75)])
def test_strategy_is_read_as_imbalanced_learn_spells_it(text, strategy):
    assert options.parse_strategy(text) == strategy
