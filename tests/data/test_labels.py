import re

import numpy as np
import pandas as pd
import pytest

from augan.data.labels import LabelCodec, sample_request


@pytest.fixture
def codec():
    return LabelCodec().fit(np.array(["ok"] * 6 + ["fraud"] * 2 + ["spam"] * 2))


def test_classes_are_sorted_with_counts(codec):
    assert codec.classes_.tolist() == ["fraud", "ok", "spam"]
    assert codec.counts_.tolist() == [2, 6, 2]


def test_transform_and_inverse_round_trip(codec):
    labels = np.array(["spam", "ok", "fraud"])
    assert codec.inverse_transform(codec.transform(labels)).tolist() == labels.tolist()


def test_unseen_label_is_named_in_the_error(codec):
    with pytest.raises(ValueError, match="'nope'.*known classes"):
        codec.transform(["ok", "nope"])


def test_request_one_label(codec):
    assert sample_request(codec, 3, "fraud").tolist() == [0, 0, 0]


def test_request_dict_of_counts(codec):
    assert sorted(sample_request(codec, None, {"spam": 2, "ok": 1}).tolist()) == [1, 2, 2]


def test_request_array_of_labels(codec):
    assert sample_request(codec, None, ["ok", "spam"]).tolist() == [1, 2]


def test_request_without_labels_follows_training_proportions(codec):
    rows = sample_request(codec, 100, None)
    assert np.bincount(rows).tolist() == [20, 60, 20]


@pytest.mark.parametrize("n, y, error, message", [
    (0, None, ValueError, "positive"),
    (-3, "ok", ValueError, "positive"),
    (2.5, None, TypeError, "positive integer"),
    (None, None, TypeError, "n must be"),
    (3, ["ok", "spam"], ValueError, "disagrees"),
    (None, {}, ValueError, "asks for nothing"),
    (None, {"ok": 0}, ValueError, "positive"),
    (4, "unknown", ValueError, "never seen"),
    (None, {"ok", "spam"}, TypeError, "y must be a label, a sequence of labels or a dict"),
    (2, frozenset(["ok"]), TypeError, "got a frozenset"),
])
def test_bad_requests_are_refused(codec, n, y, error, message):
    with pytest.raises(error, match=message):
        sample_request(codec, n, y)


def test_integer_labels_state_round_trip():
    codec = LabelCodec().fit(np.array([3, 1, 3, 1, 7]))
    again = LabelCodec.from_state(codec.get_state())
    assert again.classes_.dtype == codec.classes_.dtype
    assert again.transform([7, 1]).tolist() == [2, 0]


@pytest.mark.parametrize(("classes", "request_", "shown"), [
    (np.array(["r", "c", "r"]), {"rx_typo": 3}, "'rx_typo'"),
    (np.array(["r", "c", "r"]), {"unknown": 5}, "'unknown'"),
    (np.array(["r", "c", "r"]), ["r", "rx_typo"], "'rx_typo'"),
    (np.array([0, 1, 1]), {1.7: 3}, "1.7"),
    (np.array([0, 1, 1]), {"1": 3}, "'1'"),
    (np.array([0, 1, 1]), [1.7], "1.7"),
    (np.array([0.5, 1.5]), {"0.5": 2}, "'0.5'"),
    # Audit: True asked for class 1, and 1 for class True, as Python counts them equal.
    (np.array([0, 1, 1]), {True: 3}, "True"),
    (np.array([0, 1, 1]), [np.True_], "True"),
    (np.array([0, 1, 1]), np.array([True]), "True"),
    (np.array([True, False, True]), {1: 3}, "1"),
    (np.array([True, False, True]), np.array([0]), "0"),
])
def test_a_label_is_never_cast_to_the_classes_dtype_before_it_is_checked(classes, request_, shown):
    codec = LabelCodec().fit(classes)
    with pytest.raises(ValueError, match=f"never seen in fit: {re.escape(shown)}; known classes"):
        sample_request(codec, None, request_)


@pytest.mark.parametrize("label", [1, 1.0, np.int64(1), np.float32(1.0), np.uint8(1)])
def test_equal_numbers_name_the_same_class(label):
    codec = LabelCodec().fit(np.array([0, 1, 1, 2]))
    assert sample_request(codec, None, {label: 2}).tolist() == [1, 1]
    assert sample_request(codec, 2, label).tolist() == [1, 1]
    assert codec.transform(np.array([label], dtype=object)).tolist() == [1]


def test_true_and_false_name_the_classes_true_and_false():
    codec = LabelCodec().fit(np.array([True, False, True]))
    assert sample_request(codec, None, {np.True_: 2, False: 1}).tolist() == [1, 1, 0]
    assert codec.transform(np.array([False], dtype=object)).tolist() == [0]


def test_numpy_and_python_strings_name_the_same_class():
    codec = LabelCodec().fit(pd.Series(["r", "c", "r"], dtype=object))
    assert sample_request(codec, None, {np.str_("r"): 2, "c": 1}).tolist() == [1, 1, 0]
    assert LabelCodec().fit(np.array(["r", "c"])).transform(pd.Series(["c"], dtype=object)).tolist() == [0]
