"""Requests too large to produce, devices this machine lacks, and the remaining tracebacks all end in the one
line ``augan: error: ...`` (exit code 2), before any training; large tables are written in chunks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
