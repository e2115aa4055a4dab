"""TabularCodec: a table of numeric and categorical columns <-> a float32 matrix, invertible: categories and
missing values come back exactly, numbers to float32 precision, so integers exactly unless a column spans a
range too wide for it (tests/test_properties.py derives the bound).

The codec decides each column's kind and holds one transformer per column (:mod:`augan.data.columns`):
numeric columns are mapped to a standard normal through their empirical quantiles (or standardised), with a
two-level missing indicator when the column had missing values; categorical, string and boolean columns are
one-hot encoded, missing values being a level of their own; a column with a single value takes no output.
Its encoded matrix is the transformers' blocks side by side, and its output layout (a list of :class:`Span`)
theirs in turn, so the generator can build one output head per column.

Each numeric column's rounding is learned as RDT's ``learn_rounding_scheme`` learns it: the fewest decimals
(at most ``columns.MAX_DECIMALS``) that write every training value exactly; decoded values are rounded to them, so a
column of cents or of whole months (a float column because it has missing values) comes back as one.
"""

from __future__ import annotations

import contextlib
import decimal
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from itertools import accumulate
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._validation import check_feature_names, plain_value, short_repr
from .columns import (NUMERIC_TRANSFORMS, Column, NumericColumn, Span, column_from_state, dtype_name,
                      fit_categorical, fit_numeric, numeric_transforms, to_numeric)

__all__ = ["NUMERIC_TRANSFORMS", "Span", "TabularCodec", "auto_categorical_columns", "categorical_mask",
           "check_unique_columns"]


# Below this many cells a table's columns are fitted, encoded or decoded faster on one thread than the pool costs.
_PARALLEL_CELLS = 1 << 20
# Rows decoded at a time: every column of a block is decoded before the next block (32,768 rows: 0.27 s for a
# million rows of 20 numbers on 2 cores; 8,192: 0.44 s, the calls' overhead; 65,536: 0.29 s).
_DECODE_BLOCK = 1 << 15


def _column_pool(n_columns: int, n_rows: int) -> ThreadPoolExecutor | None:
    """Threads for a large table's columns, as many as torch's, or None for a small one: numpy and scipy
    release the GIL in their loops, and each column is fitted, encoded and decoded on its own,
    deterministically. On 2 cores they took a 1,000,000 x 20 table's fit from 2.45 to 1.39 s and its encoding
    from 3.49 to 1.75 s."""
    import torch

    workers = min(torch.get_num_threads(), n_columns)
    if workers < 2 or n_rows * n_columns < _PARALLEL_CELLS:
        return None
    return ThreadPoolExecutor(workers)


def _map(pool: ThreadPoolExecutor | None, function: Any, n: int) -> list:
    """``[function(j) for j in range(n)]``, on ``pool``'s threads if there is one."""
    return [function(j) for j in range(n)] if pool is None else list(pool.map(function, range(n)))


def _frame(series: list[pd.Series], names: list, pool: ThreadPoolExecutor | None = None) -> pd.DataFrame:
    """The DataFrame of ``series``, named ``names``. Columns of one numpy dtype (a numeric table) are written
    straight into the single block pandas would consolidate them into, which a frame built from a dict of
    columns copies again, slowly: 0.8-1.0 s against 0.03-0.16 s for 20 float64 columns of a million rows.
    The columns are written on ``pool``'s threads: the first writes to a fresh block fault its pages in, which
    took up to 0.35 s of a million-row draw on one thread."""
    dtypes = {s.dtype for s in series}
    dtype = next(iter(dtypes)) if len(dtypes) == 1 else None
    if dtype is None or not isinstance(dtype, np.dtype) or dtype.kind == "O" or len(series) < 2:
        return pd.DataFrame(dict(zip(names, series)), columns=names)
    block = np.empty((len(series), len(series[0])), dtype=dtype)

    def write(j: int) -> None:
        block[j] = series[j].to_numpy()

    _map(pool, write, len(series))
    return pd.DataFrame(block.T, columns=names, copy=False)


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float, decimal.Decimal, np.integer, np.floating))
            and not isinstance(value, (bool, np.bool_)))


class TabularCodec:
    """Encode a table (DataFrame or 2-D array) as a float32 matrix and decode generated rows back.

    Parameters
    ----------
    categorical_features : "auto", list of column names or indices, or boolean mask, default="auto"
        Which columns are categorical. ``"auto"``: boolean, string, object and category columns are;
        number columns are numeric (an object column holding only numbers is numeric). A list or mask is the
        complete set of categorical columns: every other column is numeric, and ``fit`` refuses one holding
        text or text categories (ValueError) rather than guess which of the two was meant.
    numeric_transform : {"quantile", "standard"}, default="quantile"
        ``"quantile"`` maps each numeric column to a standard normal through its empirical quantiles
        (robust to skew and outliers); ``"standard"`` subtracts the mean and divides by the deviation. Any
        :class:`~augan.data.columns.NumericColumn` registered in ``columns.COLUMNS`` may be named.
    n_quantiles : int, default=1000
        Number of quantiles kept per numeric column (fewer when there are fewer distinct rows).

    A categorical column may have at most ``columns.MAX_CATEGORIES`` (1000) levels: each level is one output of
    the generator and one column of the encoded table, which is held whole in memory.

    Attributes
    ----------
    columns_ : list of Column
        One fitted transformer per column (:mod:`augan.data.columns`), in column order.
    spans_ : list of Span
        Output layout, one or two spans per non-constant column, in column order.
    output_dim_ : int
        Width of the encoded matrix.
    categorical_share_ : float
        Share of the modelled (non-constant) columns that are categorical, 0 without any.
    sample_shape_ : tuple of int
        ``(output_dim_,)``: the shape of one encoded row.
    input_shape_ : tuple of int
        ``(n_features_in_,)``: the shape of one row as given to ``fit``.
    n_features_in_ : int
        Number of columns.
    feature_names_in_ : ndarray of str, or None
        Column names when fitted on a DataFrame.
    """

    kind: ClassVar[str] = "tabular"

    def __init__(self, categorical_features: Any = "auto", numeric_transform: str = "quantile",
                 n_quantiles: int = 1000) -> None:
        self.categorical_features = categorical_features
        self.numeric_transform = numeric_transform
        self.n_quantiles = n_quantiles

    @staticmethod
    def accepts(X: Any) -> bool:
        """True: any input that no other codec takes is a table (``fit`` says what is wrong with it)."""
        return True

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any) -> TabularCodec:
        """Learn each column's kind, range, quantiles and categories from ``X``."""
        transforms = numeric_transforms()
        if self.numeric_transform not in transforms:
            raise ValueError(f"numeric_transform must be one of {transforms}, got {self.numeric_transform!r}.")
        frame, self.container_, self.array_dtype_ = _as_frame(X)
        _check_flat_cells(frame)
        categorical = categorical_mask(frame, self.categorical_features)
        names = list(frame.columns)
        pool = _column_pool(len(names), len(frame))
        with pool or contextlib.nullcontext():
            self.columns_ = _map(pool, lambda j: self._fit_column(names[j], frame[names[j]], categorical[j]),
                                 len(names))
        self.n_features_in_ = frame.shape[1]
        self._set_layout()
        return self

    def _fit_column(self, name: Any, series: pd.Series, categorical: bool) -> Column:
        dtype = dtype_name(series.dtype)
        if categorical:
            return fit_categorical(name, series, dtype)
        return fit_numeric(name, series, dtype, self.numeric_transform, n_quantiles=self.n_quantiles)

    def _set_layout(self) -> None:
        names = [c.name for c in self.columns_]
        self.feature_names_in_ = (np.asarray(names, dtype=object) if self.container_ == "dataframe"
                                  and all(isinstance(name, str) for name in names) else None)
        self.spans_ = [span for column in self.columns_ for span in column.spans]
        widths = [column.width for column in self.columns_]
        self._blocks = [slice(end - width, end) for end, width in zip(accumulate(widths), widths)]
        self.output_dim_ = sum(widths)
        modelled = [column.kind for column in self.columns_ if column.kind != "constant"]
        self.categorical_share_ = modelled.count("categorical") / len(modelled) if modelled else 0.0
        self.sample_shape_ = (self.output_dim_,)
        self.input_shape_ = (self.n_features_in_,)

    # ------------------------------------------------------------ transform
    def transform(self, X: Any) -> np.ndarray:
        """Encode ``X`` as a float32 matrix of shape (n_samples, output_dim_).

        A DataFrame's columns are matched to those of ``fit`` by name (reordered if need be; missing or
        unexpected columns raise ``ValueError``); an array's by position.

        Numeric values outside the training range are clipped to it; unseen categories encode as all zeros.
        """
        frame, _, _ = _as_frame(check_feature_names(X, self.feature_names_in_, self.n_features_in_))
        out = np.empty((len(frame), self.output_dim_), dtype=np.float32)
        names = list(frame.columns)

        def encode(j: int) -> None:
            out[:, self._blocks[j]] = self.columns_[j].encode(frame[names[j]])

        pool = _column_pool(len(names), len(frame))
        with pool or contextlib.nullcontext():
            _map(pool, encode, len(names))
        return out

    def check_levels(self, X: Any, fitted_by: str = "the GAN") -> None:
        """Refuse categories that ``fit`` never saw, which :meth:`transform` would encode as no level at all (all
        zeros): data for a model fitted elsewhere must hold the model's levels. ``X`` is laid out as in ``fit``.

        Raises
        ------
        ValueError
            Naming the first such column, its unseen values (or its missing values) and its levels;
            ``fitted_by`` names what was fitted.
        """
        frame, _, _ = _as_frame(check_feature_names(X, self.feature_names_in_, self.n_features_in_))
        for name, column in zip(frame.columns, self.columns_):
            unseen = column.unseen_levels(frame[name])
            if not unseen:
                continue
            values = [v for v in unseen if not pd.isna(v)]
            what = (", ".join(map(repr, values[:5])) + (f" and {len(values) - 5} more" if len(values) > 5 else "")
                    + (" and missing values" if len(values) < len(unseen) else "")) if values else "missing values"
            levels = getattr(column, "categories", [])
            shown = ", ".join(map(repr, levels[:10])) + (f" and {len(levels) - 10} more" if len(levels) > 10 else "")
            one = len(unseen) == 1 and values
            raise ValueError(f"column {column.name!r} holds {what}, {'a level' if one else 'which'} {fitted_by} never "
                             f"saw in training (its levels: {shown}); it would read {'it' if one else 'them'} as no "
                             f"level at all. Give data of the levels it was trained on, or a model trained on this "
                             f"data.")

    # ---------------------------------------------------- inverse_transform
    def inverse_transform(self, Z: np.ndarray) -> Any:
        """Decode generated rows back to the caller's container, column names, order and dtypes.

        Softmax spans decode to their most likely level; numeric values stay within the training range
        and are rounded to the decimals the column's training values use (integer columns, and float
        columns holding only whole numbers, to whole numbers).
        """
        Z = np.asarray(Z)
        if Z.dtype.kind != "f":
            Z = Z.astype(np.float64)
        # Each column's numbers are decoded in float64. The whole table is not converted first: that copy and
        # float64 argmaxes over the one-hot blocks took longer than the decoding itself.
        if Z.ndim != 2 or Z.shape[1] != self.output_dim_:
            raise ValueError(f"Z must have shape (n, {self.output_dim_}), got {Z.shape}.")
        pool = _column_pool(len(self.columns_), Z.shape[0])
        with pool or contextlib.nullcontext():
            return self._decoded_frame(Z, pool) if self.container_ == "dataframe" else self._decoded_matrix(Z, pool)

    def _decoded_frame(self, Z: np.ndarray, pool: ThreadPoolExecutor | None) -> pd.DataFrame:
        """The decoded DataFrame. The numeric columns are decoded a block of rows at a time, every column of a
        block before the next, so that the rows read stay in cache: column by column, each strided read of ``Z``
        went to memory (a frame of a million rows of 20 numbers: 0.38 s, now 0.30 s on 2 cores). Each other
        column is decoded whole, with its conversion to a Series, which holds the GIL: on a thread of its own
        while the others decode numbers."""
        columns = self.columns_
        numeric = [j for j, column in enumerate(columns) if isinstance(column, NumericColumn)]
        numbers = np.empty((len(numeric), len(Z)))
        series: list[Any] = [None] * len(columns)

        def decode_column(j: int) -> None:
            series[j] = columns[j].to_series(columns[j].decode(Z[:, self._blocks[j]]))

        def decode_rows(first: int) -> None:
            rows = Z[first:first + _DECODE_BLOCK]
            for row, j in enumerate(numeric):
                numbers[row, first:first + len(rows)] = columns[j].decode(rows[:, self._blocks[j]])

        # The long tasks before the short ones, which keeps every thread busy to the end.
        tasks = [partial(decode_column, j) for j in sorted(set(range(len(columns))) - set(numeric))]
        tasks += [partial(decode_rows, first) for first in range(0, len(Z), _DECODE_BLOCK)]
        _map(pool, lambda i: tasks[i](), len(tasks))
        names = [column.name for column in columns]
        if len(numeric) == len(columns) > 1 and all(column.dtype == "float64" for column in columns):
            # The frame _frame would build, without its copy of the columns: theirs is the block already.
            return pd.DataFrame(numbers.T, columns=names, copy=False)
        for j, column_series in zip(numeric, _map(pool, lambda row: columns[numeric[row]].to_series(numbers[row]),
                                                  len(numeric))):
            series[j] = column_series
        return _frame(series, names, pool)

    def _decoded_matrix(self, Z: np.ndarray, pool: ThreadPoolExecutor | None) -> np.ndarray:
        """The decoded array, written a block of rows at a time, every column of a block before the next block,
        into the one output matrix. Column by column, the strided reads of ``Z`` and writes of the matrix went to
        memory; and stacking float64 columns before converting the stack allocated (and page-faulted) three times
        the output. A million-row draw of 20 numbers: 0.45 s, now 0.27 s on 2 cores."""
        columns, dtype = self.columns_, np.dtype(self.array_dtype_)
        matrix = np.empty((Z.shape[0], len(columns)), dtype=dtype)

        def decode_rows(first: int) -> None:
            rows, out = Z[first:first + _DECODE_BLOCK], matrix[first:first + _DECODE_BLOCK]
            for j, column in enumerate(columns):
                values = column.decode(rows[:, self._blocks[j]])
                if dtype.kind == "O":
                    out[:, j] = column.to_objects(values)
                elif dtype.kind in "iu":  # each column's own cast keeps it within its range, where float64 wraps
                    out[:, j] = column.to_series(values).to_numpy(dtype)
                else:
                    out[:, j] = np.asarray(values, dtype=np.float64)

        _map(pool, lambda i: decode_rows(i * _DECODE_BLOCK), -(-len(Z) // _DECODE_BLOCK))
        return matrix

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
            "columns": [column.state() for column in self.columns_],
        }

    @classmethod
    def from_state(cls, state: dict) -> TabularCodec:
        """Rebuild a codec from :meth:`get_state`'s output, or from the state an older augan wrote."""
        codec = cls(numeric_transform=state["numeric_transform"], n_quantiles=state["n_quantiles"])
        codec.container_ = state["container"]
        codec.array_dtype_ = state["array_dtype"]
        if codec.array_dtype_ is not None:
            try:
                np.dtype(codec.array_dtype_)
            except TypeError as exc:
                raise ValueError(f"the array dtype {codec.array_dtype_!r} is not a numpy dtype ({exc}).") from exc
        codec.n_features_in_ = state["n_features_in"]
        codec.columns_ = [column_from_state(c, state["numeric_transform"]) for c in state["columns"]]
        codec._set_layout()
        return codec


def categorical_mask(X: Any, categorical_features: Any = "auto") -> list[bool]:
    """Which columns of the table ``X`` are categorical, by the rule of :class:`TabularCodec`.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_features)
        The table.
    categorical_features : "auto", None, list of column names or indices, or boolean mask, default="auto"
        As in :class:`TabularCodec`: ``"auto"`` (or None) treats boolean, string, object and category columns
        as categorical; a list or mask gives every categorical column, the others being numeric.

    Returns
    -------
    mask : list of bool
        One entry per column.

    Raises
    ------
    TypeError, ValueError
        If a column holds dates, durations or complex numbers, or ``categorical_features`` names a column
        ``X`` does not have, or leaves out a column of text or text categories (which cannot be numeric).
    """
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
    for name in frame.columns:
        _refuse_dates(frame[name], name)
    spec = categorical_features
    n = frame.shape[1]
    if spec is None or (isinstance(spec, str) and spec == "auto"):
        return [_auto_categorical(frame[c], c) for c in frame.columns]
    items = list(np.asarray(spec).ravel()) if not isinstance(spec, (list, tuple)) else list(spec)
    if items and all(isinstance(v, (bool, np.bool_)) for v in items):
        if len(items) != n:
            raise ValueError(f"categorical_features is a mask of length {len(items)} but X has {n} columns.")
        mask = [bool(v) for v in items]
    else:
        mask = _listed_mask(frame, items)
    _check_unlisted_columns(frame, mask)
    return mask


def _listed_mask(frame: pd.DataFrame, items: list) -> list[bool]:
    """The mask of the columns ``items`` names (by name, or by position)."""
    n = frame.shape[1]
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


def _check_unlisted_columns(frame: pd.DataFrame, mask: list[bool]) -> None:
    """Refuse a column that an explicit ``categorical_features`` leaves numeric though it holds values that are
    not numbers (text, or categories of text): the numeric column's own error would blame the column."""
    for name, categorical in zip(frame.columns, mask):
        series = frame[name]
        if categorical or not _auto_categorical(series, name):
            continue
        try:
            to_numeric(series)
        except (ValueError, TypeError):
            example = series[to_numeric(series, errors="coerce").isna() & series.notna()].iloc[0]
            holds = "categories" if isinstance(series.dtype, pd.CategoricalDtype) else "text"
            listed = [plain_value(c) for c, is_cat in zip(frame.columns, mask) if is_cat]
            raise ValueError(f"categorical_features lists {listed[:10]}{'...' if len(listed) > 10 else ''} but "
                             f"column {name!r} holds {holds} ({plain_value(example)!r}, ...): list it too, or leave "
                             f"categorical_features=\"auto\" to detect categorical columns.") from None


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
            raise TypeError(f"column {name!r} holds {type(nested).__name__} values (e.g. {short_repr(nested)}); augan "
                            f"models one number, string or boolean per cell: split it into columns or drop it.")


def check_unique_columns(frame: pd.DataFrame) -> None:
    """Refuse (``ValueError``) a DataFrame that holds two columns of one name; the message calls it ``X``, as
    ``fit`` and ``fit_resample`` name their table."""
    if frame.columns.duplicated().any():
        dup = frame.columns[frame.columns.duplicated()].tolist()
        raise ValueError(f"X has duplicated column names {dup[:5]}; column names must be unique.")


def _as_frame(X: Any) -> tuple[pd.DataFrame, str, str | None]:
    if hasattr(X, "tocsr") or hasattr(X, "toarray"):
        raise TypeError("X is a sparse matrix; augan needs dense data (call X.toarray()).")
    if isinstance(X, pd.DataFrame):
        check_unique_columns(X)
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


