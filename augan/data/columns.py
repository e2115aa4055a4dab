"""One transformer per kind of table column, as RDT and CTGAN keep one transform record per column.

Each transformer is fitted on one column and owns its encoding (a block of the encoded matrix), its decoding
back to the column's values and dtype, its output layout (:class:`Span`) and its state (plain values, with the
registry name under ``"transform"``). :class:`~augan.data.tabular.TabularCodec` holds a list of them; a new
way to encode a column is one new class registered in :data:`COLUMNS`.

- :class:`QuantileColumn`: numbers to a standard normal through their empirical quantiles.
- :class:`StandardColumn`: numbers minus their mean, divided by their deviation.
- :class:`MissingIndicator`: a numeric column's missing values, as a two-level softmax span.
- :class:`OneHotColumn`: categories, strings and booleans one-hot, a missing value being a level of its own.
- :class:`ConstantColumn`: a column with a single value (or only missing ones), which takes no output.
"""

from __future__ import annotations

import decimal
import math
import re
import warnings
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.special import ndtr, ndtri

from .._validation import plain_value

MAX_CATEGORIES = 1000
# RDT's limit: float64 holds 15 significant digits; a column needing more decimals is not rounded.
MAX_DECIMALS = 14
_EPS = 1e-7
# Rows a numeric column decodes at a time.
_DECODE_ROWS = 1 << 16


@dataclass(frozen=True)
class Span:
    """A slice of the encoded row: ``width`` columns passed through ``activation`` ("linear" or "softmax")."""

    width: int
    activation: str


@dataclass
class Column(ABC):
    """A fitted transformer of one table column.

    Attributes
    ----------
    name : column label
        The column's name (or position, for an array).
    dtype : str
        The column's dtype name (:func:`dtype_name`), given back by :meth:`to_series`.
    """

    transform: ClassVar[str]  # its name in COLUMNS and in its state
    kind: ClassVar[str]  # what the column holds: "numeric", "categorical" or "constant"

    name: Any
    dtype: str

    @property
    @abstractmethod
    def spans(self) -> list[Span]:
        """The output layout of this column's block of the encoded matrix."""

    @property
    def width(self) -> int:
        """Columns of the encoded matrix this column takes."""
        return sum(span.width for span in self.spans)

    @abstractmethod
    def encode(self, series: pd.Series) -> np.ndarray:
        """The column's values as a ``(n, width)`` block of the encoded matrix."""

    @abstractmethod
    def decode(self, block: np.ndarray) -> np.ndarray:
        """A float ``(n, width)`` block of generated rows (float32 as the generator writes them, or float64) as
        the column's values, shape ``(n,)``."""

    def unseen_levels(self, series: pd.Series) -> list:
        """The distinct values of ``series`` that are no level this column learned in ``fit`` (NaN standing for
        missing values), which :meth:`encode` could not tell apart; none for numbers, which have no levels."""
        return []

    def to_series(self, values: np.ndarray) -> pd.Series:
        """Decoded values as a Series of the column's dtype."""
        dtype = _pandas_dtype(self.dtype)
        if pd.api.types.is_integer_dtype(dtype):
            return _integer_series(values, dtype, *self.integer_range(dtype))
        series = pd.Series(values)
        # pandas before 3 copies in astype even to the same dtype (a tenth of a second per million rows).
        return series if series.dtype == dtype else series.astype(dtype)

    def integer_range(self, dtype: Any) -> tuple[int, int]:
        """The smallest and largest value :meth:`to_series` gives back in the integer ``dtype``: its own."""
        info = np.iinfo(_integer_numpy_dtype(dtype))
        return int(info.min), int(info.max)

    def to_objects(self, values: np.ndarray) -> np.ndarray:
        """Decoded values as the cells of an object array."""
        return values

    def state(self) -> dict:
        """Everything needed to rebuild the fitted transformer, as plain Python values."""
        return {"transform": self.transform, **{f.name: plain_value(getattr(self, f.name)) for f in fields(self)}}

    @classmethod
    def from_state(cls, state: dict) -> Column:
        """Rebuild a transformer from :meth:`state`; keys a state of an older augan lacks take their defaults."""
        return cls(**{f.name: state[f.name] for f in fields(cls) if f.name in state})


COLUMNS: dict[str, type[Column]] = {}


def register_column(cls: type[Column]) -> type[Column]:
    """Add a :class:`Column` subclass to :data:`COLUMNS` under its ``transform`` name."""
    name = getattr(cls, "transform", None)
    if not isinstance(name, str) or not (isinstance(cls, type) and issubclass(cls, Column)):
        raise TypeError(f"a column transformer must be a Column subclass with a transform name, got {cls!r}.")
    if name in COLUMNS and COLUMNS[name] is not cls:
        raise ValueError(f"a column transformer named {name!r} is registered already ({COLUMNS[name].__name__}).")
    COLUMNS[name] = cls
    return cls


def column_from_state(state: dict, numeric_transform: str) -> Column:
    """Rebuild a column transformer from its state.

    ``numeric_transform`` names the numeric transformer of a state written before each column stored its own
    (model files up to commit ac2345b kept one record per column, its ``kind`` "numeric", "categorical" or
    "constant").

    Raises
    ------
    ValueError
        If the state names no known transformer.
    """
    name = state.get("transform") or {"numeric": numeric_transform, "categorical": "one-hot"}.get(
        state.get("kind"), state.get("kind"))
    if name not in COLUMNS:
        raise ValueError(f"unknown column transform {name!r} in the codec state (known: {sorted(COLUMNS)}).")
    column = COLUMNS[name].from_state(state)
    try:
        _pandas_dtype(column.dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"column {column.name!r} has the dtype {column.dtype!r}, which this pandas cannot build "
                         f"({exc}).") from exc
    return column


# ------------------------------------------------------------------------------ numbers
class MissingIndicator:
    """Whether a numeric column's value is missing, as a softmax span of two levels: present, missing.

    A numeric column holds one when its training values had gaps (its state's ``missing``); the value
    itself is then encoded as if it were the column's median.
    """

    spans: ClassVar[list[Span]] = [Span(2, "softmax")]

    @staticmethod
    def fit(values: np.ndarray) -> bool:
        """Whether ``values`` (float64, NaN for missing) need an indicator."""
        return bool(np.isnan(values).any())

    @staticmethod
    def encode(missing: np.ndarray) -> np.ndarray:
        """The ``(n, 2)`` block of the boolean mask ``missing``."""
        return np.column_stack([~missing, missing])

    @staticmethod
    def decode(block: np.ndarray) -> np.ndarray:
        """The boolean mask of rows whose "missing" level outscores "present"."""
        return block[:, 1] > block[:, 0]


@dataclass
class NumericColumn(Column):
    """A numeric column: one linear output (plus a :class:`MissingIndicator` when it had missing values).

    Values are clipped to the training range ``[lo, hi]``, missing ones encoded as ``fill``; decoded values
    are rounded to ``decimals`` (whole numbers for an ``integer`` column; None: not rounded). An object column
    of Python ints (``integer``) or of ``decimal.Decimal`` values (``decimal``) gets such values back.
    """

    kind: ClassVar[str] = "numeric"

    integer: bool = False
    decimals: int | None = None  # None: not rounded (a model file saved before it was learned holds none)
    missing: bool = False
    fill: float = 0.0
    lo: float | int = 0.0  # an integer dtype's exact int (a model file saved before holds its float)
    hi: float | int = 0.0
    decimal: bool = False

    @property
    def spans(self) -> list[Span]:
        return [Span(1, "linear")] + (MissingIndicator.spans if self.missing else [])

    @classmethod
    def fit(cls, name: Any, series: pd.Series, dtype: str, values: np.ndarray, **options: Any) -> NumericColumn:
        """Fit on ``values``, the float64 numbers of ``series`` (NaN for missing), holding two distinct values
        or a value and gaps (:func:`fit_numeric` makes constant columns of the others)."""
        observed = values[~np.isnan(values)]
        lo, hi = _value_range(series, observed)
        scale = _power_of_two_scale(max(abs(lo), abs(hi)))
        column = cls(name=name, dtype=dtype, integer=_is_integer_column(series),
                     decimals=_decimals(observed, series.dtype), missing=MissingIndicator.fit(values),
                     fill=float(np.median(observed / scale)) * scale, lo=lo, hi=hi,
                     decimal=_is_decimal_column(series))
        column.fit_values(observed, **options)
        return column

    @abstractmethod
    def fit_values(self, observed: np.ndarray, **options: Any) -> None:
        """Learn the map of the present values ``observed``; ``options`` are the codec's (``n_quantiles``)."""

    @abstractmethod
    def forward(self, values: np.ndarray) -> np.ndarray:
        """Present values, within ``[lo, hi]``, to codes."""

    @abstractmethod
    def backward(self, codes: np.ndarray) -> np.ndarray:
        """Codes to values (clipped to ``[lo, hi]`` afterwards)."""

    @property
    def scale(self) -> float:
        """A power of two that keeps this column's arithmetic finite (see :func:`_power_of_two_scale`)."""
        return _power_of_two_scale(max(abs(self.lo), abs(self.hi)))

    def encode(self, series: pd.Series) -> np.ndarray:
        values = numeric_values(series, self.name)
        missing = np.isnan(values)
        codes = self.forward(np.clip(np.where(missing, self.fill, values), self.lo, self.hi))
        return np.column_stack([codes, MissingIndicator.encode(missing)]) if self.missing else codes[:, None]

    def decode(self, block: np.ndarray) -> np.ndarray:
        if len(block) <= _DECODE_ROWS:
            return self._decode_rows(block)
        # In pieces that stay in cache, whose temporaries the allocator reuses: whole million-row columns
        # spent as long faulting in fresh pages for them as computing.
        values = np.empty(len(block))
        for start in range(0, len(block), _DECODE_ROWS):
            values[start:start + _DECODE_ROWS] = self._decode_rows(block[start:start + _DECODE_ROWS])
        return values

    def _decode_rows(self, block: np.ndarray) -> np.ndarray:
        values = np.clip(self.backward(block[:, 0].astype(np.float64)), self.lo, self.hi)
        decimals = 0 if self.integer else self.decimals
        if decimals is not None:
            values = np.round(values, decimals)
        return np.where(MissingIndicator.decode(block[:, 1:3]), np.nan, values) if self.missing else values

    def to_series(self, values: np.ndarray) -> pd.Series:
        if _pandas_dtype(self.dtype) == object:
            return pd.Series(self.to_objects(values), dtype=object)
        return super().to_series(values)

    def integer_range(self, dtype: Any) -> tuple[int, int]:
        """The training range, within ``dtype``'s (the float bounds of an older model file may pass it)."""
        lowest, highest = super().integer_range(dtype)
        return max(lowest, math.ceil(self.lo)), min(highest, math.floor(self.hi))

    def to_objects(self, values: np.ndarray) -> np.ndarray:
        return _number_objects(values, self.integer, self.decimal, self.decimals)


@register_column
@dataclass
class QuantileColumn(NumericColumn):
    """Numbers mapped to a standard normal through their empirical ``quantiles`` (robust to skew and outliers)."""

    transform: ClassVar[str] = "quantile"

    quantiles: list = field(default_factory=list)

    def fit_values(self, observed: np.ndarray, n_quantiles: int = 1000) -> None:
        n_q = int(max(2, min(n_quantiles, observed.size)))
        self.quantiles = (np.quantile(observed / self.scale, np.linspace(0, 1, n_q)) * self.scale).tolist()

    def forward(self, values: np.ndarray) -> np.ndarray:
        q, values = np.asarray(self.quantiles) / self.scale, values / self.scale
        refs = np.linspace(0, 1, q.size)
        # Average of the forward and backward interpolations: the rank of tied values is their middle.
        u = 0.5 * (np.interp(values, q, refs) - np.interp(-values, -q[::-1], -refs[::-1]))
        # Ranks squeezed into [eps, 1 - eps] (not clipped, which would move the extremes) keep z finite.
        return ndtri(_EPS + (1 - 2 * _EPS) * u)

    def backward(self, codes: np.ndarray) -> np.ndarray:
        q = np.asarray(self.quantiles) / self.scale
        # The ranks of the quantiles are evenly spaced, so a rank's interval is found by arithmetic: twice as
        # fast as np.interp's binary search, and the same values up to rounding.
        position = np.clip((ndtr(codes) - _EPS) / (1 - 2 * _EPS), 0, 1) * (q.size - 1)
        left = np.minimum(np.nan_to_num(position).astype(np.intp), q.size - 2)
        below = q[left]
        return (below + (position - left) * (q[left + 1] - below)) * self.scale


@register_column
@dataclass
class StandardColumn(NumericColumn):
    """Numbers minus their ``mean``, divided by their deviation ``std``."""

    transform: ClassVar[str] = "standard"

    mean: float = 0.0
    std: float = 1.0

    def fit_values(self, observed: np.ndarray, **options: Any) -> None:
        """Learn the mean and deviation; no option applies (``n_quantiles`` is the quantile transform's)."""
        self.mean, self.std = _mean_std(observed)

    def forward(self, values: np.ndarray) -> np.ndarray:
        scale = self.scale
        return (values / scale - self.mean / scale) / (self.std / scale)

    def backward(self, codes: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):  # beyond the float64 range: clipped to the training range after
            return codes * self.std + self.mean


def _number_objects(values: np.ndarray, integer: bool, decimal_: bool, decimals: int | None) -> np.ndarray:
    """The cells of an object column of numbers: Python ints (``integer``), ``decimal.Decimal`` values written
    with ``decimals`` places (``decimal_``), else the floats as they are; missing values stay as they are."""
    if integer:
        return np.array([v if pd.isna(v) else int(v) for v in values], dtype=object)
    if decimal_:
        text = (lambda v: repr(float(v))) if decimals is None else (lambda v: f"{v:.{decimals}f}")
        return np.array([v if pd.isna(v) else decimal.Decimal(text(v)) for v in values], dtype=object)
    return values


def numeric_transforms() -> tuple[str, ...]:
    """The names of the registered numeric transformers, which ``TabularCodec(numeric_transform=...)`` takes."""
    return tuple(name for name, cls in COLUMNS.items() if issubclass(cls, NumericColumn))


class _NumericTransformNames(AbstractSet):
    """A live view of :func:`numeric_transforms`, so that a transform registered later is a valid option."""

    def __contains__(self, name: object) -> bool:
        return name in numeric_transforms()

    def __iter__(self) -> Iterator[str]:
        return iter(numeric_transforms())

    def __len__(self) -> int:
        return len(numeric_transforms())

    @classmethod
    def _from_iterable(cls, names: Any) -> frozenset:  # what set operations on the view return
        return frozenset(names)


NUMERIC_TRANSFORMS = _NumericTransformNames()  # CGAN's choices: "quantile", "standard" and any registered later


def fit_numeric(name: Any, series: pd.Series, dtype: str, numeric_transform: str, **options: Any) -> Column:
    """The transformer of a numeric column: ``numeric_transform``'s, or a :class:`ConstantColumn` when the column
    holds one value and no gaps, or only gaps. ``options`` go to the numeric transformer's ``fit_values``."""
    values = numeric_values(series, name)
    observed = values[~np.isnan(values)]
    _warn_if_float64_merges_integers(name, series, observed)
    if observed.size == 0 or (observed.min() == observed.max() and observed.size == values.size):
        return ConstantColumn(name=name, dtype=dtype, integer=_is_integer_column(series),
                              decimal=_is_decimal_column(series),
                              value=_value_range(series, observed)[0] if observed.size else float("nan"))
    return COLUMNS[numeric_transform].fit(name, series, dtype, values, **options)


def _warn_if_float64_merges_integers(name: Any, series: pd.Series, observed: np.ndarray) -> None:
    """Warn when an integer column's values beyond 2**53 read as fewer float64 values, the numbers the GAN learns:
    its synthetic values can then only be those (typically an identifier, which is best dropped)."""
    if observed.size == 0 or np.abs(observed).max() < 2.0 ** 53 or not _is_integer_column(series):
        return
    exact, floats = series.dropna().nunique(), np.unique(observed).size
    if floats < exact:
        warnings.warn(f"column {name!r} holds integers beyond 2**53 that float64, in which the GAN learns numbers, "
                      f"cannot tell apart ({exact:,} distinct values read as {floats:,}); its synthetic values can "
                      f"only be those. An identifier column is best dropped before fitting.", UserWarning,
                      stacklevel=2)


# ----------------------------------------------------------------------------- categories
@register_column
@dataclass
class OneHotColumn(Column):
    """Categories (strings, booleans, pandas categories) one-hot encoded; a missing value is a level of its own.

    Unseen categories encode as all zeros. The declared categories of a pandas ``category`` column stay in its
    dtype, but those the training rows never held (``unused``, by position) are never generated.
    """

    transform: ClassVar[str] = "one-hot"
    kind: ClassVar[str] = "categorical"

    categories: list = field(default_factory=list)
    missing: bool = False
    unused: list = field(default_factory=list)  # positions of declared categories absent from the training rows
    ordered: bool = False

    @property
    def spans(self) -> list[Span]:
        return [Span(len(self.categories) + int(self.missing), "softmax")]

    @classmethod
    def fit(cls, name: Any, series: pd.Series, dtype: str) -> OneHotColumn:
        """Learn the levels of ``series``: its declared categories, or its distinct values sorted."""
        column = cls(name=name, dtype=dtype, missing=bool(series.isna().any()))
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
        return column

    def encode(self, series: pd.Series) -> np.ndarray:
        values = series.astype(object) if isinstance(series.dtype, pd.CategoricalDtype) else series
        codes = pd.Index(self.categories, dtype=object).get_indexer(values.astype(object)).astype(np.int64)
        width = self.width
        if self.missing:
            codes = np.where(pd.isna(values).to_numpy(), width - 1, codes)
        onehot = np.zeros((len(codes), width), dtype=np.float32)
        known = codes >= 0
        onehot[np.flatnonzero(known), codes[known]] = 1.0
        return onehot

    def unseen_levels(self, series: pd.Series) -> list:
        return _unseen_levels(series, self.categories, self.missing)

    def decode(self, block: np.ndarray) -> np.ndarray:
        if self.unused:  # a level the training rows never had is never generated
            block = block.copy()
            block[:, self.unused] = -np.inf
        levels = np.empty(self.width, dtype=object)
        levels[:len(self.categories)] = self.categories
        if self.missing:
            levels[-1] = np.nan
        return levels[block.argmax(axis=1)]

    def to_series(self, values: np.ndarray) -> pd.Series:
        if self.dtype == "category":
            return pd.Series(pd.Categorical(values, categories=self.categories, ordered=self.ordered))
        return super().to_series(values)


def fit_categorical(name: Any, series: pd.Series, dtype: str) -> Column:
    """The transformer of a categorical column: one-hot, or a :class:`ConstantColumn` for a single level."""
    column = OneHotColumn.fit(name, series, dtype)
    if len(column.categories) + int(column.missing) > 1:
        return column
    return ConstantColumn(name=name, dtype=dtype, value=column.categories[0] if column.categories else None,
                          categories=column.categories, ordered=column.ordered)


# ------------------------------------------------------------------------------ constants
@register_column
@dataclass
class ConstantColumn(Column):
    """A column holding a single ``value`` (NaN or None when it holds only missing values): no output span.

    ``categories`` and ``ordered`` keep a pandas ``category`` column's dtype; ``integer``, an object column's
    whole numbers.
    """

    transform: ClassVar[str] = "constant"
    kind: ClassVar[str] = "constant"

    value: Any = None
    integer: bool = False
    categories: list = field(default_factory=list)
    ordered: bool = False
    decimal: bool = False

    @property
    def spans(self) -> list[Span]:
        return []

    def encode(self, series: pd.Series) -> np.ndarray:
        return np.zeros((len(series), 0), dtype=np.float32)

    def unseen_levels(self, series: pd.Series) -> list:
        # A categorical column of one level keeps it in categories; a numeric constant has none, and no levels.
        return _unseen_levels(series, self.categories, missing=False) if self.categories else []

    def decode(self, block: np.ndarray) -> np.ndarray:
        return np.full(block.shape[0], self.value, dtype=object)

    def to_series(self, values: np.ndarray) -> pd.Series:
        if self.dtype == "category":
            return pd.Series(pd.Categorical(values, categories=self.categories, ordered=self.ordered))
        if _pandas_dtype(self.dtype) == object:
            return pd.Series(_number_objects(values, self.integer, self.decimal, None), dtype=object)
        return super().to_series(values)


# -------------------------------------------------------------------------------- helpers
def _unseen_levels(series: pd.Series, categories: list, missing: bool) -> list:
    """The distinct values of ``series`` outside ``categories``, in order of appearance; NaN for missing values
    when the column learned none."""
    values = series.astype(object)
    absent = pd.isna(values).to_numpy()
    codes = pd.Index(categories, dtype=object).get_indexer(values[~absent])
    unseen = [plain_value(v) for v in pd.unique(values[~absent][codes < 0])]
    return unseen + ([np.nan] if absent.any() and not missing else [])


def to_numeric(series: pd.Series, errors: str = "raise") -> pd.Series:
    """``pd.to_numeric(series, errors=errors)``, which an Arrow decimal column skips: it is numeric already,
    and pandas' to_numeric drops its nulls (then fails)."""
    dtype = series.dtype
    if isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype):
        return series
    return pd.to_numeric(series, errors=errors)


def numeric_values(series: pd.Series, name: Any) -> np.ndarray:
    """The numbers of ``series`` as float64, NaN for missing values.

    Raises
    ------
    ValueError
        If a value is not a number or is infinite; the message names the column ``name``.
    """
    try:
        values = to_numeric(series).to_numpy(dtype=np.float64, na_value=np.nan)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"column {name!r} is numeric but holds a value that is not a number: {exc}") from exc
    if np.isinf(values).any():
        raise ValueError(f"column {name!r} holds infinite values; replace them (e.g. with NaN) first.")
    # Subnormal numbers (below 2.2e-308) read as 0: quantile gaps between them overflow interpolation slopes to
    # inf, and inf * 0 gave NaN codes. The change is below any float64 resolution that matters to a model.
    return np.where(np.abs(values) < np.finfo(np.float64).tiny, 0.0, values)


def _sort_values(values: list) -> list:
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=lambda v: (type(v).__name__, str(v)))


def _power_of_two_scale(magnitude: float, max_exponent: int = 1000) -> float:
    """The smallest power of two ``s >= 1`` with ``magnitude / s < 2**max_exponent``.

    Dividing by it is exact, and it is 1 for all but values near the float64 limit (1.8e308), whose
    differences, interpolation slopes, sums and squares would otherwise overflow to inf.
    """
    return float(np.ldexp(1.0, max(0, int(np.frexp(magnitude)[1]) - max_exponent)))


def _mean_std(values: np.ndarray) -> tuple[float, float]:
    # Computed on the values divided by the power of two that brings the largest into [1, 2): exact, and it keeps
    # the squares of numbers near 1e308 finite and those of numbers near 1e-216 from underflowing to 0.
    magnitude = float(np.abs(values).max())
    scale = float(np.ldexp(1.0, int(np.frexp(magnitude)[1]) - 1)) if magnitude > 0 else 1.0
    scaled = values / scale
    return float(scaled.mean()) * scale, float(scaled.std()) * scale or 1.0


def _value_range(series: pd.Series, observed: np.ndarray) -> tuple[float, float] | tuple[int, int]:
    """The smallest and largest of the present values ``observed`` (float64) of ``series``; exact ints for an
    integer dtype, whose values above 2**53 float64 rounds (2**63 - 1 up to 2**63, past int64)."""
    if pd.api.types.is_integer_dtype(series.dtype):
        return int(series.min()), int(series.max())
    return float(observed.min()), float(observed.max())


def _integer_numpy_dtype(dtype: Any) -> np.dtype:
    """The numpy dtype of the integer ``dtype`` (numpy's, pandas' nullable or Arrow's)."""
    return np.dtype(getattr(dtype, "numpy_dtype", dtype))


def _integer_series(values: np.ndarray, dtype: Any, lo: int, hi: int) -> pd.Series:
    """Decoded ``values`` (floats, or the exact values of a category or constant; NaN or None for missing) as a
    Series of the integer ``dtype``, each within ``[lo, hi]``.

    Floats are not cast as they are: float64 rounds 2**63 - 1 up to 2**63, which int64 wraps to -2**63. A float
    at or beyond the float nearest a bound is that bound, exactly; one between them is exact as an integer.
    A numpy integer column with missing values comes back as pandas' nullable Int64 or UInt64.
    """
    numpy_dtype = _integer_numpy_dtype(dtype)
    values = np.asarray(values)
    missing = np.asarray(pd.isna(values), dtype=bool)
    if values.dtype == object:
        codes, levels = pd.factorize(values)  # missing values get code -1: the appended lo, masked below
        ints = np.array([min(max(int(v), lo), hi) for v in levels] + [lo], dtype=numpy_dtype)[codes]
    else:
        floats = values.astype(np.float64)
        lo_float, hi_float = float(lo), float(hi)
        ints = np.where((floats > lo_float) & (floats < hi_float), floats, 0).astype(numpy_dtype)
        ints[floats <= lo_float] = lo
        ints[floats >= hi_float] = hi
    if isinstance(dtype, np.dtype):
        if not missing.any():
            return pd.Series(ints)
        dtype = pd.Int64Dtype() if dtype.kind == "i" else pd.UInt64Dtype()
    return pd.Series(pd.arrays.IntegerArray(ints.astype(dtype.numpy_dtype), missing)).astype(dtype)


def _is_integer_column(series: pd.Series) -> bool:
    if pd.api.types.is_integer_dtype(series.dtype):
        return True
    if series.dtype == object:
        return all(isinstance(v, (int, np.integer)) for v in series.dropna())
    return False


def _is_decimal_column(series: pd.Series) -> bool:
    """An object column whose values are all ``decimal.Decimal`` (money, as databases hand it out)."""
    return series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) == "decimal"


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


def dtype_name(dtype: Any) -> str:
    """The name a column keeps of its ``dtype``, which :func:`_pandas_dtype` reads back as that same dtype.

    It is pandas' name but for strings, whose names (``"string"``, ``"str"``) leave the storage to pandas'
    default and call an Arrow string ``"string[pyarrow]"`` as pandas' own pyarrow strings: a pandas string
    is ``"string[python]"`` or ``"string[pyarrow]"`` (``"str[python]"``, ``"str[pyarrow]"`` for the ``str``
    dtype, whose missing value is NaN), an Arrow string ``"utf8[pyarrow]"``.
    """
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if isinstance(dtype, pd.StringDtype):
        return f"{'string' if dtype.na_value is pd.NA else 'str'}[{dtype.storage}]"
    if isinstance(dtype, pd.ArrowDtype) and dtype.pyarrow_dtype == pa.string():
        return "utf8[pyarrow]"
    return str(dtype)


def _pandas_dtype(name: str) -> Any:
    """The dtype called ``name`` by :func:`dtype_name` (or by pandas, in a model file saved before it), an Arrow
    decimal's (``decimal128(12, 2)[pyarrow]``) included: pandas cannot read a type's parameters back from its
    name."""
    decimal = re.fullmatch(r"(decimal(?:32|64|128|256))\((\d+), (-?\d+)\)\[pyarrow\]", name)
    if decimal:
        return pd.ArrowDtype(getattr(pa, decimal[1])(int(decimal[2]), int(decimal[3])))
    nan_string = re.fullmatch(r"str\[(\w+)\]", name)
    if nan_string:
        return pd.StringDtype(nan_string[1], na_value=np.nan)
    return pd.api.types.pandas_dtype(name)
