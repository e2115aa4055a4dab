"""Fixtures for the command-line tests: small tables on disk and the app called in-process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from augan_cli.main import app

LOANS = Path(__file__).resolve().parents[2] / "examples" / "data" / "loans.csv"


@pytest.fixture
def train_args() -> list[str]:
    """Options for a tiny, quiet, seeded training run."""
    return ["--epochs", "2", "--batch-size", "32", "--seed", "0", "--quiet"]


@pytest.fixture
def augan() -> Callable[..., Result]:
    """``augan(*args)`` runs the command line in-process and returns typer's Result."""
    runner = CliRunner()

    def invoke(*args: object) -> Result:
        return runner.invoke(app, [str(a) for a in args])

    return invoke


@pytest.fixture
def loans(tmp_path: Path) -> Path:
    """The first 200 rows of examples/data/loans.csv (mixed types, NaN; target 'default': 185 no, 15 yes)."""
    path = tmp_path / "loans.csv"
    pd.read_csv(LOANS).iloc[:200].to_csv(path, index=False)
    return path


@pytest.fixture
def numbers_csv(tmp_path: Path) -> Path:
    """A 100-row numeric table whose integer target 'label' sits in the middle: 80 rows of 0, 20 of 1."""
    rng = np.random.default_rng(0)
    label = np.repeat([0, 1], [80, 20])
    frame = pd.DataFrame({"x": rng.normal(size=100) + label, "label": label, "k": rng.integers(0, 5, 100)})
    path = tmp_path / "numbers.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def isolated_csv(tmp_path: Path) -> Callable[..., Path]:
    """``isolated_csv(minority=40)``: a CSV (target 'label') of classes a (60 rows) and b (``minority`` rows) in two
    clusters, and class c: 3 rows, each inside a or b, which ``--isolated-classes leave`` leaves alone."""
    def write(minority: int = 40) -> Path:
        rng = np.random.default_rng(3)
        X = np.r_[rng.normal(0, 1, (60, 2)), rng.normal(6, 1, (minority, 2)), [[0.1, -0.2], [6.2, 5.9], [0.3, 0.4]]]
        y = ["a"] * 60 + ["b"] * minority + ["c"] * 3
        path = tmp_path / "isolated.csv"
        pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], "label": y}).to_csv(path, index=False)
        return path

    return write


@pytest.fixture(scope="session")
def loans_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained once by ``augan fit`` on the 200-row loans slice (target 'default')."""
    folder = tmp_path_factory.mktemp("model")
    data = folder / "loans.csv"
    pd.read_csv(LOANS).iloc[:200].to_csv(data, index=False)
    result = CliRunner().invoke(app, ["fit", str(data), "--target", "default", "--model-out",
                                      str(folder / "loans.augan"), "--epochs", "2", "--batch-size", "32",
                                      "--seed", "0", "--quiet"])
    assert result.exit_code == 0, result.output
    return folder / "loans.augan"


def assert_user_error(result: Result, *phrases: str) -> None:
    """Exit code 2 and exactly one line on stderr, ``augan: error: ...``, holding every phrase."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("augan: error: "), lines[0]
    assert "Traceback" not in result.output
    for phrase in phrases:
        assert phrase in lines[0], lines[0]


@pytest.fixture
def user_error() -> Callable[..., None]:
    """The check that a command failed with one clear line (see :func:`assert_user_error`)."""
    return assert_user_error
