"""Input checks shared by every entry point.

Each check raises ``ValueError`` or ``TypeError`` with a message that names the
argument and says what is wrong, so that bad input never reaches torch.
"""

from __future__ import annotations

import numbers
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


def check_noise_scale(value: Any, name: str = "noise_scale") -> float:
    """Return ``value`` as a ``float`` if it is a finite real number >= 0, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number of at least 0, got {value!r} of type {type(value).__name__}.")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number of at least 0, got {value}.")
    return float(value)


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


def check_class_counts(classes: np.ndarray, counts: np.ndarray, name: str = "y") -> None:
    """Refuse label sets a conditional GAN cannot learn from."""
    if len(classes) < 2:
        raise ValueError(
            f"{name} has a single class ({plain_value(classes[0])!r}); a conditional GAN needs at least two classes "
            f"(with one class there is nothing to condition on)."
        )
    small = [f"{plain_value(c)!r} ({k} row)" for c, k in zip(classes, counts) if k < 2]
    if small:
        raise ValueError(
            f"{name}: every class needs at least 2 rows to be learned; too few for " + ", ".join(small) + "."
        )
