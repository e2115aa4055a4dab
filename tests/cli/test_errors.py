"""Every user mistake is one line on stderr (``augan: error: ...``), exit code 2, no traceback, no file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from augan import CGAN
from augan.losses import LOSSES, Hinge
from augan.train import CHECKPOINT_NAME, TrainingDivergedError


def _file(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def _generate(data: Path, *options: object) -> list:
    return ["generate", data, "--target", "default", *options]


# Each case: (arguments from (folder, loans.csv, out), phrases the error line must hold).
CASES = {
    "missing file": (lambda d, loans, out: _generate(d / "nope.csv", "--n", 5, "--out", out),
                     ["no such file", "nope.csv"]),
    "folder as input": (lambda d, loans, out: _generate(d, "--n", 5, "--out", out), ["--target", "subfolders"]),
    "unknown column": (lambda d, loans, out: ["generate", loans, "--target", "class", "--n", 5, "--out", out],
                       ["no column 'class'", "age, income, loan_amount"]),
    "one class": (lambda d, loans, out: _generate(_file(d, "one.csv", "x,default\n1,a\n2,a\n3,a\n"), "--n", 5,
                                                  "--out", out), ["single class", "'a'"]),
    "class with one row": (lambda d, loans, out: _generate(_file(d, "few.csv", "x,default\n1,a\n2,a\n3,b\n"),
                                                           "--n", 5, "--out", out), ["at least 2 rows", "'b'"]),
    "missing labels": (lambda d, loans, out: _generate(_file(d, "nan.csv", "x,default\n1,a\n2,\n3,b\n4,b\n"),
                                                       "--n", 5, "--out", out), ["missing label"]),
    "binary garbage": (lambda d, loans, out: _generate(_file(d, "g.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256))),
                                                       "--n", 5, "--out", out), ["g.csv", "UTF-8"]),
    "latin-1 csv": (lambda d, loans, out: _generate(_file(d, "l.csv", "name,default\ncaf\xe9,a\n".encode("latin-1")),
                                                    "--n", 5, "--out", out), ["l.csv", "not UTF-8", "0xe9"]),
    "ragged csv": (lambda d, loans, out: _generate(_file(d, "r.csv", "a,default\n1,2\n3,4,5,6\n"), "--n", 5,
                                                   "--out", out), ["not a readable CSV"]),
    "empty csv": (lambda d, loans, out: _generate(_file(d, "e.csv", ""), "--n", 5, "--out", out), ["empty"]),
    "header only": (lambda d, loans, out: _generate(_file(d, "h.csv", "x,default\n"), "--n", 5, "--out", out),
                    ["no rows"]),
    "target only": (lambda d, loans, out: _generate(_file(d, "t.csv", "default\na\na\nb\nb\n"), "--n", 5,
                                                    "--out", out), ["nothing to model"]),
    "garbage parquet": (lambda d, loans, out: _generate(_file(d, "g.parquet", "not parquet"), "--n", 5, "--out",
                                                        out), ["not a readable Parquet"]),
    "unknown input type": (lambda d, loans, out: _generate(_file(d, "t.xlsx", "x"), "--n", 5, "--out", out),
                           ["'.xlsx'", ".csv, .parquet, .pq"]),
    "unknown output type": (lambda d, loans, out: _generate(loans, "--n", 5, "--out", d / "s.json"),
                            ["'.json'", ".csv, .parquet, .pq"]),
    "missing output folder": (lambda d, loans, out: _generate(loans, "--n", 5, "--out", d / "no" / "s.csv"),
                              ["does not exist"]),
    "n is zero": (lambda d, loans, out: _generate(loans, "--n", 0, "--out", out), ["--n", "positive", "0"]),
    "n is negative": (lambda d, loans, out: _generate(loans, "--n", -4, "--out", out), ["--n", "positive", "-4"]),
    "n and balance": (lambda d, loans, out: _generate(loans, "--n", 5, "--balance", "--out", out),
                      ["--n", "--balance", "not both"]),
    "neither n nor balance": (lambda d, loans, out: _generate(loans, "--out", out), ["--n", "--balance"]),
    "label and balance": (lambda d, loans, out: _generate(loans, "--balance", "--label", "yes", "--out", out),
                          ["--label"]),
    "unknown label": (lambda d, loans, out: _generate(loans, "--n", 5, "--label", "maybe", "--out", out),
                      ["'maybe'", "no, yes"]),
    "unknown loss": (lambda d, loans, out: _generate(loans, "--n", 5, "--loss", "lsgan", "--out", out),
                     ["'lsgan'", "hinge", "minimax", "nonsaturating", "wasserstein", "wgan-gp"]),
    "same out and model": (lambda d, loans, out: _generate(loans, "--n", 5, "--out", out, "--model-out", out),
                           ["--out", "--model-out"]),
    "already balanced": (lambda d, loans, out: _generate(_file(d, "b.csv", "x,default\n1,a\n2,a\n3,b\n4,b\n"),
                                                         "--balance", "--out", out), ["already balanced"]),
    "bad strategy": (lambda d, loans, out: ["resample", loans, "--target", "default", "--strategy", "most",
                                            "--out", out], ["'most'", "auto, minority, not-majority"]),
    "strategy adds nothing": (lambda d, loans, out: ["resample", loans, "--target", "default", "--strategy",
                                                     "0.01", "--out", out], ["ratio"]),
    "missing model": (lambda d, loans, out: ["sample", d / "none.augan", "--n", 3, "--out", out],
                      ["no model file", "none.augan"]),
    "not a model": (lambda d, loans, out: ["sample", loans, "--n", 3, "--out", out], ["not a readable augan model"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_user_error_is_one_line_before_any_training(case, augan, loans, tmp_path, monkeypatch, user_error):
    def must_not_train(self, X, y):
        raise AssertionError("the command trained before refusing its input")

    monkeypatch.setattr(CGAN, "fit", must_not_train)
    make_args, phrases = CASES[case]
    out = tmp_path / "out.csv"
    user_error(augan(*make_args(tmp_path, loans, out)), *phrases)
    assert not out.exists()
    assert list(tmp_path.glob(".*.tmp")) == []


def test_existing_output_is_refused_before_training_and_left_alone(augan, loans, tmp_path, monkeypatch,
                                                                   user_error):
    monkeypatch.setattr(CGAN, "fit", lambda self, X, y: pytest.fail("trained before refusing the output"))
    out = tmp_path / "s.csv"
    out.write_text("keep me\n")
    user_error(augan(*_generate(loans, "--balance", "--out", out)), "already exists; pass --overwrite to replace it")
    assert out.read_text() == "keep me\n"


@pytest.mark.parametrize(("option", "value", "phrase"), [("--epochs", "0", "--epochs must be"),
                                                         ("--batch-size", "1", "--batch-size must be"),
                                                         ("--max-steps", "0", "--max-steps must be"),
                                                         ("--batch-size", "big", "--batch-size takes a whole number"),
                                                         ("--max-steps", "1e9", "--max-steps takes a whole number"),
                                                         ("--device", "tpu:9", "--device 'tpu:9'"),
                                                         ("--seed", "-1", "--seed must be")])
def test_bad_training_setting_is_one_line(augan, loans, tmp_path, option, value, phrase, user_error):
    out = tmp_path / "s.csv"
    user_error(augan(*_generate(loans, "--n", 5, option, value, "--out", out)), phrase)
    assert not out.exists()


def _images(folder: Path, *sides: int) -> Path:
    """``folder`` with classes a and b of two gray PNGs each, the second ``sides[-1]`` px, the first ``sides[0]``."""
    for label in "ab":
        (folder / label).mkdir(parents=True)
        for k, side in enumerate((sides[0], sides[-1])):
            Image.fromarray(np.zeros((side, side), np.uint8)).save(folder / label / f"{k}.png")
    return folder


def _three_classes(folder: Path) -> Path:
    return _file(folder, "three.csv", "x,default\n" + "".join(f"{k},{c}\n" for k, c in enumerate("aaaaaabbbccc")))


# Given after the options of a case, so it may set none of them: the last value given wins.
QUICK = ["--epochs", "1", "--device", "cpu", "--quiet"]

# Each case: (arguments from (folder, loans.csv, out), phrases the error line must hold, Python spellings it must
# not): the error speaks of the command line's options and of values they take.
IN_CLI_WORDS = {
    "fp16 on the cpu": (lambda d, loans, out: _generate(loans, "--n", 3, "--out", out, "--amp", "fp16"),
                        ["--amp fp16 needs a CUDA GPU", "--amp bf16 or --amp none"], ["amp=", "None"]),
    "unknown amp": (lambda d, loans, out: _generate(loans, "--n", 3, "--out", out, "--amp", "int8"),
                    ["--amp must be bf16, fp16 or none, got int8."], ["str among"]),
    "checkpoint every 0": (lambda d, loans, out: _generate(loans, "--n", 3, "--out", out, "--checkpoint-every", 0),
                           ["--checkpoint-every must be a positive integer, got 0."], ["checkpoint_every"]),
    "max steps 0": (lambda d, loans, out: _generate(loans, "--n", 3, "--out", out, "--max-steps", 0),
                    ["--max-steps must be a positive integer, auto or none, got 0."], ["str among", "None"]),
    "batch size 1": (lambda d, loans, out: _generate(loans, "--n", 3, "--out", out, "--batch-size", 1),
                     ["--batch-size must be an integer of at least 2 or auto, got 1."], ["str among"]),
    "negative seed": (lambda d, loans, out: _generate(loans, "--n", 3, "--out", out, "--seed", -1),
                      ["--seed must be an integer between 0 and 4294967295, got -1."], ["RandomState", "None"]),
    "more folds than rows": (lambda d, loans, out: ["evaluate", loans, "-t", "default", "--report", d / "r.json",
                                                    "--cv", 30], ["--cv 30", "'yes' has 15", "--cv must be at most 15"],
                             ["cv=", "smaller cv"]),
    "strategy above 1": (lambda d, loans, out: ["resample", loans, "-t", "default", "--out", out, "--strategy",
                                                1.5], ["--strategy", "1.5", "a float in (0, 1]", "minority"],
                         ["sampling_strategy"]),
    "strategy below the ratio": (lambda d, loans, out: ["resample", loans, "-t", "default", "--out", out,
                                                        "--strategy", 0.01], ["--strategy 0.01", "ratio", "0.081"],
                                 ["sampling_strategy", "Please"]),
    "float strategy for three classes": (lambda d, loans, out: ["resample", _three_classes(d), "-t", "default",
                                                                "--out", out, "--strategy", 0.5],
                                         ["--strategy 0.5", "two classes", "3"], ["sampling_strategy", "dict"]),
    "mixed sizes": (lambda d, loans, out: ["generate", _images(d / "mixed", 8, 9), "--per-class", 2, "--out",
                                           d / "o"], ["differ in size", "--size 64"], ["(height, width)", "size="]),
    "too large for dcgan": (lambda d, loans, out: ["generate", _images(d / "big", 100), "--per-class", 2, "--out",
                                                   d / "o"], ["--size 64", "--architecture 'mlp'"],
                            ["read_image_folder", "size="]),
    "image output extension": (lambda d, loans, out: ["generate", _images(d / "small", 8), "--per-class", 2,
                                                      "--out", d / "o.txt"], ["'.txt'", "a folder", "or .npz"],
                               ["one of .npz, ."]),
}


@pytest.mark.parametrize("case", list(IN_CLI_WORDS))
def test_errors_speak_of_the_options_and_their_values(case, augan, loans, tmp_path, user_error):
    make_args, phrases, python_words = IN_CLI_WORDS[case]
    out = tmp_path / "out.csv"
    result = augan(*make_args(tmp_path, loans, out), *QUICK)
    user_error(result, *phrases)
    assert not any(word in result.stderr for word in python_words), result.stderr
    assert not out.exists() and not (tmp_path / "o").exists()


@pytest.mark.parametrize("amp", ["None", "none"])
def test_amp_none_the_fp16_error_advises_trains_in_full_precision(augan, numbers_csv, tmp_path, monkeypatch, amp):
    seen = {}

    def record(self, X, y):
        seen.update(self.get_params())
        raise ValueError("stop here")

    monkeypatch.setattr(CGAN, "fit", record)
    augan("generate", numbers_csv, "--target", "label", "--n", 3, "--out", tmp_path / "s.csv", "--amp", amp)
    assert seen["amp"] is None


def test_infinite_values_are_one_line(augan, tmp_path, user_error):
    data = _file(tmp_path, "inf.csv", "x,default\n1,a\ninf,a\n3,b\n4,b\n")
    user_error(augan(*_generate(data, "--n", 5, "--out", tmp_path / "s.csv")), "'x'", "infinite")


def _interrupt_at_the_second_step(monkeypatch) -> list[str]:
    """Options that train with a registered loss whose second generator step raises Ctrl-C's exception."""
    class HingeInterrupted(Hinge):
        name = "hinge-interrupted"
        steps = 0

        def generator_loss(self, fake):
            type(self).steps += 1
            if type(self).steps == 2:
                raise KeyboardInterrupt
            return super().generator_loss(fake)

    monkeypatch.setitem(LOSSES, HingeInterrupted.name, HingeInterrupted)
    return ["--loss", HingeInterrupted.name]


def test_ctrl_c_exits_130_naming_the_checkpoint_and_resume_continues(augan, loans, train_args, tmp_path,
                                                                     monkeypatch):
    out, checkpoints = tmp_path / "s.csv", tmp_path / "checkpoints"
    args = _generate(loans, "--n", 5, "--out", out, "--checkpoint-dir", checkpoints, *train_args,
                     *_interrupt_at_the_second_step(monkeypatch))
    result = augan(*args)
    assert result.exit_code == 130
    assert result.stderr.splitlines() == [
        f"augan: interrupted; training state saved in {checkpoints / CHECKPOINT_NAME} "
        f"(run again with --resume to continue)."]
    assert (checkpoints / CHECKPOINT_NAME).exists()
    assert not out.exists()
    resumed = augan(*args, "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert len(pd.read_csv(out)) == 5


def test_ctrl_c_without_checkpoint_dir_says_nothing_was_kept(augan, loans, train_args, tmp_path, monkeypatch):
    out = tmp_path / "s.csv"
    result = augan(*_generate(loans, "--n", 5, "--out", out, *train_args, *_interrupt_at_the_second_step(monkeypatch)))
    assert result.exit_code == 130
    assert result.stderr.splitlines() == [
        "augan: interrupted; nothing was written (pass --checkpoint-dir to keep the training state)."]
    assert not out.exists()


def test_diverged_training_is_one_line(augan, loans, tmp_path, monkeypatch, user_error):
    def diverge(self, X, y):
        raise TrainingDivergedError("training diverged at epoch 3: the d_loss became nan.")

    monkeypatch.setattr(CGAN, "fit", diverge)
    user_error(augan(*_generate(loans, "--n", 5, "--out", tmp_path / "s.csv")), "diverged at epoch 3")


def test_a_bug_is_not_disguised_as_a_user_error(augan, loans, train_args, tmp_path, monkeypatch):
    def broken(self, *args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(CGAN, "sample", broken)
    monkeypatch.setattr(CGAN, "iter_samples", broken)
    result = augan(*_generate(loans, "--n", 5, "--out", tmp_path / "s.csv", *train_args))
    assert result.exit_code == 1
    assert isinstance(result.exception, RuntimeError)
    assert "augan: error" not in result.stderr


def test_failed_write_leaves_no_partial_file(augan, loans, train_args, tmp_path, monkeypatch, user_error):
    from augan_cli import files

    def half_written(frame, path):
        Path(path).write_text("age,inc")
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(files._CHUNK_WRITERS, ".csv", half_written)  # generate writes its table in chunks
    folder = tmp_path / "out"
    folder.mkdir()
    user_error(augan(*_generate(loans, "--n", 5, "--out", folder / "s.csv", *train_args)), "No space left")
    assert list(folder.iterdir()) == []


def test_ctrl_c_in_sample_says_nothing_was_written_without_naming_an_option_it_lacks(augan, loans_model, tmp_path,
                                                                                     monkeypatch):
    # Audit: it said "pass --checkpoint-dir to keep the training state"; sample trains nothing and has no such option.
    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(CGAN, "iter_samples", interrupted)
    monkeypatch.setattr(CGAN, "sample", interrupted)
    out = tmp_path / "s.csv"
    result = augan("sample", loans_model, "--n", 5, "--out", out)
    assert result.exit_code == 130
    assert result.stderr.splitlines() == ["augan: interrupted; nothing was written."]
    assert not out.exists()


@pytest.mark.parametrize("command", ["generate", "resample"])
def test_a_table_output_that_is_a_folder_is_called_a_folder(augan, user_error, loans, train_args, tmp_path, command):
    # Audit: "cannot write a 'file without extension' file".
    (tmp_path / "d1").mkdir()
    options = ["--balance"] if command == "generate" else []
    user_error(augan(command, loans, "--target", "default", *options, "--out", tmp_path / "d1", *train_args),
               f"{tmp_path / 'd1'} is a folder; give a file name.")
