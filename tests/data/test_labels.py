import numpy as np
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
])
def test_bad_requests_are_refused(codec, n, y, error, message):
    with pytest.raises(error, match=message):
        sample_request(codec, n, y)


def test_integer_labels_state_round_trip():
    codec = LabelCodec().fit(np.array([3, 1, 3, 1, 7]))
    again = LabelCodec.from_state(codec.get_state())
    assert again.classes_.dtype == codec.classes_.dtype
    assert again.transform([7, 1]).tolist() == [2, 0]
