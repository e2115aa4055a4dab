"""cli/target.py: the target column split off, --label typed like the classes, the column put back."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata

import numpy as np
import pandas as pd
import pytest

from augan import CGAN
from augan_cli.target import describe, describe_counts, parse_label, split_target, with_target


@pytest.mark.parametrize(("text", "classes", "expected"), [
    ("1", np.array([0, 1]), 1), ("1.0", np.array([0, 1]), 1), ("2.5", np.array([1.0, 2.5]), 2.5),
    ("yes", np.array(["no", "yes"], dtype=object), "yes"), ("True", np.array([False, True]), True)])
def test_label_takes_the_type_of_the_classes(text, classes, expected):
    label = parse_label(text, classes)
    assert label == expected
    assert type(label) is type(classes[0])


def test_a_label_typed_in_another_unicode_form_names_its_class():
    # A class folder named on macOS holds "été" decomposed (NFD); a keyboard types it composed (NFC).
    decomposed, composed = unicodedata.normalize("NFD", "été"), unicodedata.normalize("NFC", "été")
    assert decomposed != composed
    classes = np.array(["a", decomposed], dtype=object)
    assert parse_label(composed, classes) == decomposed
    assert parse_label(decomposed, np.array(["a", composed], dtype=object)) == composed


@pytest.mark.parametrize(("text", "classes"), [("2", np.array([0, 1])), ("Yes", np.array(["no", "yes"], dtype=object)),
                                               ("one", np.array([0, 1]))])
def test_unknown_label_lists_the_classes(text, classes):
    with pytest.raises(ValueError, match=", ".join(map(str, classes))):
        parse_label(text, classes)


def test_split_target_returns_features_labels_and_classes():
    frame = pd.DataFrame({"a": [1, 2, 3, 4], "y": ["p", "q", "p", "q"], "b": [0.1, 0.2, 0.3, 0.4]})
    X, y, classes = split_target(frame, "y", "t.csv")
    assert list(X.columns) == ["a", "b"]
    assert y.tolist() == ["p", "q", "p", "q"]
    assert classes.tolist() == ["p", "q"]


def test_with_target_puts_the_column_back_where_it_was():
    X = pd.DataFrame({"a": [1, 2], "b": [3, 4]}, index=[7, 9])
    table = with_target(X, np.array(["p", "q"], dtype=object), "y", ["a", "y", "b"])
    assert list(table.columns) == ["a", "y", "b"]
    assert table["y"].tolist() == ["p", "q"]
    assert list(with_target(X, [0, 1], "y").columns) == ["a", "b", "y"]


def test_describe_counts_each_class():
    assert describe(np.array(["b", "a", "b"], dtype=object)) == "3 rows (a: 1, b: 2)"
    assert describe_counts({"b": 1}, "images") == "1 image (b: 1)"
    assert describe_counts({"b": 1}) == "1 row (b: 1)"


ZIPS = ["02134", "02139", "01001", "10001", "94105", "60601"]


@pytest.fixture
def codes_csv(tmp_path):
    """150 rows: ZIP codes with leading zeros, a numeric-looking branch code, cents, labels '007' and '010'."""
    rng = np.random.default_rng(0)
    path = tmp_path / "codes.csv"
    pd.DataFrame({"zip": rng.choice(ZIPS, 150), "branch": rng.choice([101, 205, 309, 412], 150),
                  "amount": np.round(rng.lognormal(6, 1, 150), 2), "label": np.repeat(["007", "010"], [120, 30])},
                 ).to_csv(path, index=False)
    return path


@pytest.mark.slow
def test_codes_and_categorical_columns_come_back_as_written_through_the_installed_cli(codes_csv, tmp_path):
    out = tmp_path / "synthetic.csv"
    done = subprocess.run([sys.executable, "-m", "augan_cli", "generate", str(codes_csv), "--target", "label",
                           "--categorical", "branch", "--n", "80", "--epochs", "2", "--batch-size", "32",
                           "--seed", "0", "--quiet", "--out", str(out)],
                          capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=120)
    assert done.returncode == 0, done.stderr
    written, read = pd.read_csv(out, dtype=str), pd.read_csv(codes_csv, dtype=str)
    assert len(written) == 80
    for name in ("zip", "branch", "label"):
        assert set(written[name]) <= set(read[name]), name  # codes are categories: none invented, none as 7
    assert written["zip"].nunique() > 1 and set(written["label"]) == {"007", "010"}


@pytest.mark.parametrize(("value", "phrases"), [
    ("branch,nope", ["--categorical", "'nope'", "zip, branch, amount, label"]),
    ("label", ["--categorical", "target column 'label'"]),
    ("zip,,branch", ["--categorical", "separated by commas", "'zip,,branch'"]),
])
def test_bad_categorical_option_is_one_line_before_training(augan, user_error, codes_csv, tmp_path, monkeypatch,
                                                             value, phrases):
    monkeypatch.setattr(CGAN, "fit", lambda self, X, y: pytest.fail("trained before refusing --categorical"))
    user_error(augan("generate", codes_csv, "--target", "label", "--n", 5, "--categorical", value,
                     "--out", tmp_path / "s.csv"), *phrases)


def test_categorical_option_is_refused_for_images(augan, user_error, tmp_path, monkeypatch):
    images = tmp_path / "digits.npz"
    np.savez(images, X=np.zeros((4, 8, 8), dtype=np.uint8), y=np.array([0, 0, 1, 1]))
    monkeypatch.setattr(CGAN, "fit", lambda self, X, y: pytest.fail("trained before refusing --categorical"))
    user_error(augan("generate", images, "--n", 5, "--categorical", "zip", "--out", tmp_path / "s.npz"),
               "--categorical", "images")
