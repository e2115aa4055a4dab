"""The speed benchmark's timed fits."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import speed  # noqa: E402  (the benchmarks are scripts, not a package)


def test_the_timed_fit_records_every_epoch():
    record = speed.run_fit("augan", "numeric", 300, epochs=2, batch=100, sample_rows=50)
    assert record["steps_per_epoch"] == 3 and record["epochs"] == 2
    assert 0 < record["first_epoch_seconds"] <= record["fit_seconds"] - record["setup_seconds"]
