"""cli/main.py: the app, its commands, and the installed ``augan`` console script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from augan import __version__


def test_no_arguments_shows_the_commands(augan):
    result = augan()
    for command in ("generate", "fit", "sample", "resample", "evaluate"):
        assert command in result.output


def test_version_prints_the_package_version(augan):
    result = augan("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"augan {__version__}"


def _console_script() -> str:
    beside_python = Path(sys.executable).parent / "augan"
    return str(beside_python) if beside_python.exists() else shutil.which("augan")


@pytest.mark.slow  # a subprocess that imports augan
def test_installed_console_script_generates_a_csv(loans, tmp_path):
    out = tmp_path / "synthetic.csv"
    script = _console_script()
    assert script, "the augan console script is not installed (pip install -e .)"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run([script, "generate", str(loans), "--target", "default", "--n", "25", "--label", "yes",
                           "--epochs", "2", "--batch-size", "32", "--seed", "0", "--out", str(out)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"wrote 25 rows (yes: 25) to {out}" in done.stdout
    synthetic = pd.read_csv(out)
    assert list(synthetic.columns) == list(pd.read_csv(loans).columns)
    assert synthetic["default"].tolist() == ["yes"] * 25
    assert "Traceback" not in done.stderr


@pytest.mark.slow  # a subprocess that imports augan, and its CSV worker processes
def test_a_draw_of_several_chunks_is_written_by_worker_processes_from_a_command_process(loans, loans_model,
                                                                                       tmp_path):
    # From the second chunk of 65,536 rows on, worker processes format the CSV (from 4 cores; here 2 are asked
    # for): started from the command's process, they must find augan_cli and answer every chunk.
    out = tmp_path / "draw.csv"
    command = ("import sys; import augan_cli.files as files; files._csv_workers = lambda: 2; "
               "from augan_cli.main import app; app(prog_name='augan')")
    done = subprocess.run([sys.executable, "-c", command, "sample", str(loans_model), "--n", "140000", "--seed", "0",
                           "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("wrote 140000 rows") == 1 and "Traceback" not in done.stderr
    assert "warning" not in done.stderr  # no worker stopped
    text = out.read_text()
    assert text.count("\n") == 140001 and text.count(text.splitlines()[0]) == 1  # one header, every row
    synthetic = pd.read_csv(out)
    assert len(synthetic) == 140000 and list(synthetic.columns) == list(pd.read_csv(loans).columns)
