"""TabularCodec: a table of numeric and categorical columns <-> a float32 matrix, invertible: categories and
missing values come back exactly, numbers to float32 precision, so integers exactly unless a column spans a
range too wide for it (tests/test_properties.py derives the bound).

Each numeric column's rounding is learned as RDT's ``learn_rounding_scheme`` learns it: the fewest decimals
(at most ``MAX_DECIMALS``) that write every training value exactly; decoded values are rounded to them, so a
column of cents or of whole months (a float column because it has missing values) comes back as one.

Numeric columns are mapped to a standard normal through their empirical quantiles (or standardised),
with a two-level missing indicator when the column had missing values; categorical, string and
boolean columns are one-hot encoded, missing values being a level of their own. The codec publishes
its output layout as a list of :class:`Span` so the generator can build one output head per column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.special import ndtr, ndtri

from .._validation import check_feature_names, plain_value

NUMERIC_TRANSFORMS = ("quantile", "standard")
MAX_CATEGORIES = 1000
# RDT's limit: float64 holds 15 significant digits; a column needing more decimals is not rounded.
MAX_DECIMALS = 14
_EPS = 1e-7


@dataclass(frozen=True)
class Span:
    """A slice of the encoded row: ``width`` columns passed through ``activation`` ("linear" or "softmax")."""

    width: int
    activation: str


@dataclass
class _Column:
    name: Any
    kind: str  # "numeric", "categorical" or "constant"
    dtype: str
    integer: bool = False
    decimals: int | None = None  # None: not rounded (a model file saved before it was learned holds none)
    missing: bool = False
    fill: float = 0.0
    lo: float = 0.0
    hi: float = 0.0
    quantiles: list = field(default_factory=list)
    mean: float = 0.0
    std: float = 1.0
    categories: list = field(default_factory=list)
    unused: list = field(default_factory=list)  # positions of declared categories absent from the training rows
    ordered: bool = False
    value: Any = None



def _sort_values(values: list) -> list:
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=lambda v: (type(v).__name__, str(v)))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


class TabularCodec:
    """Encode a table (DataFrame or 2-D array) as a float32 matrix and decode generated rows back.

    Parameters
    ----------
    categorical_features : "auto", list of column names or indices, or boolean mask, default="auto"
        Which columns are categorical. ``"auto"``: boolean, string, object and category columns are;
        number columns are numeric (an object column holding only numbers is numeric).
    numeric_transform : {"quantile", "standard"}, default="quantile"
        ``"quantile"`` maps each numeric column to a standard normal through its empirical quantiles
        (robust to skew and outliers); ``"standard"`` subtracts the mean and divides by the deviation.
    n_quantiles : int, default=1000
        Number of quantiles kept per numeric column (fewer when there are fewer distinct rows).

    A categorical column may have at most ``MAX_CATEGORIES`` (1000) levels: each level is one output of
    the generator and one column of the encoded table, which is held whole in memory.

    Attributes
    ----------
    spans_ : list of Span
        Output layout, one or two spans per non-constant column, in column order.
    output_dim_ : int
        Width of the encoded matrix.
    feature_names_in_ : ndarray of str, or None
        Column names when fitted on a DataFrame.
    """

    def __init__(self, categorical_features: Any = "auto", numeric_transform: str = "quantile",
                 n_quantiles: int = 1000) -> None:
        self.categorical_features = categorical_features
        self.numeric_transform = numeric_transform
        self.n_quantiles = n_quantiles

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any) -> TabularCodec:
        """Learn each column's kind, range, quantiles and categories from ``X``."""
        if self.numeric_transform not in NUMERIC_TRANSFORMS:
            raise ValueError(f"numeric_transform must be one of {NUMERIC_TRANSFORMS}, got {self.numeric_transform!r}.")
        frame, self.container_, self.array_dtype_ = _as_frame(X)
        _check_flat_cells(frame)
        categorical = self._categorical_mask(frame)
        self.columns_ = [self._fit_column(name, frame[name], is_cat)
                         for name, is_cat in zip(frame.columns, categorical)]
        self.n_features_in_ = frame.shape[1]
        self._set_layout()
        return self

    def _set_layout(self) -> None:
        names = [c.name for c in self.columns_]
        self.feature_names_in_ = (np.asarray(names, dtype=object) if self.container_ == "dataframe"
                                  and all(isinstance(name, str) for name in names) else None)
        self.spans_ = [span for column in self.columns_ for span in _spans(column)]
        self.output_dim_ = sum(span.width for span in self.spans_)
        self.sample_shape_ = (self.output_dim_,)

    def _categorical_mask(self, frame: pd.DataFrame) -> list[bool]:
        for name in frame.columns:
            _refuse_dates(frame[name], name)
        spec = self.categorical_features
        n = frame.shape[1]
        if isinstance(spec, str) and spec == "auto":
            return [_auto_categorical(frame[c], c) for c in frame.columns]
        if spec is None:
            return [_auto_categorical(frame[c], c) for c in frame.columns]
        items = list(np.asarray(spec).ravel()) if not isinstance(spec, (list, tuple)) else list(spec)
        if items and all(isinstance(v, (bool, np.bool_)) for v in items):
            if len(items) != n:
                raise ValueError(f"categorical_features is a mask of length {len(items)} but X has {n} columns.")
            return [bool(v) for v in items]
        mask = [False] * n
        names = list(frame.columns)
        for item in items:
            if item in names:
                mask[names.index(item)] = True
            elif isinstance(item, (int, np.integer)) and not isinstance(item, bool) and -n <= item < n:
                mask[int(item)] = True
            else:
                raise ValueError(f"categorical_features names {item!r}, which is not a column of X "
                                 f"(columns: {names[:10]}{'...' if n > 10 else ''}).")
        return mask

    def _fit_column(self, name: Any, series: pd.Series, categorical: bool) -> _Column:
        dtype = series.dtype
        dtype_name = "category" if isinstance(dtype, pd.CategoricalDtype) else str(dtype)
        if categorical:
            return self._fit_categorical(name, series, dtype_name)
        values = _numeric_values(series, name)
        column = _Column(name=name, kind="numeric", dtype=dtype_name, integer=_is_integer_column(series, values))
        observed = values[~np.isnan(values)]
        column.missing = observed.size < values.size
        column.decimals = _decimals(observed, series.dtype)
        if observed.size == 0 or observed.min() == observed.max():
            if not column.missing or observed.size == 0:
                column.kind = "constant"
                column.value = float(observed[0]) if observed.size else float("nan")
                return column
        column.lo, column.hi = float(observed.min()), float(observed.max())
        scale = _power_of_two_scale(max(abs(column.lo), abs(column.hi)))
        column.fill = float(np.median(observed / scale)) * scale
        if self.numeric_transform == "quantile":
            n_q = int(max(2, min(self.n_quantiles, observed.size)))
            column.quantiles = (np.quantile(observed / scale, np.linspace(0, 1, n_q)) * scale).tolist()
        else:
            column.mean, column.std = _mean_std(observed)
        return column

    def _fit_categorical(self, name: Any, series: pd.Series, dtype_name: str) -> _Column:
        column = _Column(name=name, kind="categorical", dtype=dtype_name)
        if isinstance(series.dtype, pd.CategoricalDtype):
            column.categories = [plain_value(c) for c in series.cat.categories]
            column.ordered = bool(series.cat.ordered)
            present = set(series.cat.codes[series.cat.codes >= 0])
            column.unused = [i for i in range(len(column.categories)) if i not in present]
        else:
            column.categories = _sort_values([plain_value(c) for c in pd.unique(series.dropna())])
        if len(column.categories) > MAX_CATEGORIES:
            raise ValueError(f"column {name!r} has {len(column.categories)} distinct values; a categorical column "
                             f"may have at most {MAX_CATEGORIES}. Drop it if it is an identifier, or group its "
                             f"rare levels first.")
        column.missing = bool(series.isna().any())
        levels = len(column.categories) + int(column.missing)
        if levels <= 1:
            column.kind = "constant"
            column.value = column.categories[0] if column.categories else None
        return column

    # ------------------------------------------------------------ transform
    def transform(self, X: Any) -> np.ndarray:
        """Encode ``X`` as a float32 matrix of shape (n_samples, output_dim_).

        A DataFrame's columns are matched to those of ``fit`` by name (reordered if need be; missing or
        unexpected columns raise ``ValueError``); an array's by position.

        Numeric values outside the training range are clipped to it; unseen categories encode as all zeros.
        """
        frame, _, _ = _as_frame(check_feature_names(X, self.feature_names_in_, self.n_features_in_))
        parts = []
        for column, name in zip(self.columns_, frame.columns):
            if column.kind == "numeric":
                parts.extend(self._encode_numeric(column, _numeric_values(frame[name], name)))
            elif column.kind == "categorical":
                parts.append(_one_hot(frame[name], column))
        if not parts:
            return np.zeros((len(frame), 0), dtype=np.float32)
        return np.column_stack(parts).astype(np.float32, copy=False)

    def _encode_numeric(self, column: _Column, values: np.ndarray) -> list[np.ndarray]:
        isnan = np.isnan(values)
        filled = np.clip(np.where(isnan, column.fill, values), column.lo, column.hi)
        if self.numeric_transform == "quantile":
            scale = _power_of_two_scale(max(abs(column.lo), abs(column.hi)))
            q, filled = np.asarray(column.quantiles) / scale, filled / scale
            refs = np.linspace(0, 1, q.size)
            # Average of the forward and backward interpolations: the rank of tied values is their middle.
            u = 0.5 * (np.interp(filled, q, refs) - np.interp(-filled, -q[::-1], -refs[::-1]))
            # Ranks squeezed into [eps, 1 - eps] (not clipped, which would move the extremes) keep z finite.
            encoded = ndtri(_EPS + (1 - 2 * _EPS) * u)
        else:
            scale = _power_of_two_scale(max(abs(column.lo), abs(column.hi)))
            encoded = (filled / scale - column.mean / scale) / (column.std / scale)
        parts = [encoded]
        if column.missing:
            parts.extend([~isnan, isnan])
        return parts

    # ---------------------------------------------------- inverse_transform
    def inverse_transform(self, Z: np.ndarray) -> Any:
        """Decode generated rows back to the caller's container, column names, order and dtypes.

        Softmax spans decode to their most likely level; numeric values stay within the training range
        and are rounded to the decimals the column's training values use (integer columns, and float
        columns holding only whole numbers, to whole numbers).
        """
        Z = np.asarray(Z, dtype=np.float64)
        if Z.ndim != 2 or Z.shape[1] != self.output_dim_:
            raise ValueError(f"Z must have shape (n, {self.output_dim_}), got {Z.shape}.")
        n = Z.shape[0]
        out: dict[Any, Any] = {}
        offset = 0
        for column in self.columns_:
            if column.kind == "constant":
                out[column.name] = np.full(n, column.value, dtype=object)
                continue
            if column.kind == "numeric":
                out[column.name] = self._decode_numeric(column, Z[:, offset])
                offset += 1
                if column.missing:
                    missing = Z[:, offset + 1] > Z[:, offset]
                    out[column.name] = np.where(missing, np.nan, out[column.name])
                    offset += 2
            else:
                width = len(column.categories) + int(column.missing)
                scores = Z[:, offset:offset + width]
                if column.unused:  # a level the training rows never had is never generated
                    scores = scores.copy()
                    scores[:, column.unused] = -np.inf
                codes = scores.argmax(axis=1)
                levels = np.empty(width, dtype=object)
                levels[:len(column.categories)] = column.categories
                if column.missing:
                    levels[-1] = np.nan
                out[column.name] = levels[codes]
                offset += width
        return self._assemble(out, n)

    def _decode_numeric(self, column: _Column, z: np.ndarray) -> np.ndarray:
        if self.numeric_transform == "quantile":
            scale = _power_of_two_scale(max(abs(column.lo), abs(column.hi)))
            q = np.asarray(column.quantiles) / scale
            values = np.interp((ndtr(z) - _EPS) / (1 - 2 * _EPS), np.linspace(0, 1, q.size), q) * scale
        else:
            with np.errstate(over="ignore"):  # beyond the float64 range: clipped to the training range below
                values = z * column.std + column.mean
        values = np.clip(values, column.lo, column.hi)
        decimals = 0 if column.integer else column.decimals
        return values if decimals is None else np.round(values, decimals)

    def _assemble(self, out: dict, n: int) -> Any:
        if self.container_ == "dataframe":
            return pd.DataFrame({c.name: _restore_series(out[c.name], c) for c in self.columns_},
                                columns=[c.name for c in self.columns_])
        dtype = np.dtype(self.array_dtype_)
        if dtype.kind == "O":
            matrix = np.empty((n, len(self.columns_)), dtype=object)
            for j, column in enumerate(self.columns_):
                values = out[column.name]
                if column.kind == "numeric" and column.integer:
                    values = np.array([v if pd.isna(v) else int(v) for v in values], dtype=object)
                matrix[:, j] = values
            return matrix
        matrix = np.column_stack([np.asarray(out[c.name], dtype=np.float64) for c in self.columns_])
        return matrix.astype(dtype)

    # ---------------------------------------------------------- persistence
    def get_state(self) -> dict:
        """Everything needed to rebuild the fitted codec, as plain Python values."""
        return {
            "categorical_features": "auto",
            "numeric_transform": self.numeric_transform,
            "n_quantiles": self.n_quantiles,
            "container": self.container_,
            "array_dtype": self.array_dtype_,
            "n_features_in": self.n_features_in_,
            "columns": [{k: plain_value(v) for k, v in vars(c).items()} for c in self.columns_],
        }

    @classmethod
    def from_state(cls, state: dict) -> TabularCodec:
        codec = cls(numeric_transform=state["numeric_transform"], n_quantiles=state["n_quantiles"])
        codec.container_ = state["container"]
        codec.array_dtype_ = state["array_dtype"]
        codec.n_features_in_ = state["n_features_in"]
        codec.columns_ = [_Column(**c) for c in state["columns"]]
        codec._set_layout()
        return codec


# ---------------------------------------------------------------- helpers
_NESTED = (list, tuple, dict, set, np.ndarray)
_FLAT_KINDS = {"string", "boolean", "integer", "floating", "mixed-integer-float", "decimal", "empty"}


def _check_flat_cells(frame: pd.DataFrame) -> None:
    """Refuse a column whose cells hold lists, dicts or arrays (Parquet list and struct columns)."""
    for name in frame.columns[frame.dtypes == object]:
        if pd.api.types.infer_dtype(frame[name], skipna=True) in _FLAT_KINDS:
            continue  # inferred in C: only a mixed column is searched row by row for the nested cell
        nested = next((v for v in frame[name].to_numpy() if isinstance(v, _NESTED)), None)
        if nested is not None:
            raise TypeError(f"column {name!r} holds {type(nested).__name__} values (e.g. {_short(nested)}); augan "
                            f"models one number, string or boolean per cell: split it into columns or drop it.")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _as_frame(X: Any) -> tuple[pd.DataFrame, str, str | None]:
    if hasattr(X, "tocsr") or hasattr(X, "toarray"):
        raise TypeError("X is a sparse matrix; augan needs dense data (call X.toarray()).")
    if isinstance(X, pd.DataFrame):
        if X.columns.duplicated().any():
            dup = X.columns[X.columns.duplicated()].tolist()
            raise ValueError(f"X has duplicated column names {dup[:5]}; column names must be unique.")
        sparse = [name for name, dtype in X.dtypes.items() if isinstance(dtype, pd.SparseDtype)]
        if sparse:
            raise TypeError(f"X has sparse columns {sparse[:5]}; augan needs dense data (call X.sparse.to_dense()).")
        return X, "dataframe", None
    if isinstance(X, pd.Series):
        raise ValueError("X is a Series; pass a 2-D table (X.to_frame()).")
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got an array of shape {arr.shape}.")
    if arr.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: X has dtype {arr.dtype}; augan models real numbers and "
                         f"categories.")
    if arr.dtype.kind not in "biufO" and arr.dtype.kind not in "US":
        raise TypeError(f"X has dtype {arr.dtype}, which augan cannot model; use numbers or strings.")
    dtype = "O" if arr.dtype.kind in "OUS" else arr.dtype.str
    if arr.dtype.kind in "US":
        arr = arr.astype(object)
    return pd.DataFrame(arr), "array", dtype


_DATE_KINDS = {"datetime64": "dates", "datetime": "dates", "date": "dates", "time": "times of day",
               "timedelta64": "durations", "timedelta": "durations", "period": "periods"}


def _refuse_dates(series: pd.Series, name: Any) -> None:
    """Refuse a column of dates, times or durations, whatever its dtype (datetime64, or Python objects such as
    the ``datetime.date`` and ``datetime.time`` values a Parquet file's date and time columns read as)."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return
    kind = ("datetime64" if pd.api.types.is_datetime64_any_dtype(dtype) else
            "timedelta64" if pd.api.types.is_timedelta64_dtype(dtype) else
            "period" if isinstance(dtype, pd.PeriodDtype) else
            pd.api.types.infer_dtype(series, skipna=True) if dtype == object else None)
    if kind in _DATE_KINDS:
        raise TypeError(f"column {name!r} holds {_DATE_KINDS[kind]}, which augan does not model; convert it to "
                        f"numbers (e.g. days since a date, or seconds) or drop it.")


def auto_categorical_columns(X: pd.DataFrame) -> list:
    """The names of the columns of ``X`` that ``categorical_features="auto"`` models as categories.

    Raises
    ------
    TypeError, ValueError
        If a column holds dates, durations or complex numbers, as :meth:`TabularCodec.fit` would.
    """
    for name in X.columns:
        _refuse_dates(X[name], name)
    return [name for name in X.columns if _auto_categorical(X[name], name)]


def _auto_categorical(series: pd.Series, name: Any) -> bool:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return True
    if pd.api.types.is_complex_dtype(dtype):
        raise ValueError(f"Complex data not supported: column {name!r} holds complex numbers.")
    if pd.api.types.is_numeric_dtype(dtype):
        return False
    values = series.dropna()
    return not all(_is_number(v) for v in values)


def to_numeric(series: pd.Series, errors: str = "raise") -> pd.Series:
    """``pd.to_numeric(series, errors=errors)``, which an Arrow decimal column skips: it is numeric already,
    and pandas' to_numeric drops its nulls (then fails)."""
    dtype = series.dtype
    if isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype):
        return series
    return pd.to_numeric(series, errors=errors)


def _numeric_values(series: pd.Series, name: Any) -> np.ndarray:
    try:
        values = to_numeric(series).to_numpy(dtype=np.float64, na_value=np.nan)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"column {name!r} is numeric but holds a value that is not a number: {exc}") from exc
    if np.isinf(values).any():
        raise ValueError(f"column {name!r} holds infinite values; replace them (e.g. with NaN) first.")
    # Subnormal numbers (below 2.2e-308) read as 0: quantile gaps between them overflow interpolation slopes to
    # inf, and inf * 0 gave NaN codes. The change is below any float64 resolution that matters to a model.
    return np.where(np.abs(values) < np.finfo(np.float64).tiny, 0.0, values)


def _power_of_two_scale(magnitude: float, max_exponent: int = 1000) -> float:
    """The smallest power of two ``s >= 1`` with ``magnitude / s < 2**max_exponent``.

    Dividing by it is exact, and it is 1 for all but values near the float64 limit (1.8e308), whose
    differences, interpolation slopes, sums and squares would otherwise overflow to inf.
    """
    return float(np.ldexp(1.0, max(0, int(np.frexp(magnitude)[1]) - max_exponent)))


def _mean_std(values: np.ndarray) -> tuple[float, float]:
    scale = _power_of_two_scale(float(np.abs(values).max()), max_exponent=500)
    scaled = values / scale
    return float(scaled.mean()) * scale, float(scaled.std()) * scale or 1.0


def _is_integer_column(series: pd.Series, values: np.ndarray) -> bool:
    if pd.api.types.is_integer_dtype(series.dtype):
        return True
    if series.dtype == object:
        return all(isinstance(v, (int, np.integer)) for v in series.dropna())
    return False


def _decimals(values: np.ndarray, dtype: Any) -> int | None:
    """The fewest decimals, at most ``MAX_DECIMALS``, that write every one of ``values`` exactly, or None.

    A float32 (or float16) column is compared in its own precision: its 0.1 is 0.10000000149 in float64.
    """
    if values.size == 0:
        return None
    exact = dtype if isinstance(dtype, np.dtype) and dtype.kind == "f" else np.dtype(np.float64)
    target = values.astype(exact)
    with np.errstate(over="ignore", invalid="ignore"):  # near the float64 limit x * 10**d overflows: no rounding
        return next((d for d in range(MAX_DECIMALS + 1)
                     if np.array_equal(np.round(values, d).astype(exact), target)), None)


def _spans(column: _Column) -> list[Span]:
    if column.kind == "numeric":
        return [Span(1, "linear")] + ([Span(2, "softmax")] if column.missing else [])
    if column.kind == "categorical":
        return [Span(len(column.categories) + int(column.missing), "softmax")]
    return []


def _one_hot(series: pd.Series, column: _Column) -> np.ndarray:
    values = series.astype(object) if isinstance(series.dtype, pd.CategoricalDtype) else series
    codes = pd.Index(column.categories, dtype=object).get_indexer(values.astype(object)).astype(np.int64)
    width = len(column.categories) + int(column.missing)
    if column.missing:
        codes = np.where(pd.isna(values).to_numpy(), width - 1, codes)
    onehot = np.zeros((len(codes), width), dtype=np.float32)
    known = codes >= 0
    onehot[np.flatnonzero(known), codes[known]] = 1.0
    return onehot


def _pandas_dtype(name: str) -> Any:
    """The dtype called ``name``, an Arrow decimal's (``decimal128(12, 2)[pyarrow]``) included: pandas cannot
    read a type's parameters back from its name."""
    decimal = re.fullmatch(r"(decimal(?:32|64|128|256))\((\d+), (-?\d+)\)\[pyarrow\]", name)
    if decimal:
        return pd.ArrowDtype(getattr(pa, decimal[1])(int(decimal[2]), int(decimal[3])))
    return pd.api.types.pandas_dtype(name)


def _restore_series(values: np.ndarray, column: _Column) -> pd.Series:
    if column.dtype == "category":
        return pd.Series(pd.Categorical(values, categories=column.categories, ordered=column.ordered))
    dtype = _pandas_dtype(column.dtype)
    if column.kind != "categorical" and dtype == object:
        if column.integer:
            values = [v if pd.isna(v) else int(v) for v in values]
        return pd.Series(values, dtype=object)
    if pd.api.types.is_integer_dtype(dtype) and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
        if pd.isna(values).any():
            return pd.Series(values).astype(pd.Int64Dtype() if dtype.kind == "i" else pd.UInt64Dtype())
        return pd.Series(np.asarray(values, dtype=np.float64)).astype(dtype)
    return pd.Series(values).astype(dtype)
