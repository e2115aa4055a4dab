"""Class labels: the label codec and how many rows to draw per class."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from .._validation import check_draw_size, check_labels, check_positive_int, plain_value



class LabelCodec:
    """Map class labels to ``0..K-1`` and back.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The sorted distinct labels seen in ``fit``.
    counts_ : ndarray of shape (n_classes,)
        How many rows each class had.
    """

    def fit(self, y: Any) -> LabelCodec:
        y = check_labels(y)
        try:
            classes, counts = np.unique(y, return_counts=True)
        except TypeError as exc:
            raise TypeError("y mixes label types (e.g. numbers and strings); use one type for all labels.") from exc
        self.classes_ = classes
        self.counts_ = counts
        return self

    @property
    def n_classes(self) -> int:
        return len(self.classes_)

    def transform(self, y: Any, name: str = "y") -> np.ndarray:
        """Return the class index of each label; a label equal to none of ``classes_`` raises ``ValueError``.

        Labels match by value (``1``, ``1.0`` and ``np.int64(1)`` are one class), never after a cast to the
        classes' dtype, which would turn ``"rx_typo"`` into ``"r"`` or ``1.7`` into ``1``; True and False match
        only themselves, not 1 and 0.
        """
        arr = check_labels(y, name=name)
        if _same_kind(arr.dtype, self.classes_.dtype):
            index = np.clip(np.searchsorted(self.classes_, arr), 0, len(self.classes_) - 1)
            unseen = arr[self.classes_[index] != arr]
        else:
            lookup = {_key(c): i for i, c in enumerate(self.classes_)}
            index = np.array([lookup.get(_key(v), -1) for v in arr], dtype=np.int64)
            unseen = arr[index < 0]
        if unseen.size:
            names = ", ".join(sorted({repr(plain_value(v)) for v in unseen})[:5])
            raise ValueError(f"{name} holds label(s) never seen in fit: {names}; "
                             f"known classes: {self.classes_.tolist()}.")
        return index.astype(np.int64)

    def inverse_transform(self, index: np.ndarray) -> np.ndarray:
        return self.classes_[np.asarray(index, dtype=np.int64)]

    def get_state(self) -> dict:
        return {
            "classes": [plain_value(c) for c in self.classes_],
            "dtype": self.classes_.dtype.str if self.classes_.dtype.kind != "O" else "O",
            "counts": [int(c) for c in self.counts_],
        }

    @classmethod
    def from_state(cls, state: dict) -> LabelCodec:
        codec = cls()
        dtype = object if state["dtype"] == "O" else np.dtype(state["dtype"])
        codec.classes_ = np.array(state["classes"], dtype=dtype)
        codec.counts_ = np.array(state["counts"], dtype=np.int64)
        # The class index is a position in these arrays: they must pair up one to one.
        if codec.classes_.ndim != 1 or codec.counts_.shape != codec.classes_.shape or np.any(codec.counts_ < 1):
            raise ValueError(f"the label state pairs {len(state['classes'])} classes with the counts "
                             f"{state['counts']!r}; each class needs one positive count.")
        if len(codec.classes_) != len(set(map(plain_value, codec.classes_))):
            raise ValueError(f"the label state repeats a class: {state['classes']!r}.")
        return codec


def _same_kind(a: np.dtype, b: np.dtype) -> bool:
    """Whether labels of dtype ``a`` compare by value with classes of dtype ``b`` in numpy's sorted search."""
    return (a.kind in "iuf" and b.kind in "iuf") or a.kind == b.kind == "b" or (a.kind in "U" and b.kind in "U")


def _key(label: Any) -> tuple[bool, Any]:
    """``label`` as a key that matches by value, but True and False only each other (Python counts them as 1 and
    0)."""
    value = plain_value(label)
    return isinstance(value, bool), value


def sample_request(codec: LabelCodec, n: Any = None, y: Any = None) -> np.ndarray:
    """Turn the ``n`` / ``y`` arguments of ``sample`` into one class index per row to draw.

    Parameters
    ----------
    codec : LabelCodec
        The fitted label codec.
    n : int, optional
        How many rows. With ``y=None`` classes are drawn in their training proportions.
    y : label, array-like of labels, or dict {label: count}, optional
        One label (``n`` rows of it), the label of each row (``n`` may be omitted), or counts per label.

    Raises
    ------
    ValueError, TypeError
        If the request is inconsistent, asks for more rows than one draw may hold (see
        :func:`~augan._validation.check_draw_size`), or names a label not seen in ``fit``.
    """
    return np.repeat(*sample_runs(codec, n, y))


def sample_runs(codec: LabelCodec, n: Any = None, y: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`sample_request` as runs: ``(class index, rows)`` pairs that repeat to it, for draws too large to
    list row by row."""
    if isinstance(y, Mapping):
        if not y:
            raise ValueError("y={} asks for nothing; give at least one {label: count}.")
        counts = {label: check_positive_int(k, f"y[{label!r}]") for label, k in y.items()}
        total = check_draw_size(sum(counts.values()), "y")
        labels = np.empty(len(counts), dtype=object)  # as given: a cast to the classes' dtype would change them
        labels[:] = list(counts)
        index = codec.transform(labels, name="y")
        if n is not None and check_positive_int(n, "n") != total:
            raise ValueError(f"n={n} disagrees with y, which asks for {total} rows in all; give one of them.")
        return index, np.array(list(counts.values()), dtype=np.int64)
    if y is None:
        n = check_draw_size(check_positive_int(n, "n"))
        proportions = codec.counts_ / codec.counts_.sum()
        counts = np.floor(proportions * n).astype(np.int64)
        remainder = n - counts.sum()
        counts[np.argsort(-(proportions * n - counts), kind="stable")[:remainder]] += 1
        return np.arange(codec.n_classes), counts
    if np.ndim(y) == 0:
        if isinstance(y, Iterable) and not isinstance(y, (str, bytes, np.ndarray)):
            raise TypeError(f"y must be a label, a sequence of labels or a dict {{label: count}}, got a "
                            f"{type(y).__name__}; give a list (one label per row) or a dict (rows per label).")
        n = check_draw_size(check_positive_int(n, "n"))
        return codec.transform(np.array([y]), name="y"), np.array([n], dtype=np.int64)
    index = codec.transform(y, name="y")
    if n is not None and check_positive_int(n, "n") != len(index):
        raise ValueError(f"n={n} disagrees with y, which has {len(index)} labels; give one of them.")
    return index, np.ones(len(index), dtype=np.int64)


def run_chunks(index: np.ndarray, counts: np.ndarray, size: int) -> Iterator[np.ndarray]:
    """The rows ``np.repeat(index, counts)`` in consecutive chunks of ``size`` rows, never all at once."""
    ends = np.cumsum(counts)
    total = int(ends[-1]) if len(ends) else 0
    for start in range(0, total, size):
        stop = min(start + size, total)
        first, last = np.searchsorted(ends, start, side="right"), np.searchsorted(ends, stop - 1, side="right")
        runs = np.minimum(ends[first:last + 1], stop) - np.maximum(ends[first:last + 1] - counts[first:last + 1], start)
        yield np.repeat(index[first:last + 1], runs)
