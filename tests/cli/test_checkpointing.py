"""--checkpoint-dir, --checkpoint-every and --resume on the command line: no silent fresh start."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from augan import CGAN
from augan.train import CHECKPOINT_NAME, Trainer


@pytest.mark.slow  # trains for many epochs
def test_checkpoint_every_sets_how_often_checkpoints_are_written(augan, loans, train_args, tmp_path, monkeypatch):
    saved = []
    save = Trainer.save_checkpoint

    def recording(self):
        saved.append(self.epoch)
        save(self)

    monkeypatch.setattr(Trainer, "save_checkpoint", recording)
    result = augan("fit", loans, "-t", "default", "--model-out", tmp_path / "m.augan", "--checkpoint-dir",
                   tmp_path / "checkpoints", *train_args, "--epochs", 4, "--checkpoint-every", 2)
    assert result.exit_code == 0, result.output
    assert saved == [2, 4, 4]


def test_resume_from_an_empty_folder_says_it_trains_from_scratch(augan, loans, train_args, tmp_path):
    (tmp_path / "checkpoints").mkdir()
    result = augan("fit", loans, "-t", "default", "--model-out", tmp_path / "m.augan", "--checkpoint-dir",
                   tmp_path / "checkpoints", "--resume", *train_args)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"augan: warning: resume: the checkpoint folder {tmp_path / 'checkpoints'} holds no {CHECKPOINT_NAME}; "
        f"training starts from scratch."]
    assert CGAN.load(tmp_path / "m.augan").history_[-1]["epoch"] == 2


def test_resume_from_a_folder_that_does_not_exist_is_refused_before_training(augan, user_error, loans, train_args,
                                                                            tmp_path, monkeypatch):
    monkeypatch.setattr(CGAN, "fit", lambda self, X, y: pytest.fail("trained from scratch"))
    user_error(augan("fit", loans, "-t", "default", "--model-out", tmp_path / "m.augan", "--checkpoint-dir",
                     tmp_path / "chekpoints", "--resume", *train_args), "no checkpoint folder", "chekpoints",
               "--resume")
    assert not (tmp_path / "chekpoints").exists() and not (tmp_path / "m.augan").exists()


COMMANDS = {
    "fit": lambda loans, tmp: ["fit", loans, "-t", "default", "--model-out", tmp / "m.augan"],
    "generate": lambda loans, tmp: ["generate", loans, "-t", "default", "--n", 3, "--out", tmp / "s.csv"],
    "resample": lambda loans, tmp: ["resample", loans, "-t", "default", "--out", tmp / "s.csv"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]], ids=["", "--overwrite"])
def test_a_file_of_the_users_in_the_checkpoint_folder_is_refused_before_training(
        augan, user_error, loans, train_args, tmp_path, monkeypatch, command, overwrite):
    monkeypatch.setattr(CGAN, "fit", lambda self, X, y: pytest.fail("trained before refusing"))
    checkpoint = tmp_path / "mymodels" / CHECKPOINT_NAME
    checkpoint.parent.mkdir()
    checkpoint.write_text("MY OWN PRECIOUS CHECKPOINT")
    result = augan(*COMMANDS[command](loans, tmp_path), "--checkpoint-dir", checkpoint.parent, *overwrite,
                   *train_args)
    user_error(result, "--checkpoint-dir", str(checkpoint))
    if overwrite:
        assert "did not write" in result.stderr
    else:
        assert "--resume" in result.stderr and "--overwrite" in result.stderr
    assert checkpoint.read_text() == "MY OWN PRECIOUS CHECKPOINT"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loans.csv", "mymodels"]


def test_overwrite_replaces_the_checkpoint_of_an_earlier_run(augan, user_error, loans, train_args, tmp_path):
    checkpoints = tmp_path / "checkpoints"
    first = augan("fit", loans, "-t", "default", "--model-out", tmp_path / "m.augan", "--checkpoint-dir",
                  checkpoints, *train_args, "--epochs", 3)
    assert first.exit_code == 0, first.output
    earlier = (checkpoints / CHECKPOINT_NAME).read_bytes()
    again = ["fit", loans, "-t", "default", "--model-out", tmp_path / "again.augan", "--checkpoint-dir", checkpoints,
             *train_args]
    user_error(augan(*again), "already holds", "--resume")
    assert (checkpoints / CHECKPOINT_NAME).read_bytes() == earlier
    replaced = augan(*again, "--overwrite")
    assert replaced.exit_code == 0, replaced.output
    assert torch.load(checkpoints / CHECKPOINT_NAME, weights_only=True)["epoch"] == 2
    assert CGAN.load(tmp_path / "again.augan").history_[-1]["epoch"] == 2
    assert [p.name for p in checkpoints.iterdir()] == [CHECKPOINT_NAME]


def _earlier_run(augan, loans, train_args, tmp_path) -> tuple[Path, bytes]:
    """A checkpoint folder holding the checkpoint of a finished 3-epoch ``augan fit`` run, and its bytes."""
    checkpoints = tmp_path / "checkpoints"
    first = augan("fit", loans, "-t", "default", "--model-out", tmp_path / "first.augan", "--checkpoint-dir",
                  checkpoints, *train_args, "--epochs", 3)
    assert first.exit_code == 0, first.output
    return checkpoints, (checkpoints / CHECKPOINT_NAME).read_bytes()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_overwrite_keeps_the_earlier_checkpoint_when_the_run_stops_before_saving_one(
        augan, loans, train_args, tmp_path, monkeypatch, command):
    # Before, --overwrite removed the earlier run's checkpoint first: Ctrl-C before the first step lost it.
    checkpoints, earlier = _earlier_run(augan, loans, train_args, tmp_path)

    def interrupted(self, X, y):
        raise KeyboardInterrupt

    monkeypatch.setattr(CGAN, "fit", interrupted)
    (tmp_path / "again").mkdir()
    result = augan(*COMMANDS[command](loans, tmp_path / "again"), "--checkpoint-dir", checkpoints, "--overwrite",
                   *train_args)
    assert result.exit_code == 130, result.output
    assert result.stderr.splitlines() == [
        f"augan: interrupted; this run saved no training state; the earlier run's checkpoint "
        f"{checkpoints / CHECKPOINT_NAME} is kept."]
    assert (checkpoints / CHECKPOINT_NAME).read_bytes() == earlier
    assert [p.name for p in checkpoints.iterdir()] == [CHECKPOINT_NAME]


def test_overwrite_keeps_the_checkpoint_of_a_run_that_saved_one_and_then_failed(augan, loans, train_args, tmp_path,
                                                                                monkeypatch):
    checkpoints, earlier = _earlier_run(augan, loans, train_args, tmp_path)

    def disk_full(self, *args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(CGAN, "save", disk_full)
    result = augan("fit", loans, "-t", "default", "--model-out", tmp_path / "again.augan", "--checkpoint-dir",
                   checkpoints, "--overwrite", *train_args)
    assert result.exit_code == 2 and "No space left on device" in result.stderr, result.output
    assert torch.load(checkpoints / CHECKPOINT_NAME, weights_only=True)["epoch"] == 2  # this run's, to --resume
    assert [p.name for p in checkpoints.iterdir()] == [CHECKPOINT_NAME]


def test_resample_that_adds_rows_only_to_isolated_classes_keeps_the_earlier_checkpoint(augan, train_args, tmp_path,
                                                                                      isolated_csv):
    # Before, the checkpoint was removed and then the command failed: nothing replaced it.
    data, checkpoints = isolated_csv(minority=60), tmp_path / "checkpoints"
    args = ["resample", data, "--target", "label", "--out", tmp_path / "r.csv", "--checkpoint-dir", checkpoints,
            *train_args]
    first = augan(*args, "--isolated-classes", "oversample")
    assert first.exit_code == 0, first.output
    earlier = (checkpoints / CHECKPOINT_NAME).read_bytes()
    result = augan(*args, "--overwrite")
    assert result.exit_code == 2 and "adds rows only to class(es) c" in result.stderr, result.output
    assert (checkpoints / CHECKPOINT_NAME).read_bytes() == earlier
    assert [p.name for p in checkpoints.iterdir()] == [CHECKPOINT_NAME]
