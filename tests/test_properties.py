"""Properties that hold for any table: hypothesis draws small DataFrames of mixed dtypes.

Round-trip tolerance of the codec (``inverse_transform(transform(X))``), derived rather than guessed:
the encoded matrix is float32, so a numeric value's code ``z`` carries a relative error of at most
2**-24 (6e-8). Through the quantile map ``x = interp(ndtr(z), ranks, quantiles)`` that moves the rank
``ndtr(z)`` by at most ``max_z phi(z)|z| * 6e-8 = 1.45e-8`` and the value by that times
``(n_quantiles - 1) * widest gap between neighbouring quantiles`` (the interpolation's slope). Floats
therefore come back within ``1.5e-8 * (n_q - 1) * max_gap`` (plus a few float64 ulps of the largest
value), which is an absolute bound set by the column's spread, not a relative one: a value near zero in
a column spanning +-1e6 has a large relative error, and no relative tolerance below float32's 6e-8 (let
alone 1e-9) can hold. The ranks are squeezed into [1e-7, 1 - 1e-7] before ``ndtri`` and unsqueezed after
``ndtr``, which adds no error (clipping them, as the codec first did, moved the training minimum and
maximum by 1e-7 of (n_q - 1) gaps). Integers, categories, booleans and missing values come back exactly,
integer columns as long as the bound stays below 0.5. The "standard" transform's bound is 2**-24 of the
distance to the column's mean. A column whose values use few decimals is rounded to them on decoding: exact
while the bound is under half a step, within the bound plus half a step otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from augan import CGAN
from augan.data.tabular import TabularCodec

FLOAT32_NOISE = 2.0**-24  # relative rounding of a float32
RANK_NOISE = 0.242 * FLOAT32_NOISE  # max over z of phi(z)|z|, times the rounding of z
FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])

COLUMN_KINDS = ("int", "nullable_int", "float", "float_nan", "big_float", "object_str", "object_str_none", "str",
                "bool", "category")


@st.composite
def columns(draw, kind: str, n: int) -> pd.Series:
    if kind == "int":
        return pd.Series(draw(st.lists(st.integers(-10**5, 10**5), min_size=n, max_size=n)), dtype=np.int64)
    if kind == "nullable_int":
        element = st.one_of(st.integers(-10**5, 10**5), st.none())
        return pd.Series(draw(st.lists(element, min_size=n, max_size=n)), dtype="Int64")
    if kind in ("float", "float_nan", "big_float"):
        bound = 1e300 if kind == "big_float" else 1e6
        finite = st.floats(-bound, bound, allow_nan=False, allow_infinity=False)
        element = st.one_of(finite, st.just(np.nan)) if kind == "float_nan" else finite
        return pd.Series(draw(st.lists(element, min_size=n, max_size=n)), dtype=np.float64)
    if kind in ("object_str", "object_str_none", "str"):
        element = st.sampled_from(["red", "green", "blue", "é"])
        if kind != "object_str":
            element = st.one_of(element, st.none())
        return pd.Series(draw(st.lists(element, min_size=n, max_size=n)), dtype=object if "object" in kind else "str")
    if kind == "bool":
        return pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    values = draw(st.lists(st.sampled_from(["lo", "mid", "hi"]), min_size=n, max_size=n))
    return pd.Series(pd.Categorical(values, categories=["lo", "mid", "hi", "unused"]))


@st.composite
def tables(draw, min_rows: int = 4, max_rows: int = 40) -> tuple[pd.DataFrame, np.ndarray]:
    n = draw(st.integers(min_rows, max_rows))
    kinds = draw(st.lists(st.sampled_from(COLUMN_KINDS), min_size=1, max_size=5))
    frame = pd.DataFrame({f"{kind}_{j}": draw(columns(kind, n)) for j, kind in enumerate(kinds)})
    n_minority = draw(st.integers(2, n - 2))
    y = np.array([0] * (n - n_minority) + [1] * n_minority)
    return frame, y


def _numeric_bound(codec: TabularCodec, name: str) -> float:
    """Largest round-trip error of a numeric column (see the module docstring), plus the subnormal numbers that
    are read as 0 (below 2.2e-308)."""
    return _rounding_bound(codec, name) + np.finfo(np.float64).tiny


def _rounding_bound(codec: TabularCodec, name: str) -> float:
    column = next(c for c in codec.columns_ if c.name == name)
    if column.kind == "constant":
        return 0.0
    if codec.numeric_transform == "quantile":
        q = np.asarray(column.quantiles)
        noise = RANK_NOISE * (q.size - 1) * float(np.diff(q).max())
    else:
        # z = (x - mean) / std in float32: the error is 2**-24 of the distance to the mean.
        noise = FLOAT32_NOISE * max(abs(column.lo - column.mean), abs(column.hi - column.mean))
    bound = noise + 8 * np.finfo(np.float64).eps * max(abs(column.lo), abs(column.hi))
    # Rounding to the column's decimals makes a value within half a step exact, and otherwise adds half a step.
    half_step = 0.5 * 10.0 ** -column.decimals if column.decimals is not None else 0.0
    return 0.0 if bound < half_step else bound + half_step


@pytest.mark.parametrize("numeric_transform", ["quantile", "standard"])
@FAST
@given(data=tables())
def test_codec_round_trip_is_exact_up_to_the_float32_bound(numeric_transform, data):
    X, _ = data
    codec = TabularCodec(numeric_transform=numeric_transform).fit(X)
    back = codec.inverse_transform(codec.transform(X))
    assert list(back.columns) == list(X.columns)
    assert back.dtypes.to_dict() == X.dtypes.to_dict()
    for name in X.columns:
        original, decoded = X[name], back[name]
        # Missing stays missing; in an object column None may come back as NaN (both are pandas' missing).
        assert decoded.isna().equals(original.isna()), name
        present = original.notna().to_numpy()
        if pd.api.types.is_float_dtype(original):
            error = np.abs(decoded.to_numpy() - original.to_numpy())[present]
            assert error.max(initial=0.0) <= _numeric_bound(codec, name), name
        else:
            assert decoded[present].tolist() == original[present].tolist(), name
            assert [type(v) for v in decoded[present]] == [type(v) for v in original[present]], name


def test_subnormal_values_neither_become_nor_cause_missing_values():
    # Found by the property above: quantile gaps of 2e-309 made interpolation slopes overflow, and NaN codes.
    X = pd.DataFrame({"x": np.r_[np.zeros(25), -np.ones(10), -2.225074e-311, -2.225074e-309]})
    for numeric_transform in ("quantile", "standard"):
        codec = TabularCodec(numeric_transform=numeric_transform).fit(X)
        encoded = codec.transform(X)
        assert np.isfinite(encoded).all()
        back = codec.inverse_transform(encoded)["x"]
        assert back.notna().all() and np.abs(back - X["x"]).max() < 1e-6


def test_a_column_of_zeros_and_a_subnormal_number_is_a_constant_zero():
    # Found by the round-trip property: the subnormal reads as 0, which leaves one value, a constant column.
    X = pd.DataFrame({"x": np.r_[np.zeros(5), 1.1e-308]})
    for numeric_transform in ("quantile", "standard"):
        codec = TabularCodec(numeric_transform=numeric_transform).fit(X)
        assert codec.columns_[0].kind == "constant"
        assert codec.inverse_transform(codec.transform(X))["x"].tolist() == [0.0] * 6


def test_the_bound_is_tight_enough_to_keep_integer_columns_exact():
    X = pd.DataFrame({"count": np.r_[np.zeros(30, np.int64), np.arange(1, 11) * 10**5]})
    codec = TabularCodec().fit(X)
    assert _numeric_bound(codec, "count") < 0.5
    pd.testing.assert_frame_equal(codec.inverse_transform(codec.transform(X)), X)


def test_training_extremes_are_not_pulled_inward():
    # Clipping the ranks to [1e-7, 1 - 1e-7] used to move them by 1e-7 of (n_q - 1) gaps: the maximum below
    # came back 3.9e6 too low. Squeezed ranks leave only float32 noise, which is tiny in the tails.
    X = pd.DataFrame({"amount": np.r_[0.0, np.full(38, 5.0), 1e12]})
    codec = TabularCodec().fit(X)
    back = codec.inverse_transform(codec.transform(X))["amount"]
    assert abs(back.iloc[0]) < 1e-9 and abs(back.iloc[-1] - 1e12) < 10


@FAST
@given(data=tables(min_rows=6))
def test_samples_keep_columns_dtypes_categories_and_training_ranges(data):
    X, y = data
    assume(TabularCodec().fit(X).output_dim_ > 0)  # a table of constants is refused (tests/test_bad_inputs.py)
    model = CGAN(epochs=1, batch_size=16, noise_dim=4, generator_dims=(8, 8), discriminator_dims=(8, 8),
                 device="cpu", random_state=0).fit(X, y)
    out = model.sample(50)
    assert list(out.columns) == list(X.columns)
    assert out.dtypes.to_dict() == X.dtypes.to_dict()
    for name in X.columns:
        original, generated = X[name], out[name]
        if not original.isna().any():
            assert generated.notna().all(), f"{name}: NaN in a column that had none"
        if isinstance(original.dtype, pd.CategoricalDtype):
            # Declared categories are levels of their own, even those absent from the training rows.
            assert generated.cat.categories.equals(original.cat.categories)
        elif pd.api.types.is_numeric_dtype(original) and not pd.api.types.is_bool_dtype(original):
            observed = generated.dropna()
            assert observed.between(original.min(), original.max()).all(), name
            if pd.api.types.is_integer_dtype(original):
                assert (observed == np.round(observed)).all()
        else:
            assert set(generated.dropna()) <= set(original.dropna()), name
