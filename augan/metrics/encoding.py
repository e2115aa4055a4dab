"""One way to turn a user's table (or images) into numbers for the evaluation's classifiers and distances.

Every metric that needs numeric rows (downstream classifiers, the real-vs-synthetic classifier, nearest
neighbour distances, the table feature extractor, the PCA figure) uses :func:`make_preprocessor`, so all of
them read a table the same way: numeric columns imputed with the median and standardised, categorical
columns one-hot encoded with "missing" as a level of its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from .._validation import check_feature_names
from ..data.columns import to_numeric
from ..data.images import is_image_array
from ..data.tabular import categorical_mask

_MISSING = "<missing>"


def as_rows(X: Any) -> Any:
    """Images flattened to one row per image; tables unchanged."""
    return X.reshape(X.shape[0], -1) if is_image_array(X) else X


def _to_float(X: Any) -> np.ndarray:
    frame = pd.DataFrame(X)
    return frame.apply(to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _to_str(X: Any) -> np.ndarray:
    values = pd.DataFrame(X).to_numpy(dtype=object)
    return np.where(pd.isna(values), _MISSING, values.astype(str))


def make_preprocessor(mask: list[bool]) -> ColumnTransformer:
    """The column transformer every classifier and distance of the evaluation puts in front of the data.

    Numeric columns: median imputation with a missing-value indicator column per column that had gaps, then
    standardisation. Categorical columns: one-hot encoding of their
    string form, with missing values as a level of their own and unseen levels encoded as zeros.

    Parameters
    ----------
    mask : list of bool
        Which columns are categorical (see :func:`categorical_mask`); columns are selected by position.

    Returns
    -------
    preprocessor : ColumnTransformer
        Unfitted; dense float output.
    """
    numeric = [i for i, is_cat in enumerate(mask) if not is_cat]
    categorical = [i for i, is_cat in enumerate(mask) if is_cat]
    branches = []
    if numeric:
        branches.append(("numeric", make_pipeline(
            FunctionTransformer(_to_float),
            SimpleImputer(strategy="median", keep_empty_features=True, add_indicator=True),
            StandardScaler()), numeric))
    if categorical:
        branches.append(("categorical", make_pipeline(
            FunctionTransformer(_to_str), OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
            categorical))
    return ColumnTransformer(branches, sparse_threshold=0.0)


def fit_encoder(X_real: Any, categorical_features: Any = "auto") -> ColumnTransformer:
    """:func:`make_preprocessor` fitted on the real rows ``X_real`` (tables, or images flattened to rows)."""
    rows = as_rows(X_real)
    return make_preprocessor(categorical_mask(rows, categorical_features)).fit(rows)


def encode(encoder: ColumnTransformer, X: Any, name: str = "X") -> np.ndarray:
    """Rows of ``X`` through a fitted encoder, as a float64 matrix.

    A table's columns are matched to the fitted data's by name, as :func:`~augan._validation.check_feature_names`
    does; ``name`` is how its messages call ``X``.
    """
    rows = check_feature_names(as_rows(X), getattr(encoder, "feature_names_in_", None), encoder.n_features_in_, name)
    return np.asarray(encoder.transform(rows), dtype=np.float64)
