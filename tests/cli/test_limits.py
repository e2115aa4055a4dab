"""Requests too large to produce, devices this machine lacks, and the remaining tracebacks all end in the one
line ``augan: error: ...`` (exit code 2), before any training; large tables are written in chunks."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from augan import CGAN
from augan.data.images import write_image_folder


def run_augan(*args: object, timeout: float = 120) -> subprocess.CompletedProcess:
    """The real command in a child process: ``python -m augan_cli ARGS``."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "augan_cli", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout)


def assert_one_line(done: subprocess.CompletedProcess, *phrases: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("augan: error: "), done.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]


@pytest.fixture
def no_training(monkeypatch):
    """Any training fails the test: the refusal must come first."""
    monkeypatch.setattr(CGAN, "fit", lambda *args, **kwargs: pytest.fail("trained before refusing"))


# ------------------------------------------------------------------------------ sizes
@pytest.mark.slow
def test_sample_of_more_rows_than_augan_draws_is_one_line(loans_model, tmp_path):
    out = tmp_path / "rows.csv"
    done = run_augan("sample", loans_model, "--n", 10**12, "--out", out, timeout=60)
    assert_one_line(done, "--n asks for 1,000,000,000,000 rows, more than augan draws at once")
    assert not out.exists()


@pytest.mark.parametrize("option, value, total", [("--n", 10**12, "1,000,000,000,000"),
                                                  ("--per-class", 10**12, "2,000,000,000,000")])
def test_generate_of_more_rows_than_augan_draws_is_refused_before_training(augan, loans, tmp_path, no_training,
                                                                         user_error, option, value, total):
    result = augan("generate", loans, "--target", "default", option, value, "--out", tmp_path / "rows.csv")
    user_error(result, f"{option} asks for {total} rows")


@pytest.mark.slow
def test_an_image_past_pillows_size_limit_is_one_line(tmp_path, png_header):
    root = write_image_folder(tmp_path / "digits", np.zeros((4, 8, 8), np.uint8), np.array(["a", "a", "b", "b"]))
    png_header(root / "b" / "huge.png", 20000, 20000)
    done = run_augan("generate", root, "--n", 5, "--out", tmp_path / "out", "--epochs", 1)
    assert_one_line(done, "huge.png is too large to read")


@pytest.mark.slow  # draws and writes a large table twice
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_large_draw_is_written_in_chunks_equal_to_one_draw(augan, loans_model, tmp_path, suffix):
    out = tmp_path / f"rows{suffix}"
    result = augan("sample", loans_model, "--n", 70_000, "--seed", 3, "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    gan = CGAN.load(loans_model, device="cpu")
    assert len(list(gan.iter_samples(70_000, random_state=3))) == 2, "the draw spans two chunks"
    X, y = gan.sample(70_000, return_y=True, random_state=3)
    expected = tmp_path / f"expected{suffix}"
    from augan_cli.files import write_table
    from augan_cli.target import with_target

    write_table(with_target(X, y, "default", gan.metadata_["columns"]), expected, overwrite=False)
    if suffix == ".csv":
        assert out.read_text() == expected.read_text()
    else:
        pd.testing.assert_frame_equal(pd.read_parquet(out), pd.read_parquet(expected))


# ---------------------------------------------------------------------------- devices
@pytest.mark.slow
@pytest.mark.parametrize("device", ["xpu", "hpu", "meta", "nonsense:3"])
def test_a_device_this_machine_lacks_is_one_line_naming_those_it_has(loans, tmp_path, device):
    out = tmp_path / "rows.csv"
    done = run_augan("generate", loans, "--target", "default", "--n", 5, "--out", out, "--device", device)
    assert_one_line(done, f"--device {device!r}", "this machine has: cpu")
    assert not out.exists()


def test_sample_on_a_device_this_machine_lacks_is_one_line(augan, loans_model, tmp_path, user_error):
    user_error(augan("sample", loans_model, "--n", 5, "--out", tmp_path / "rows.csv", "--device", "xpu"),
               "--device 'xpu'", "this machine has: cpu")


# ---------------------------------------------------------------- remaining tracebacks
@pytest.mark.slow
def test_parquet_list_and_struct_columns_are_one_line_naming_the_column(tmp_path):
    rng = np.random.default_rng(0)
    data = tmp_path / "nested.parquet"
    pd.DataFrame({"x": rng.normal(size=20), "tags": [[1, 2]] * 10 + [[3]] * 10,
                  "label": ["a", "b"] * 10}).to_parquet(data)
    done = run_augan("generate", data, "--target", "label", "--n", 5, "--out", tmp_path / "rows.csv")
    assert_one_line(done, "column 'tags' holds", "one number, string or boolean per cell")
    struct = tmp_path / "struct.parquet"
    pd.DataFrame({"x": rng.normal(size=20), "point": [{"a": 1, "b": 2.0}] * 20,
                  "label": ["a", "b"] * 10}).to_parquet(struct)
    assert_one_line(run_augan("generate", struct, "--target", "label", "--n", 5, "--out", tmp_path / "rows.csv"),
                    "column 'point' holds dict values")


@pytest.mark.slow
def test_a_full_stdout_is_one_line(loans_model, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = tmp_path / "rows.csv"
    for args in (["--version"], ["sample", loans_model, "--n", 5, "--out", out]):
        with open("/dev/full", "w") as full:
            done = subprocess.run([sys.executable, "-m", "augan_cli", *map(str, args)], stdout=full,
                                  stderr=subprocess.PIPE, text=True, env=env, timeout=120)
        assert_one_line(done, "cannot write to standard output: No space left on device")
    assert len(pd.read_csv(out)) == 5, "the table itself was written before the summary failed"


@pytest.mark.slow
def test_ctrl_c_while_starting_exits_130_with_one_line():
    # Ctrl-C arrives while torch is being imported: the seconds before any command runs.
    script = """
import os, signal, sys, runpy
class Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name == "torch":
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, Interrupt())
sys.argv = ["augan", "--version"]
runpy.run_module("augan_cli", run_name="__main__")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 130, done.stderr
    assert done.stderr.splitlines() == ["augan: interrupted while starting; nothing was done."], done.stderr


@pytest.mark.parametrize("args, phrase, help_", [
    (["generate", "data.csv", "--epochs", "abc"], "Invalid value for '--epochs'", "augan generate --help"),
    (["generate"], "Missing argument 'data'", "augan generate --help"),
    (["generate", "data.csv", "--nope", "1"], "No such option: --nope", "augan generate --help"),
    # Audit: an option given no value pointed at augan --help, as click makes no context for the command then.
    (["generate", "data.csv", "--out"], "Option '--out' requires an argument", "augan generate --help"),
    (["sample", "m.augan", "--n"], "Option '--n' requires an argument", "augan sample --help"),
    (["bogus"], "No such command 'bogus'", "augan --help"),
    (["--nope"], "No such option: --nope", "augan --help"),
])
def test_typers_own_usage_errors_are_one_line(augan, user_error, args, phrase, help_):
    user_error(augan(*args), phrase, f"(see {help_})")


@pytest.mark.slow
def test_a_usage_error_is_one_line_from_the_real_command():
    assert_one_line(run_augan("generate", "data.csv", "--epochs", "abc"), "Invalid value for '--epochs'")


def test_no_arguments_still_show_the_help(augan):
    result = augan()
    assert "Usage: augan" in result.stdout and "generate" in result.stdout


def test_a_model_file_with_edited_labels_is_one_line(augan, loans_model, tmp_path, user_error):
    import torch

    content = torch.load(loans_model, weights_only=True)
    content["labels"]["counts"] = content["labels"]["counts"][:1]
    edited = tmp_path / "edited.augan"
    torch.save(content, edited)
    user_error(augan("sample", edited, "--n", 5, "--out", tmp_path / "rows.csv"), "content is inconsistent",
               "each class needs one positive count")


def test_a_bad_size_names_the_option(augan, tmp_path, user_error, no_training):
    root = write_image_folder(tmp_path / "digits", np.zeros((4, 8, 8), np.uint8), np.array(["a", "a", "b", "b"]))
    user_error(augan("generate", root, "--n", 5, "--size", 0, "--out", tmp_path / "out"), "--size must be")


def test_a_bad_sample_seed_names_the_option(augan, loans_model, tmp_path, user_error):
    user_error(augan("sample", loans_model, "--n", 5, "--seed", -1, "--out", tmp_path / "rows.csv"),
               "--seed must be an integer between 0 and 4294967295, got -1.")
