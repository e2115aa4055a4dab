import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import torch

from augan.data import columns, tabular
from augan.data.tabular import Span, TabularCodec, auto_categorical_columns


def test_round_trip_of_encoded_rows_is_exact_for_mixed_frame(mixed_frame):
    frame, _ = mixed_frame
    codec = TabularCodec().fit(frame)
    back = codec.inverse_transform(codec.transform(frame))
    assert list(back.columns) == list(frame.columns)
    assert back.dtypes.to_dict() == frame.dtypes.to_dict()
    np.testing.assert_array_equal(back["age"], frame["age"])
    # The encoded matrix is float32, so decoded floats agree to float32 precision through the quantile map.
    np.testing.assert_allclose(back["income"], frame["income"], rtol=1e-4)
    np.testing.assert_allclose(back["score"], frame["score"], rtol=1e-4, atol=1e-6)
    assert back["score"].isna().equals(frame["score"].isna())
    assert back["city"].isna().equals(frame["city"].isna())
    assert (back["city"].dropna() == frame["city"].dropna()).all()
    assert (back["member"] == frame["member"]).all()
    assert back["tier"].cat.categories.tolist() == ["silver", "gold", "bronze"]
    assert (back["tier"] == frame["tier"]).all()


def test_spans_describe_one_head_per_column_and_missing_indicators(mixed_frame):
    frame, _ = mixed_frame
    codec = TabularCodec().fit(frame)
    assert codec.spans_ == [
        Span(1, "linear"),                      # age
        Span(1, "linear"),                      # income
        Span(1, "linear"), Span(2, "softmax"),  # score + missing indicator
        Span(4, "softmax"),                     # city: 3 levels + missing
        Span(2, "softmax"),                     # member
        Span(3, "softmax"),                     # tier: declared categories
    ]
    assert codec.output_dim_ == codec.transform(frame).shape[1] == 14


def test_quantile_transform_maps_skewed_column_to_standard_normal():
    rng = np.random.default_rng(1)
    X = rng.lognormal(0, 2, size=(5000, 1))
    z = TabularCodec().fit(X).transform(X)[:, 0]
    assert abs(z.mean()) < 0.05
    assert abs(z.std() - 1) < 0.05


@pytest.mark.parametrize("transform", ["quantile", "standard"])
def test_decoded_numbers_stay_within_training_range(transform):
    X = np.arange(100, dtype=np.float64).reshape(-1, 1)
    codec = TabularCodec(numeric_transform=transform).fit(X)
    out = codec.inverse_transform(np.array([[-50.0], [0.0], [50.0]]))
    assert out.min() >= 0 and out.max() <= 99


def test_numpy_float32_in_gives_float32_out():
    X = np.random.default_rng(0).normal(size=(50, 3)).astype(np.float32)
    codec = TabularCodec().fit(X)
    out = codec.inverse_transform(codec.transform(X))
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_allclose(out, X, rtol=1e-5, atol=1e-5)


def test_integer_array_columns_round_trip_as_integers():
    X = np.random.default_rng(0).integers(0, 1000, size=(80, 2))
    codec = TabularCodec().fit(X)
    np.testing.assert_array_equal(codec.inverse_transform(codec.transform(X)), X)
    generated = codec.inverse_transform(np.random.default_rng(1).normal(size=(200, 2)))
    assert generated.dtype == X.dtype
    assert generated.min() >= X.min() and generated.max() <= X.max()


def test_object_array_infers_numeric_and_string_columns():
    X = np.array([[1, "a", 2.5], [2, "b", np.nan], [3, "a", 1.0], [4, "c", 0.5]], dtype=object)
    codec = TabularCodec().fit(X)
    assert [c.kind for c in codec.columns_] == ["numeric", "categorical", "numeric"]
    out = codec.inverse_transform(codec.transform(X))
    assert out.dtype == object
    assert out[:, 0].tolist() == [1, 2, 3, 4] and all(type(v) is int for v in out[:, 0])
    assert out[:, 1].tolist() == ["a", "b", "a", "c"]


def test_constant_and_all_missing_columns_are_reproduced_without_an_output_span():
    frame = pd.DataFrame({"x": np.arange(10.0), "const": 7, "empty": np.nan, "one": "k"})
    codec = TabularCodec().fit(frame)
    assert [c.kind for c in codec.columns_] == ["numeric", "constant", "constant", "constant"]
    assert codec.output_dim_ == 1
    out = codec.inverse_transform(np.zeros((3, 1)))
    assert (out["const"] == 7).all() and out["const"].dtype == frame["const"].dtype
    assert out["empty"].isna().all()
    assert (out["one"] == "k").all()


def test_explicit_categorical_features_by_name_and_index():
    frame = pd.DataFrame({"code": [1, 2, 3, 1, 2, 3], "v": np.arange(6.0)})
    assert TabularCodec(categorical_features=["code"]).fit(frame).columns_[0].kind == "categorical"
    assert TabularCodec(categorical_features=[0]).fit(frame).columns_[0].kind == "categorical"
    with pytest.raises(ValueError, match="categorical_features names 'nope'"):
        TabularCodec(categorical_features=["nope"]).fit(frame)


@pytest.mark.parametrize("left_out, holds", [
    (pd.Series(["business", "debt"] * 3, dtype=object), r"text \('business', \.\.\.\)"),
    (pd.Series(["business", "debt"] * 3, dtype="string"), r"text \('business', \.\.\.\)"),
    (pd.Series([1, "debt"] * 3, dtype=object), r"text \('debt', \.\.\.\)"),
    (pd.Series(pd.Categorical(["gold", "silver"] * 3)), r"categories \('gold', \.\.\.\)"),
])
def test_an_explicit_categorical_features_names_itself_when_it_leaves_out_a_text_column(left_out, holds):
    frame = pd.DataFrame({"code": [1, 2, 3, 1, 2, 3], "purpose": left_out})
    message = rf"categorical_features lists \['code'\] but column 'purpose' holds {holds}: list it too, or leave " \
              r"categorical_features=\"auto\""
    with pytest.raises(ValueError, match=message):
        TabularCodec(categorical_features=["code"]).fit(frame)
    with pytest.raises(ValueError, match=message):
        tabular.categorical_mask(frame, [True, False])


def test_an_explicit_categorical_features_leaves_columns_of_numbers_and_booleans_numeric():
    frame = pd.DataFrame({"code": [1, 2, 3, 1, 2, 3], "text_numbers": ["1", "2.5", "3"] * 2,
                          "flag": [True, False] * 3, "int_categories": pd.Categorical([1, 2, 3] * 2)})
    assert tabular.categorical_mask(frame, ["code"]) == [True, False, False, False]
    assert [c.kind for c in TabularCodec(categorical_features=["code"]).fit(frame).columns_] == [
        "categorical", "numeric", "numeric", "numeric"]


def test_unseen_category_encodes_as_all_zeros():
    codec = TabularCodec().fit(pd.DataFrame({"c": ["a", "b", "a"]}))
    np.testing.assert_array_equal(codec.transform(pd.DataFrame({"c": ["z"]})), [[0.0, 0.0]])


def test_declared_but_unused_categories_stay_in_the_dtype_and_are_never_generated():
    frame = pd.DataFrame({"c": pd.Categorical(["a", "c", "a", np.nan], categories=["a", "b", "c", "d"])})
    codec = TabularCodec().fit(frame)
    # Generated rows that favour the unused levels "b" and "d" (and, in the last row, missing) decode to used ones.
    Z = np.array([[0.1, 0.9, 0.0, 0.0, 0.0], [0.0, 0.2, 0.3, 0.9, 0.1], [0.0, 0.1, 0.0, 0.9, 0.5]])
    out = codec.inverse_transform(Z)
    assert out["c"].cat.categories.tolist() == ["a", "b", "c", "d"]
    assert out["c"].iloc[:2].tolist() == ["a", "c"] and out["c"].isna().tolist() == [False, False, True]
    again = TabularCodec.from_state(codec.get_state())
    pd.testing.assert_frame_equal(again.inverse_transform(Z), out)


def test_a_codec_state_saved_before_unused_categories_were_tracked_still_loads(mixed_frame):
    frame, _ = mixed_frame
    state = TabularCodec().fit(frame).get_state()
    for column in state["columns"]:
        column.pop("unused", None)  # a categorical column's field
    codec = TabularCodec.from_state(state)
    assert (codec.inverse_transform(codec.transform(frame))["tier"] == frame["tier"]).all()


def test_state_round_trip_rebuilds_an_identical_codec(mixed_frame):
    frame, _ = mixed_frame
    codec = TabularCodec().fit(frame)
    clone = TabularCodec.from_state(codec.get_state())
    np.testing.assert_array_equal(clone.transform(frame), codec.transform(frame))
    pd.testing.assert_frame_equal(clone.inverse_transform(codec.transform(frame)),
                                  codec.inverse_transform(codec.transform(frame)))


@pytest.mark.parametrize("bad, error, message", [
    (np.zeros(5), ValueError, "must be 2-D"),
    (pd.DataFrame({"t": pd.to_datetime(["2020-01-01", "2021-01-01"])}), TypeError, "dates"),
    (pd.DataFrame({"x": [1.0, np.inf]}), ValueError, "infinite"),
])
def test_bad_tables_are_refused_with_a_clear_message(bad, error, message):
    with pytest.raises(error, match=message):
        TabularCodec().fit(bad)


def test_unknown_numeric_transform_lists_the_choices():
    with pytest.raises(ValueError, match="quantile"):
        TabularCodec(numeric_transform="log").fit(np.zeros((3, 1)))


def test_transform_matches_a_dataframes_columns_by_name(mixed_frame):
    frame, _ = mixed_frame
    codec = TabularCodec().fit(frame)
    expected = codec.transform(frame)
    np.testing.assert_array_equal(codec.transform(frame[frame.columns[::-1]]), expected)
    np.testing.assert_array_equal(codec.transform(frame.to_numpy(dtype=object)), expected)  # arrays: by position


@pytest.mark.parametrize(("change", "message"), [
    (lambda f: f.rename(columns={"age": "AGE"}), "missing 'age'; unexpected 'AGE'"),
    (lambda f: f.drop(columns=["city"]), "missing 'city' (expected 'age', 'income'"),
    (lambda f: f.assign(extra=1), "unexpected 'extra' (expected"),
    (lambda f: f.to_numpy(dtype=object)[:, :3], "X has 3 columns; expected 6"),
])
def test_transform_refuses_columns_other_than_those_of_fit_naming_them(mixed_frame, change, message):
    frame, _ = mixed_frame
    codec = TabularCodec().fit(frame)
    with pytest.raises(ValueError, match=re.escape(message)):
        codec.transform(change(frame))


def _random_codes(codec: TabularCodec, n: int = 400) -> np.ndarray:
    """Encoded rows as an untrained generator makes them: anywhere, not only at the training rows' codes."""
    return np.random.default_rng(0).normal(scale=1.5, size=(n, codec.output_dim_))


def test_decoded_values_keep_the_decimals_of_the_column():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"cents": np.round(rng.lognormal(10, 1, 200), 2),
                          "tenths": np.round(rng.normal(size=200), 1)})
    codec = TabularCodec().fit(frame)
    out = codec.inverse_transform(_random_codes(codec))
    assert (out["cents"] == np.round(out["cents"], 2)).all()
    assert (out["tenths"] == np.round(out["tenths"], 1)).all()
    assert (out["cents"] != np.round(out["cents"], 1)).any()  # rounded to cents, not coarser
    assert set(out["cents"].astype(str).str.split(".").str[1].str.len()) <= {1, 2}


def test_cents_spanning_a_wide_range_are_still_rounded_to_cents():
    # Above ~1e3, x * 1e14 leaves float64's exact integers: rounding to 14 decimals moves some values, so the
    # decimals are searched from 0 up rather than after a check at the limit (which would find none here).
    frame = pd.DataFrame({"amount": np.round(np.random.default_rng(0).lognormal(10, 3, 1000), 2)})
    codec = TabularCodec().fit(frame)
    out = codec.inverse_transform(_random_codes(codec))["amount"]
    assert (out == np.round(out, 2)).all() and (out != np.round(out, 1)).any()


def test_whole_valued_float_column_with_missing_values_decodes_whole_and_keeps_missing_values():
    rng = np.random.default_rng(0)
    months = rng.integers(0, 200, 300).astype(float)
    months[rng.random(300) < 0.2] = np.nan
    frame = pd.DataFrame({"months": months, "count": pd.array(np.where(np.isnan(months), None, months // 3),
                                                                dtype="Int64")})
    codec = TabularCodec().fit(frame)
    out = codec.inverse_transform(_random_codes(codec))
    assert out.dtypes.to_dict() == frame.dtypes.to_dict()
    for name in frame:
        present = out[name].dropna().to_numpy(dtype=float)
        assert (present == np.round(present)).all(), name
        assert 0 < out[name].isna().sum() < len(out), name


def test_float32_column_keeps_its_decimals_in_float32():
    frame = pd.DataFrame({"x": np.round(np.random.default_rng(0).uniform(0, 10, 100), 1).astype(np.float32)})
    codec = TabularCodec().fit(frame)
    out = codec.inverse_transform(_random_codes(codec))["x"]
    assert out.dtype == np.float32
    assert (out == np.round(out.astype(np.float64), 1).astype(np.float32)).all()


def test_full_precision_columns_are_not_rounded():
    frame = pd.DataFrame({"x": np.random.default_rng(0).normal(size=100)})
    codec = TabularCodec().fit(frame)
    out = codec.inverse_transform(_random_codes(codec))["x"]
    assert (out != np.round(out, 8)).mean() > 0.9


def test_a_codec_state_saved_before_decimals_were_learned_still_loads():
    frame = pd.DataFrame({"cents": np.round(np.random.default_rng(0).uniform(0, 100, 50), 2)})
    state = TabularCodec().fit(frame).get_state()
    for column in state["columns"]:
        del column["decimals"]
    codec = TabularCodec.from_state(state)
    np.testing.assert_allclose(codec.inverse_transform(codec.transform(frame))["cents"], frame["cents"], rtol=1e-4)


def test_auto_categorical_columns_names_the_columns_auto_makes_categories(mixed_frame):
    frame, _ = mixed_frame
    assert auto_categorical_columns(frame) == ["city", "member", "tier"]
    codec = TabularCodec().fit(frame)
    assert [c.name for c in codec.columns_ if c.kind == "categorical"] == ["city", "member", "tier"]


def test_arrow_decimal_column_is_numeric_and_comes_back_in_its_decimal_type():
    rng = np.random.default_rng(0)
    cents = [None if missing else f"{value:.2f}" for value, missing in
             zip(rng.lognormal(8, 1, 300), rng.random(300) < 0.1)]
    dtype = pd.ArrowDtype(pa.decimal128(12, 2))
    frame = pd.DataFrame({"price": pd.Series(pa.array([None if c is None else Decimal(c) for c in cents],
                                                      pa.decimal128(12, 2)), dtype=dtype)})
    codec = TabularCodec().fit(frame)
    assert codec.spans_ == [Span(1, "linear"), Span(2, "softmax")]  # a number with missing values, not 300 levels
    out = TabularCodec.from_state(codec.get_state()).inverse_transform(_random_codes(codec))["price"]
    assert out.dtype == dtype
    assert 0 < out.isna().sum() < len(out)
    present = out.dropna().astype(float)
    assert present.between(float(frame["price"].min()), float(frame["price"].max())).all()


@pytest.mark.parametrize("container", ["dataframe", "array"])
@pytest.mark.parametrize("kinds", ["float64", "float32", "int64", "mixed"])
def test_a_large_decode_on_several_threads_gives_what_one_thread_gives(monkeypatch, kinds, container):
    rng = np.random.default_rng(0)
    n = 2000
    frame = pd.DataFrame({f"c{j}": rng.normal(size=n) for j in range(6)})
    if kinds in ("float32", "int64"):
        frame = (frame * 100).astype(kinds)
    if kinds == "mixed":
        frame["c1"] = (frame["c1"] * 100).round().astype("int64")
        frame["c2"] = rng.choice(["a", "b", "c"], size=n)
        frame["c3"] = pd.Categorical(rng.choice(["x", "y"], size=n))
        frame.loc[::7, "c4"] = np.nan
    table = frame if container == "dataframe" else frame.to_numpy()  # "mixed": an object array
    codec = TabularCodec().fit(table)
    Z = codec.transform(table) + rng.normal(scale=0.3, size=(n, codec.output_dim_)).astype(np.float32)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 3)
    serial = codec.inverse_transform(Z)  # under the size at which a pool starts, and one block of rows
    pools = []

    class Pool(ThreadPoolExecutor):
        def __init__(self, workers: int) -> None:
            pools.append(workers)
            super().__init__(workers)

    monkeypatch.setattr(tabular, "ThreadPoolExecutor", Pool)
    monkeypatch.setattr(tabular, "_PARALLEL_CELLS", 1)
    monkeypatch.setattr(tabular, "_DECODE_BLOCK", 300)  # 6 blocks of 300 rows and one of 200, on the pool
    parallel = codec.inverse_transform(Z)
    assert pools == [3]
    if container == "dataframe":
        pd.testing.assert_frame_equal(parallel, serial)
        assert list(parallel.dtypes) == list(frame.dtypes)
        by_column = {column.name: column.to_series(column.decode(Z[:, block]))
                     for column, block in zip(codec.columns_, codec._blocks)}
        pd.testing.assert_frame_equal(serial, pd.DataFrame(by_column), check_column_type=False)
    else:
        assert parallel.dtype == serial.dtype == table.dtype
        assert pd.DataFrame(parallel).equals(pd.DataFrame(serial))  # NaN equal to NaN, in object arrays too


def test_a_frame_of_one_dtype_is_the_frame_pandas_builds_from_its_columns():
    series = [pd.Series(np.arange(5, dtype=np.float64) * j) for j in range(4)]
    names = ["a", 1, "c", ("d", 2)]
    built = tabular._frame(series, names)
    pd.testing.assert_frame_equal(built, pd.DataFrame(dict(zip(names, series)), columns=names))
    built.iloc[0, 0] = 99.0  # the frame owns its block: the decoded columns are untouched
    assert series[0].iloc[0] == 0.0


@pytest.mark.parametrize("dtype", [np.int64, np.uint64])
def test_integer_array_columns_at_the_top_of_their_dtype_decode_without_wrapping(dtype):
    top = np.iinfo(dtype).max
    X = np.array([[top, 1], [top - 10**6, 2]] * 20, dtype=dtype)
    codec = TabularCodec().fit(X)
    generated = codec.inverse_transform(np.array([[-40.0, 0.0], [0.0, 0.0], [40.0, 0.0]]))
    assert generated.dtype == X.dtype
    assert X[:, 0].min() <= generated[:, 0].min() and generated[:, 0].max() <= top


STRING_DTYPES = [pd.StringDtype("python"), pd.StringDtype("pyarrow"), pd.StringDtype("python", na_value=np.nan),
                 pd.StringDtype("pyarrow", na_value=np.nan), pd.ArrowDtype(pa.string()),
                 pd.ArrowDtype(pa.large_string())]


@pytest.mark.parametrize("dtype", STRING_DTYPES, ids=repr)
@pytest.mark.parametrize("string_storage", ["python", "pyarrow"])
def test_string_columns_come_back_in_their_own_storage_whatever_pandas_default(dtype, string_storage):
    frame = pd.DataFrame({"s": pd.array(["a", "b", None, "a"] * 5, dtype=dtype), "v": np.arange(20.0)})
    codec = TabularCodec().fit(frame)
    state = codec.get_state()
    with pd.option_context("mode.string_storage", string_storage):
        for fitted in (codec, TabularCodec.from_state(state)):
            back = fitted.inverse_transform(fitted.transform(frame))
            assert back["s"].dtype == frame["s"].dtype
            # the Index of column names is pandas' own, made under the option in force
            pd.testing.assert_frame_equal(back, frame, check_column_type=False)


@pytest.mark.parametrize("old_name, na_value", [("string", pd.NA), ("str", np.nan)])
def test_a_codec_state_naming_a_string_dtype_without_its_storage_still_loads(old_name, na_value):
    frame = pd.DataFrame({"s": pd.array(["a", "b"] * 5, dtype=pd.StringDtype("python", na_value=na_value)),
                          "v": np.arange(10.0)})
    state = TabularCodec().fit(frame).get_state()
    state["columns"][0]["dtype"] = old_name
    back = TabularCodec.from_state(state).inverse_transform(TabularCodec().fit(frame).transform(frame))
    assert back["s"].dtype == pd.api.types.pandas_dtype(old_name)
    assert back["s"].tolist() == frame["s"].tolist()


@pytest.mark.parametrize("transform", ["quantile", "standard"])
def test_numeric_columns_decode_in_pieces_to_what_they_decode_at_once(transform, monkeypatch):
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"x": rng.lognormal(size=200), "k": rng.integers(0, 50, 200),
                          "m": np.where(rng.random(200) < 0.3, np.nan, rng.normal(size=200).round(2))})
    codec = TabularCodec(numeric_transform=transform).fit(frame)
    Z = codec.transform(frame) + rng.normal(scale=0.5, size=(200, codec.output_dim_)).astype(np.float32)
    at_once = codec.inverse_transform(Z)
    monkeypatch.setattr(columns, "_DECODE_ROWS", 7)  # 28 pieces of 7 rows and one of 4
    pd.testing.assert_frame_equal(codec.inverse_transform(Z), at_once)
    assert at_once["m"].isna().any() and (at_once["k"] % 1 == 0).all()


def test_a_large_fit_and_encoding_on_several_threads_give_what_one_thread_gives(monkeypatch, mixed_frame):
    frame, _ = mixed_frame
    frame = pd.concat([frame] * 20, ignore_index=True)
    serial = TabularCodec().fit(frame)
    encoded = serial.transform(frame)
    pools = []

    class Pool(ThreadPoolExecutor):
        def __init__(self, workers: int) -> None:
            pools.append(workers)
            super().__init__(workers)

    monkeypatch.setattr(torch, "get_num_threads", lambda: 3)
    monkeypatch.setattr(tabular, "ThreadPoolExecutor", Pool)
    monkeypatch.setattr(tabular, "_PARALLEL_CELLS", 1)
    threaded = TabularCodec().fit(frame)
    assert threaded.get_state() == serial.get_state()
    np.testing.assert_array_equal(threaded.transform(frame), encoded)
    assert pools == [3, 3], "one pool for the fit, one for the encoding"
    bad = frame.assign(income=frame["income"].astype(object))
    bad.loc[5, "income"] = "n/a"
    with pytest.raises(ValueError) as on_threads:
        TabularCodec(categorical_features=["city"]).fit(bad)
    monkeypatch.setattr(tabular, "_PARALLEL_CELLS", 10**12)
    with pytest.raises(ValueError) as on_one:
        TabularCodec(categorical_features=["city"]).fit(bad)
    assert str(on_threads.value) == str(on_one.value), "the same column is named, with the same words"
