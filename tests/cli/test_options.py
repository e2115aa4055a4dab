"""The CLI's defaults are the estimators' defaults: one source, checked here."""

from __future__ import annotations

import dataclasses
import numbers
from pathlib import Path

import pytest
import typer
from sklearn.utils._param_validation import Interval, StrOptions

from augan import CGAN, GANOversampler
from augan.losses import LOSSES
from augan_cli import options
from augan_cli.main import app
from augan_cli.training import Training

# CLI option -> estimator parameter it sets.
GAN_OPTIONS = {"epochs": "epochs", "batch_size": "batch_size", "max_steps": "max_steps", "loss": "loss",
               "device": "device", "seed": "random_state", "checkpoint_dir": "checkpoint_dir",
               "checkpoint_every": "checkpoint_every", "resume": "resume",
               "amp": "amp", "compile": "compile"}
TRAINING_COMMANDS = ["generate", "fit", "resample", "evaluate"]


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


@pytest.mark.parametrize("command", ["resample", "evaluate"])
def test_selection_default_equals_the_samplers(command):
    default = _params(command)["selection"].default
    assert options.parse_selection(default) == GANOversampler().get_params()["selection"]


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
    training = Training(epochs=3, batch_size=8, max_steps=30, loss="minimax", device="cpu", seed=5,
                        checkpoint_dir=Path("c"), checkpoint_every=4, resume=True, quiet=True)
    params = training.make_gan().get_params()
    assert {k: params[k] for k in ("epochs", "batch_size", "max_steps", "loss", "device", "random_state",
                                   "checkpoint_dir", "checkpoint_every", "resume", "verbose")} == {
        "epochs": 3, "batch_size": 8, "max_steps": 30, "loss": "minimax", "device": "cpu", "random_state": 5,
        "checkpoint_dir": "c", "checkpoint_every": 4, "resume": True, "verbose": False}


@pytest.mark.parametrize(("flags", "expected"), [(("--batch-size", "64", "--max-steps", "900"), (64, 900)),
                                                 (("--batch-size", "auto", "--max-steps", "none"), ("auto", None)),
                                                 (("--max-steps", "AUTO"), ("auto", "auto"))])
def test_budget_options_reach_the_gan_as_numbers_auto_or_none(augan, loans, tmp_path, monkeypatch, flags, expected):
    seen = {}

    def record(self, X, y):
        seen.update(self.get_params())
        raise ValueError("stop here")

    monkeypatch.setattr(CGAN, "fit", record)
    augan("generate", loans, "--target", "default", "--n", 3, "--out", tmp_path / "s.csv", *flags)
    assert (seen["batch_size"], seen["max_steps"]) == expected


def test_every_training_command_has_every_training_option():
    fields = {f.name for f in dataclasses.fields(Training) if f.init}
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


def _record_fit(monkeypatch) -> dict:
    seen = {}

    def record(self, X, y):
        seen.update(self.get_params())
        raise ValueError("stop here")

    monkeypatch.setattr(CGAN, "fit", record)
    return seen


def _as_if_started_by_torchrun(monkeypatch) -> None:
    from augan.distributed import TORCHRUN_VARIABLES

    for name in TORCHRUN_VARIABLES:
        monkeypatch.setenv(name, "0" if "RANK" in name else "1" if name == "WORLD_SIZE" else "localhost")


def test_gpu_flags_reach_the_estimator(augan, loans, tmp_path, monkeypatch):
    seen = _record_fit(monkeypatch)
    _as_if_started_by_torchrun(monkeypatch)
    result = augan("generate", loans, "--target", "default", "--n", 3, "--out", tmp_path / "s.csv", "--amp", "bf16",
                   "--compile", "--distributed", "--architecture", "mlp")
    assert result.exit_code == 2
    assert {k: seen[k] for k in ("amp", "compile", "strategy", "architecture")} == {
        "amp": "bf16", "compile": True, "strategy": "ddp", "architecture": "mlp"}


def test_without_distributed_there_is_no_strategy(augan, loans, tmp_path, monkeypatch):
    seen = _record_fit(monkeypatch)
    augan("fit", loans, "--target", "default", "--model-out", tmp_path / "m.augan")
    assert seen["strategy"] is None and seen["amp"] is None and seen["architecture"] == "mlp"


def test_bf16_trains_on_the_cpu(augan, numbers_csv, tmp_path):
    out = tmp_path / "s.csv"
    result = augan("generate", numbers_csv, "--target", "label", "--n", 4, "--out", out, "--amp", "bf16",
                   "--device", "cpu", "--epochs", 1, "--batch-size", 16, "--quiet")
    assert result.exit_code == 0, result.output
    assert out.exists()


@pytest.mark.parametrize(("flag", "phrases"), [(["--amp", "fp16"], ["fp16", "CUDA"]),
                                               (["--amp", "fp8"], ["amp", "fp8"]),
                                               (["--architecture", "dcgan"], ["dcgan", "mlp"])])
def test_bad_training_flags_fail_with_one_line(augan, user_error, numbers_csv, tmp_path, flag, phrases):
    out = tmp_path / "s.csv"
    result = augan("generate", numbers_csv, "--target", "label", "--n", 4, "--out", out, "--device", "cpu",
                   "--epochs", 1, "--batch-size", 16, "--quiet", *flag)
    user_error(result, *phrases)
    assert not out.exists()


def test_fp16_off_a_gpu_is_refused_before_the_data_is_read(augan, user_error, numbers_csv, tmp_path, monkeypatch):
    import augan_cli.generate

    monkeypatch.setattr(augan_cli.generate, "read_training_data", lambda *a: pytest.fail("read the data first"))
    result = augan("generate", numbers_csv, "--target", "label", "--n", 4, "--out", tmp_path / "s.csv", "--device",
                   "cpu", "--amp", "fp16")
    user_error(result, "--amp fp16", "CUDA", "--amp bf16 or --amp none")
    assert "None" not in result.stderr


def test_torchrun_without_distributed_is_refused_before_the_data_is_read(augan, user_error, numbers_csv, tmp_path,
                                                                          monkeypatch):
    import augan_cli.generate

    _as_if_started_by_torchrun(monkeypatch)
    monkeypatch.setattr(augan_cli.generate, "read_training_data", lambda *a: pytest.fail("read the data first"))
    user_error(augan("generate", numbers_csv, "--target", "label", "--n", 4, "--out", tmp_path / "s.csv"),
               "torchrun", "--distributed")


def test_distributed_without_torchrun_is_refused_by_the_options_name_before_the_data_is_read(
        augan, user_error, numbers_csv, tmp_path, monkeypatch):
    import augan_cli.generate
    from augan.distributed import TORCHRUN_VARIABLES

    for name in TORCHRUN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(augan_cli.generate, "read_training_data", lambda *a: pytest.fail("read the data first"))
    result = augan("generate", numbers_csv, "--target", "label", "--n", 4, "--out", tmp_path / "s.csv",
                   "--distributed")
    user_error(result, "--distributed", "torchrun --nproc-per-node 2 -m augan_cli")
    assert "strategy=" not in result.stderr


def test_only_the_main_process_writes_and_prints(augan, numbers_csv, tmp_path, monkeypatch):
    monkeypatch.setattr("augan_cli.generate.is_main_process", lambda: False)
    out = tmp_path / "s.csv"
    result = augan("generate", numbers_csv, "--target", "label", "--n", 4, "--out", out, "--epochs", 1,
                   "--batch-size", 16)
    assert result.exit_code == 0, result.output
    assert not out.exists()
    assert result.stdout == ""


class _Estimator:
    _parameter_constraints = {
        "share": [Interval(numbers.Real, 0, 1, closed="both")],
        "count": [Interval(numbers.Integral, 1, None, closed="left")],
        "rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "decay": [Interval(numbers.Real, 0, 1, closed="neither"), None],
        "name": [StrOptions({"up", "down"})],
        "steps": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "seed": ["random_state"],
    }


@pytest.mark.parametrize(("parameter", "value", "message"), [
    ("share", 1.5, "--x must be between 0 and 1, got 1.5."),
    ("count", 0, "--x must be a positive integer, got 0."),
    ("rate", 0.0, "--x must be a number above 0, got 0.0."),
    ("decay", 1.0, "--x must be a number in (0, 1), got 1.0."),
    ("name", "c", "--x must be down or up, got c."),
    ("steps", 0, "--x must be a positive integer or auto, got 0."),
    ("seed", -1, "--x must be an integer between 0 and 4294967295, got -1."),
])
def test_an_option_outside_its_parameters_constraint_is_one_line_naming_the_option(parameter, value, message,
                                                                                    capsys):
    with pytest.raises(typer.Exit) as exit_info:
        options.check_option("--x", value, _Estimator, parameter)
    assert exit_info.value.exit_code == 2
    assert capsys.readouterr().err == f"augan: error: {message}\n"


def test_none_is_named_by_the_word_the_option_takes_for_it(capsys):
    with pytest.raises(typer.Exit):
        options.check_option("--x", 0, _Estimator, "steps", none="none")
    assert capsys.readouterr().err == "augan: error: --x must be a positive integer, auto or none, got 0.\n"


@pytest.mark.parametrize(("parameter", "value"), [("share", 0), ("share", 1.0), ("count", 3), ("decay", None)])
def test_an_option_inside_its_parameters_constraint_is_returned(parameter, value):
    assert options.check_option("--x", value, _Estimator, parameter) == value


def test_smote_share_is_checked_by_the_samplers_own_constraint(augan, loans, train_args, tmp_path, user_error,
                                                               monkeypatch):
    monkeypatch.setitem(GANOversampler._parameter_constraints, "smote_share",
                        [Interval(numbers.Real, 0, 0.5, closed="both")])
    monkeypatch.setattr(GANOversampler, "fit_resample", lambda *a: pytest.fail("resampled before refusing"))
    user_error(augan("resample", loans, "--target", "default", "--smote-share", "0.7", "--out", tmp_path / "r.csv",
                     *train_args), "--smote-share must be between 0 and 0.5, got 0.7")
