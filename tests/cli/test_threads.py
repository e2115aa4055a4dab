"""``--threads``: how many CPU threads torch may use for a command, on a machine other jobs may share."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("command", ["generate", "resample"])
def test_a_training_command_trains_on_the_threads_it_is_given(augan, numbers_csv, train_args, tmp_path, command,
                                                             restore_threads, monkeypatch):
    seen = []
    from augan.train import Trainer

    fit = Trainer.fit
    def counting_fit(self, *args, **kwargs):
        seen.append(torch.get_num_threads())
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "fit", counting_fit)
    torch.set_num_threads(2)
    extra = ["--n", "5"] if command == "generate" else []
    result = augan(command, numbers_csv, "--target", "label", "--out", tmp_path / "out.csv", "--threads", "1",
                   *extra, *train_args)
    assert result.exit_code == 0, result.output
    assert seen == [1]


def test_sample_draws_on_the_threads_it_is_given(augan, loans_model, tmp_path, restore_threads):
    torch.set_num_threads(2)
    result = augan("sample", loans_model, "--n", "7", "--out", tmp_path / "s.csv", "--threads", "1", "--quiet")
    assert result.exit_code == 0, result.output
    assert torch.get_num_threads() == 1


def test_without_the_option_torch_keeps_its_threads(augan, numbers_csv, train_args, tmp_path, restore_threads):
    torch.set_num_threads(2)
    assert augan("generate", numbers_csv, "--target", "label", "--n", "5", "--out", tmp_path / "out.csv",
                 *train_args).exit_code == 0
    assert torch.get_num_threads() == 2


@pytest.mark.parametrize("command", ["generate", "sample"])
def test_threads_below_one_are_refused_before_anything_is_drawn(augan, numbers_csv, loans_model, tmp_path, user_error,
                                                       command, restore_threads):
    out = tmp_path / "out.csv"
    args = (["generate", numbers_csv, "--target", "label", "--n", "5"] if command == "generate"
            else ["sample", loans_model, "--n", "5"])
    result = augan(*args, "--out", out, "--threads", "0", "--quiet")
    user_error(result, "--threads must be at least 1, got 0.")
    assert not out.exists()
