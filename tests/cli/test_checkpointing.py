"""--checkpoint-dir, --checkpoint-every and --resume on the command line: no silent fresh start."""

from __future__ import annotations

import pytest

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
