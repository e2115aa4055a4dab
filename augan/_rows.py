"""Rows of a user's table or array, picked by position."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def take_rows(X: Any, index: np.ndarray) -> Any:
    """The rows ``index`` (positions or a boolean mask) of ``X``, in the container ``X`` came in.

    A DataFrame keeps its columns and dtypes and is numbered 0, 1, 2... again; anything else comes back as an
    array (a list of rows becomes one).
    """
    return X.iloc[index].reset_index(drop=True) if isinstance(X, pd.DataFrame) else np.asarray(X)[index]
