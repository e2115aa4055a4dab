"""The target column: splitting it off a table, checking it, parsing ``--label``, putting it back."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from imblearn.utils import check_sampling_strategy

from augan._validation import check_class_counts, check_labels, check_positive_int
from augan.data.labels import LabelCodec

from .csv_text import labels_rows
from .files import read_table


def check_target_name(target: str | None) -> None:
    """Refuse (``ValueError``) an empty ``--target`` (None, not given, passes)."""
    if target == "":
        raise ValueError("--target must name a column of the table, got an empty name.")


def split_target(frame: pd.DataFrame, target: str, source: Path) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    """Return the features, the target column and its classes.

    Raises
    ------
    ValueError
        If ``target`` is not a column, the table has no rows or no other column, or the target has
        missing values, a single class, or a class with fewer than 2 rows.
    """
    check_target_name(target)
    if target not in frame.columns:
        one = str(frame.columns[0]) if frame.shape[1] == 1 else ""
        separator = next((s for s in ";\t|" if s in one and target in one.split(s)), None)
        hint = (f" Its header holds {target!r} between {separator!r}: save the file with commas between the "
                f"columns.") if separator else ""
        raise ValueError(f"{source} has no column {target!r}; its columns are: "
                         f"{', '.join(map(str, frame.columns))}.{hint}")
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


def read_training_table(data: Path, target: str, categorical: Sequence[str] = ()
                        ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, np.ndarray]:
    """Read the table ``data`` and split off its ``target``: the table, the features, the target, its classes.

    The target (labels are names, even when they look like numbers: ``007``) and the ``categorical``
    columns of a CSV are read as text, so they come back as written.

    Raises
    ------
    ValueError
        If ``categorical`` names the target or a column the table does not have, or :func:`split_target`
        refuses the table.
    """
    frame = read_table(data, text_columns=[target, *categorical])
    for name in categorical:
        if name == target:
            raise ValueError(f"--categorical names the target column {target!r}, which is the class column "
                             f"(categorical already); name feature columns only.")
        if name not in frame.columns:
            raise ValueError(f"--categorical names {name!r}, which is not a column of {data}; its columns are: "
                             f"{', '.join(map(str, frame.columns))}.")
    return (frame, *split_target(frame, target, data))


def parse_label(text: str, classes: np.ndarray) -> Any:
    """Return the class that ``--label text`` names, in the classes' own type (``"1"`` -> ``1``).

    Raises
    ------
    ValueError
        If ``text`` names none of ``classes``; the message lists them.
    """
    matches = [c for c in classes if str(c) == text]
    if not matches:  # the same letters in another Unicode form: a folder named on macOS (NFD), typed as NFC
        matches = [c for c in classes if _nfc(str(c)) == _nfc(text)]
    if not matches and classes.dtype.kind in "iuf":
        try:
            value = float(text)
        except ValueError:
            value = None
        matches = [c for c in classes if value is not None and c == value]
    if not matches:
        raise ValueError(f"--label {text!r} is not one of the classes: {', '.join(map(str, classes))}.")
    return matches[0]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def as_classes(y: Any, classes: np.ndarray) -> np.ndarray:
    """A table's labels, read as text, named as ``classes`` name them (``"1"`` -> ``1``), as ``--label`` is.

    When a label names none of ``classes``, ``y`` is returned as it is, for the caller's check to refuse.
    """
    y = np.asarray(y, dtype=object)
    texts, codes = np.unique(y.astype(str), return_inverse=True)
    named = np.empty(len(texts), dtype=classes.dtype if classes.dtype.kind != "U" else object)
    for k, text in enumerate(texts):
        try:
            named[k] = parse_label(text, classes)
        except ValueError:
            return y
    return named[codes.ravel()]


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


def with_index(table: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """``table`` whose first rows, the original ones, get back their labels in ``index``; the synthetic rows
    after them get a missing label (``<NA>``, ``NaT``, ``NaN``), since no row of the input is theirs. pandas'
    default index (a RangeIndex 0, 1, 2..., as a file without an index column reads) is no label: ``table`` keeps
    its own."""
    if not labels_rows(index):
        return table
    dtype = "Int64" if pd.api.types.is_integer_dtype(index.dtype) else index.dtype
    missing = pd.Index([None] * (len(table) - len(index)), dtype=dtype)
    return table.set_axis(pd.Index(index, dtype=dtype).append(missing).rename(index.name), axis=0)


def describe(y: Any, noun: str = "rows") -> str:
    """``"173 rows (no: 3, yes: 170)"``: how many rows (or other ``noun``) of each class ``y`` holds."""
    labels, counts = np.unique(np.asarray(y), return_counts=True)
    return describe_counts(dict(zip(labels.tolist(), counts.tolist())), noun)


def describe_counts(counts: Mapping[Any, int], noun: str = "rows") -> str:
    """:func:`describe` of the rows counted per class in ``counts``."""
    per_class = ", ".join(f"{label}: {counts[label]}" for label in sorted(counts))
    total = sum(counts.values())
    return f"{total} {noun.removesuffix('s') if total == 1 else noun} ({per_class})"



def model_metadata(target: str, frame: pd.DataFrame) -> dict:
    """What a saved model keeps for ``augan sample``: the target's name and the table's column order."""
    return {"target": target, "columns": [str(c) for c in frame.columns]}


def require_target(target: str | None, data: Path) -> str:
    """Return ``--target``, which a table needs (image folders and .npz files carry their labels)."""
    if not Path(data).exists():
        raise FileNotFoundError(f"no such file or folder: {data}")
    if target is None:
        raise ValueError(f"{data} is a table; name its class column with --target.")
    return target


def draw_request(y: Any, n: int | None, label: str | None, balance: bool, per_class: int | None,
                 classes: np.ndarray) -> dict | Any:
    """What to ask :meth:`~augan.CGAN.sample` for, from exactly one of ``--n``, ``--balance``, ``--per-class``.

    Returns the ``y`` argument of ``sample``: a {class: count} dict, a single class (with ``--label``), or None
    (``--n`` rows in the training proportions).

    Raises
    ------
    ValueError
        If none or several of them are given, a count is not positive, ``--label`` comes without ``--n``, or
        ``--balance`` finds the classes already balanced.
    """
    given = [name for name, value in (("--n", n), ("--balance", balance or None), ("--per-class", per_class))
             if value is not None]
    if not given:
        raise ValueError("say how many rows to draw: --n N, --per-class N, or --balance for as many as balance "
                         "the classes.")
    if len(given) > 1:
        raise ValueError(f"give one of --n, --per-class and --balance, not {'both ' if len(given) == 2 else ''}"
                         f"{' and '.join(given)}.")
    if label is not None and n is None:
        raise ValueError(f"--label goes with --n; {given[0]} draws rows of every class.")
    for option, value in (("--n", n), ("--per-class", per_class)):
        if value is not None:
            check_positive_int(value, option)
    if per_class is not None:
        return {c: per_class for c in classes}
    if balance:
        request = {c: int(k) for c, k in check_sampling_strategy("auto", y, "over-sampling").items() if k > 0}
        if not request:
            raise ValueError("the classes are already balanced; use --n or --per-class to draw rows anyway.")
        return request
    return parse_label(label, classes) if label is not None else None
