"""The speed benchmark's whole-default-fit comparison: augan's default fit measured, CTGAN's estimated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import speed  # noqa: E402  (the benchmarks are scripts, not a package)


def _ctgan(batch: int = 500) -> dict:
    return {"method": "ctgan", "batch": batch, "setup_seconds": 10.0, "first_epoch_seconds": 3.0,
            "epoch_seconds": 2.0}


def test_ctgan_default_fit_is_setup_first_epoch_and_the_later_epochs_at_their_mean():
    assert speed.ctgan_default_fit_seconds(_ctgan()) == 10.0 + 3.0 + 299 * 2.0
    assert speed.ctgan_default_fit_seconds(_ctgan(), epochs=1) == 13.0


def test_the_row_sets_the_measured_default_fit_beside_the_estimate():
    default = {"fit_seconds": 6.1, "epochs": 300, "steps_per_epoch": 2}
    assert speed.default_fit_row("numeric 100", default, _ctgan()) == ["numeric 100", 600, 6.1, 611.0, "100x"]


@pytest.mark.parametrize("ctgan", [None, {"error": "timed out"}, _ctgan(batch=256)])
def test_no_estimate_without_a_ctgan_fit_at_its_default_batch(ctgan):
    row = speed.default_fit_row("numeric 100", {"fit_seconds": 6.1, "epochs": 300, "steps_per_epoch": 2}, ctgan)
    assert row == ["numeric 100", 600, 6.1, None, None]


def test_a_failed_default_fit_shows_its_error():
    assert speed.default_fit_row("t", {"error": "exit 1: boom"}, _ctgan()) == ["t", None, "exit 1: boom", None, None]


def test_the_default_fit_runs_cgan_at_every_default():
    record = speed.run_fit(speed.DEFAULT_FIT, "numeric", 300, epochs=3, batch=500, sample_rows=50)
    # CGAN's defaults for the benchmark's numeric table of two classes: 300 epochs of one step of 128 rows.
    assert record["epochs"] == 300 and record["batch"] is None
    assert record["steps_per_epoch"] * record["epochs"] == 300
    assert record["fit_seconds"] >= record["setup_seconds"] > 0


def test_the_timed_fit_records_every_epoch():
    record = speed.run_fit("augan", "numeric", 300, epochs=2, batch=100, sample_rows=50)
    assert record["steps_per_epoch"] == 3 and record["epochs"] == 2
    assert 0 < record["first_epoch_seconds"] <= record["fit_seconds"] - record["setup_seconds"]


def test_a_subprocess_peak_memory_is_its_own_not_the_parents():
    # ru_maxrss survives fork and exec: a fit's subprocess reported its parent's 5.3 GB peak (2026-12-06).
    # The child imports what this process imported (about 700 MB with torch), so the parent holds 800 MB more:
    # with 400 MB the margin over the assertion's 300 MB was 100 MB.
    held = np.ones(100_000_000)  # 800 MB touched in this process
    code = f"import sys; sys.path.insert(0, {str(Path(speed.__file__).parent)!r}); import speed; " \
           "print(speed._peak_rss_mb())"
    child = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert held.sum() > 0 and speed._peak_rss_mb() > 400
    assert 0 < child < speed._peak_rss_mb() - 300
