"""cli/target.py: the target column split off, --label typed like the classes, the column put back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from augan_cli.target import describe, parse_label, split_target, with_target


@pytest.mark.parametrize(("text", "classes", "expected"), [
    ("1", np.array([0, 1]), 1), ("1.0", np.array([0, 1]), 1), ("2.5", np.array([1.0, 2.5]), 2.5),
    ("yes", np.array(["no", "yes"], dtype=object), "yes"), ("True", np.array([False, True]), True)])
def test_label_takes_the_type_of_the_classes(text, classes, expected):
    label = parse_label(text, classes)
    assert label == expected
    assert type(label) is type(classes[0])


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
