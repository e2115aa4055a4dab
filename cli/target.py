"""The target column: splitting it off a table, checking it, parsing ``--label``, putting it back."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from augan._validation import check_class_counts, check_labels
from augan.data.labels import LabelCodec


def split_target(frame: pd.DataFrame, target: str, source: Path) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    """Return the features, the target column and its classes.

    Raises
    ------
    ValueError
        If ``target`` is not a column, the table has no rows or no other column, or the target has
        missing values, a single class, or a class with fewer than 2 rows.
    """
    if target not in frame.columns:
        raise ValueError(f"{source} has no column {target!r}; its columns are: "
                         f"{', '.join(map(str, frame.columns))}.")
    if frame.shape[1] < 2:
        raise ValueError(f"{source} has no column besides the target {target!r}; there is nothing to model.")
    if len(frame) == 0:
        raise ValueError(f"{source} has no rows.")
    name = f"the target column {target!r}"
    y = frame[target]
    check_labels(y, name=name)
    labels = LabelCodec().fit(y)
    check_class_counts(labels.classes_, labels.counts_, name=name)
    return frame.drop(columns=[target]), y, labels.classes_


def parse_label(text: str, classes: np.ndarray) -> Any:
    """Return the class that ``--label text`` names, in the classes' own type (``"1"`` -> ``1``).

    Raises
    ------
    ValueError
        If ``text`` names none of ``classes``; the message lists them.
    """
    matches = [c for c in classes if str(c) == text]
    if not matches and classes.dtype.kind in "iuf":
        try:
            value = float(text)
        except ValueError:
            value = None
        matches = [c for c in classes if value is not None and c == value]
    if not matches:
        raise ValueError(f"--label {text!r} is not one of the classes: {', '.join(map(str, classes))}.")
    return matches[0]


def with_target(X: Any, y: Any, target: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """``X`` with ``y`` as the column ``target``, placed where it was in ``columns`` (else last)."""
    if not isinstance(X, pd.DataFrame):
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"the model generates arrays of shape {X.shape[1:]}, not table rows.")
        X = pd.DataFrame(X, columns=[str(i) for i in range(X.shape[1])])
    table = X.reset_index(drop=True)
    columns = list(columns) if columns is not None else []
    position = columns.index(target) if target in columns else table.shape[1]
    values = y.reset_index(drop=True) if isinstance(y, pd.Series) else np.asarray(y)
    table.insert(min(position, table.shape[1]), target, values)
    return table


def describe(y: Any) -> str:
    """``"173 rows (no: 3, yes: 170)"``: how many rows of each class ``y`` holds."""
    labels, counts = np.unique(np.asarray(y), return_counts=True)
    per_class = ", ".join(f"{label}: {count}" for label, count in zip(labels, counts))
    return f"{int(counts.sum())} rows ({per_class})"


def model_metadata(target: str, frame: pd.DataFrame) -> dict:
    """What a saved model keeps for ``augan sample``: the target's name and the table's column order."""
    return {"target": target, "columns": [str(c) for c in frame.columns]}
