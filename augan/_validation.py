"""Input checks shared by every entry point.

Each check raises ``ValueError`` or ``TypeError`` with a message that names the
argument and says what is wrong, so that bad input never reaches torch.
"""

from __future__ import annotations

import numbers
import os
import re
from collections.abc import Mapping, Sized
from typing import Any

import numpy as np
import pandas as pd


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an ``int`` if it is a positive integer, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r} of type {type(value).__name__}.")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value}.")
    return int(value)


# The most rows one draw may ask for: at ~1 µs a row a larger draw would run for hours, and its row index
# alone (8 bytes a row) would pass 8 GB.
MAX_DRAW_ROWS = 10**9


def check_bool(value: Any, name: str) -> bool:
    """Return ``value`` as a bool if it is one (Python's or numpy's), else raise ``TypeError`` naming ``name``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {short_repr(value)} of type {type(value).__name__}.")
    return bool(value)


def check_draw_size(n_rows: int, name: str = "n", bytes_per_row: int | None = None, asked: str | None = None) -> int:
    """Return ``n_rows`` if one draw can produce that many rows, else raise ``ValueError`` naming ``name``.

    A draw holds at most :data:`MAX_DRAW_ROWS` rows; with ``bytes_per_row`` (what each row takes while the
    draw is held in memory) it must also fit in the memory available now. ``asked`` says what ``name`` asked
    for when that is not the ``n_rows`` drawn (the message reads "``name`` asks for ``asked``, more than ...").
    """
    if n_rows > MAX_DRAW_ROWS:
        raise ValueError(f"{name} asks for {asked or f'{n_rows:,} rows'}, more than augan draws at once "
                         f"({MAX_DRAW_ROWS:,}); draw fewer rows, in several runs if needed.")
    if bytes_per_row is not None:
        check_fits_in_memory(n_rows * bytes_per_row, f"{name} asks for {n_rows:,} rows",
                             "draw fewer at once, in several runs if needed (from Python, CGAN.iter_samples "
                             "draws in chunks)")
    return n_rows


def check_fits_in_memory(n_bytes: int, request: str, advice: str) -> None:
    """Raise ``ValueError`` if ``n_bytes`` is more than the memory available now (where the system says).

    The message reads "``request``, which take ... to hold in memory, more than the ... available; ``advice``.":
    ``request`` names the argument and what it asks for, ``advice`` what to do instead.
    """
    available = available_memory()
    if available is not None and n_bytes > available:
        raise ValueError(f"{request}, which take {format_bytes(n_bytes)} to hold in memory, more than the "
                         f"{format_bytes(available)} available; {advice}.")


def draw_bytes_per_row(values_per_row: int) -> int:
    """Bytes one drawn row of ``values_per_row`` numbers takes while a draw is held in memory: the
    generator's float32 output, the float64 copy the codec decodes from, the decoded values and the label."""
    return 20 * values_per_row + 8


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation now (None where the system does not say)."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def format_bytes(n: float) -> str:
    """``n`` bytes as ``"7.28 TiB"``."""
    units = ("bytes", "KiB", "MiB", "GiB", "TiB")
    power = 0
    while n >= 1024 and power < len(units) - 1:
        n /= 1024
        power += 1
    return f"{n:.0f} bytes" if power == 0 else f"{n:.2f} {units[power]}"


def check_noise_scale(value: Any, name: str = "noise_scale") -> float:
    """Return ``value`` as a ``float`` if it is a finite real number >= 0, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number of at least 0, got {value!r} of type {type(value).__name__}.")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number of at least 0, got {value}.")
    return float(value)


def check_n_samples(X: Any, name: str = "X") -> int:
    """The number of rows of ``X`` (a table, or an array of images), before anything is built from it.

    Raises
    ------
    TypeError
        If ``X`` is None, a string or anything else that holds no rows (a number, a generator).
    ValueError
        If ``X`` is a nested sequence whose rows differ in length or shape.
    """
    if X is None:
        raise TypeError(f"{name} is required: pass a table of shape (n_samples, n_features) or an array of "
                        f"images; got None.")
    if isinstance(X, (str, bytes)):
        raise TypeError(f"{name} must be a table (DataFrame or 2-D array) or an array of images, got the "
                        f"{type(X).__name__} {short_repr(X)}; read a file into a table first (e.g. pandas.read_csv).")
    try:
        shape = X.shape if hasattr(X, "shape") else np.shape(X)
    except ValueError as exc:  # numpy's "inhomogeneous shape"
        raise _ragged(X, name, exc) from None
    if len(shape) == 0:
        hint = "; make a DataFrame of its columns first (pandas.DataFrame(X))" if isinstance(X, Mapping) else ""
        raise TypeError(f"{name} must be a table (DataFrame or 2-D array) or an array of images, got the "
                        f"{type(X).__name__} {short_repr(X)}{hint}.")
    return int(shape[0])


def _ragged(X: Any, name: str, exc: ValueError) -> ValueError:
    """The error for a nested sequence ``X`` that numpy cannot make an array of (``exc``): the first row
    whose length differs from the first row's, or, when the rows agree, numpy's account of the deeper level."""
    rows = list(X)
    lengths = [len(row) if isinstance(row, Sized) and not isinstance(row, (str, bytes)) else 1 for row in rows]
    odd = next((i for i, length in enumerate(lengths) if length != lengths[0]), None)
    if odd is not None:
        return ValueError(f"{name} has rows of different lengths: row 0 has {lengths[0]} values, row {odd} has "
                          f"{lengths[odd]}; every row needs one value per column.")
    depth = re.search(r"inhomogeneous shape after (\d+) dimension", str(exc))
    where = f"its values agree in shape for the first {depth[1]} dimensions only" if depth else str(exc)
    return ValueError(f"{name} has rows of different shapes ({where}); every row needs the same shape.")


def short_repr(value: Any) -> str:
    """``repr(value)``, cut to 40 characters for a message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_path(path: Any, name: str = "path") -> Any:
    """Return ``path`` if it is a file path (str or os.PathLike), else raise ``TypeError`` naming ``name``."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a file path (str or pathlib.Path), got {short_repr(path)} of type "
                        f"{type(path).__name__}.")
    return path


def check_labels(y: Any, n_samples: int | None = None, name: str = "y") -> np.ndarray:
    """Validate class labels and return them as a 1-D numpy array.

    Raises
    ------
    ValueError
        If ``y`` is not 1-D, is empty, holds missing values, or its length differs from ``n_samples``.
    """
    if y is None:
        raise ValueError(f"{name} is required: pass the class label of every row.")
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ValueError(f"{name} must be 1-D; got a DataFrame with {y.shape[1]} columns.")
        y = y.iloc[:, 0]
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got an array of shape {arr.shape}.")
    if arr.size == 0:
        raise ValueError(f"{name} is empty.")
    if pd.isna(arr).any():
        raise ValueError(f"{name} holds {int(pd.isna(arr).sum())} missing label(s); every row needs a class.")
    if n_samples is not None and arr.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} rows but {name} has {arr.shape[0]} labels; they must match.")
    return arr


def plain_value(value: Any) -> Any:
    """A numpy scalar as the Python value it holds, so messages show ``'ok'`` rather than ``np.str_('ok')``."""
    return value.item() if isinstance(value, np.generic) else value


def check_several_classes(classes: np.ndarray, name: str = "y") -> None:
    """Refuse a single class (``classes``: the distinct labels of ``name``): a conditional GAN needs two."""
    if len(classes) < 2:
        raise ValueError(
            f"{name} has a single class ({plain_value(classes[0])!r}); a conditional GAN needs at least two classes "
            f"(with one class there is nothing to condition on)."
        )


def check_class_counts(classes: np.ndarray, counts: np.ndarray, name: str = "y") -> None:
    """Refuse label sets a conditional GAN cannot learn from."""
    check_several_classes(classes, name)
    small = [f"{plain_value(c)!r} ({k} row)" for c, k in zip(classes, counts) if k < 2]
    if small:
        shown = ", ".join(small[:10]) + (f" and {len(small) - 10} more" if len(small) > 10 else "")
        continuous = "" if not 2 * len(small) > len(classes) > 10 else (
            f"; {len(small)} of the {len(classes)} classes have a single row: {name} looks like a continuous "
            f"(regression) target, and augan learns classes")
        raise ValueError(f"{name}: every class needs at least 2 rows to be learned; too few for {shown}{continuous}.")


def feature_names(X: Any) -> np.ndarray | None:
    """The column names of ``X`` as scikit-learn counts them: a DataFrame's, when they are all strings."""
    if isinstance(X, pd.DataFrame) and all(isinstance(c, str) for c in X.columns):
        return np.asarray(X.columns, dtype=object)
    return None


def check_feature_names(X: Any, names: Any, n_features: int, name: str = "X", seen: str = "seen in fit") -> Any:
    """``X`` with the columns seen in ``fit``, in their order, as scikit-learn's ``validate_data(reset=False)``.

    A DataFrame whose column names equal ``names`` as a set is reordered by name; an array, a DataFrame
    whose column names are not all strings, or any table when ``fit`` saw no names, is taken by position
    and must have ``n_features`` columns.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_features)
        New data for a fitted estimator.
    names : array-like of str, or None
        The column names seen in ``fit`` (None when it saw none, or names that were not all strings).
    n_features : int
        How many columns ``fit`` saw.
    name : str, default="X"
        How messages call ``X``.
    seen : str, default="seen in fit"
        Where ``names`` come from, for messages ("those seen in fit").

    Raises
    ------
    ValueError
        If the DataFrame's columns are not those of ``fit`` (the message names the missing and the
        unexpected ones), or if the number of columns differs.
    """
    if names is not None and feature_names(X) is not None:
        expected = list(names)
        columns = list(X.columns)
        if columns == expected:
            return X
        missing = [c for c in expected if c not in columns]
        unexpected = [c for c in columns if c not in expected]
        if missing or unexpected:
            found = [f"missing {_listed(missing)}"] * bool(missing) + [f"unexpected {_listed(unexpected)}"] * bool(
                unexpected)
            raise ValueError(f"the columns of {name} are not those {seen}: {'; '.join(found)} (expected "
                             f"{_listed(expected)}).")
        if len(columns) == len(expected):
            return X[expected]
    try:
        shape = X.shape if hasattr(X, "shape") else np.shape(X)
    except ValueError:  # ragged rows: the caller's conversion to a table says what is wrong
        return X
    if len(shape) == 2 and shape[1] != n_features:
        raise ValueError(f"{name} has {shape[1]} columns; expected {n_features}, as {seen}.")
    return X


def _listed(values: list, most: int = 10) -> str:
    shown = ", ".join(repr(plain_value(v)) for v in values[:most])
    return shown + (f" and {len(values) - most} more" if len(values) > most else "")
