from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtr

from augan import CGAN
from augan.data import columns
from augan.data.columns import (COLUMNS, Column, ConstantColumn, MissingIndicator, NumericColumn, OneHotColumn,
                                QuantileColumn, Span, StandardColumn, column_from_state, fit_categorical, fit_numeric,
                                register_column)
from augan.data.tabular import TabularCodec

RNG = np.random.default_rng(0)
PRICES = pd.Series(np.round(RNG.lognormal(3, 1, 200), 2))
WITH_GAPS = pd.Series(np.where(RNG.random(200) < 0.2, np.nan, RNG.normal(size=200)))
CITIES = pd.Series(np.where(RNG.random(200) < 0.1, None, RNG.choice(["lyon", "nice", "paris"], 200)), dtype=object)
TIERS = pd.Series(pd.Categorical(RNG.choice(["gold", "silver"], 200), categories=["silver", "gold", "bronze"]))


def _fitted(kind: str) -> tuple[Column, pd.Series]:
    if kind in ("quantile", "standard"):
        return fit_numeric("price", PRICES, "float64", kind), PRICES
    if kind == "missing":
        return fit_numeric("score", WITH_GAPS, "float64", "quantile"), WITH_GAPS
    if kind == "one-hot":
        return fit_categorical("city", CITIES, "object"), CITIES
    if kind == "category":
        return fit_categorical("tier", TIERS, "category"), TIERS
    constant = pd.Series([7] * 200)
    return fit_numeric("seven", constant, "int64", "quantile"), constant


KINDS = ["quantile", "standard", "missing", "one-hot", "category", "constant"]
CLASSES = {"quantile": QuantileColumn, "standard": StandardColumn, "missing": QuantileColumn,
           "one-hot": OneHotColumn, "category": OneHotColumn, "constant": ConstantColumn}
SPANS = {"quantile": [Span(1, "linear")], "standard": [Span(1, "linear")],
         "missing": [Span(1, "linear"), Span(2, "softmax")], "one-hot": [Span(4, "softmax")],
         "category": [Span(3, "softmax")], "constant": []}


@pytest.mark.parametrize("kind", KINDS)
def test_each_transformer_round_trips_its_column_in_its_dtype(kind):
    column, series = _fitted(kind)
    assert type(column) is CLASSES[kind]
    block = column.encode(series)
    assert block.shape == (len(series), column.width)
    back = column.to_series(column.decode(block.astype(np.float32).astype(np.float64)))
    assert back.dtype == series.dtype
    if column.kind == "numeric":
        assert back.isna().equals(series.isna())
        np.testing.assert_allclose(back, series, rtol=1e-5, atol=1e-6)
    else:
        assert back.astype(object).where(back.notna(), None).tolist() == \
            series.astype(object).where(series.notna(), None).tolist()


@pytest.mark.parametrize("kind", KINDS)
def test_each_transformer_describes_its_block_with_spans(kind):
    column, _ = _fitted(kind)
    assert column.spans == SPANS[kind]
    assert column.width == sum(span.width for span in SPANS[kind])


@pytest.mark.parametrize("kind", KINDS)
def test_each_transformers_state_is_plain_and_rebuilds_the_same_transformer(kind):
    column, series = _fitted(kind)
    state = column.state()
    assert state["transform"] == column.transform and state["name"] == column.name
    again = column_from_state(state, numeric_transform="standard")  # a state names its own transform
    assert again == column and type(again) is type(column)
    np.testing.assert_array_equal(again.encode(series), column.encode(series))


def test_numeric_decoding_clips_to_the_training_range_and_keeps_the_decimals():
    column = fit_numeric("price", PRICES, "float64", "standard")
    values = column.decode(np.array([[-40.0], [0.1], [40.0]]))
    assert values[0] == PRICES.min() and values[2] == PRICES.max()
    assert values[1] == np.round(values[1], 2) != np.round(values[1], 1)


def test_quantile_decoding_interpolates_between_the_quantiles_as_np_interp_does():
    rng = np.random.default_rng(0)
    values = rng.standard_t(3, size=5_000)
    column = QuantileColumn.fit("x", pd.Series(values), "float64", values)
    codes = np.concatenate([rng.normal(scale=1.5, size=10_000), [-40.0, 0.0, 40.0, np.nan]])
    q = np.asarray(column.quantiles) / column.scale
    ranks = (ndtr(codes) - columns._EPS) / (1 - 2 * columns._EPS)
    expected = np.interp(ranks, np.linspace(0, 1, q.size), q) * column.scale
    decoded = column.backward(codes)
    np.testing.assert_allclose(decoded[:-1], expected[:-1], rtol=1e-12, atol=1e-12)
    assert decoded[-4] == column.quantiles[0] and decoded[-2] == column.quantiles[-1] and np.isnan(decoded[-1])


def test_missing_indicator_encodes_present_and_missing_levels_and_decodes_the_larger():
    missing = np.array([False, True, False])
    np.testing.assert_array_equal(MissingIndicator.encode(missing), [[1, 0], [0, 1], [1, 0]])
    np.testing.assert_array_equal(MissingIndicator.decode(np.array([[0.9, 0.1], [0.2, 0.8]])), [False, True])
    assert MissingIndicator.fit(np.array([1.0, np.nan])) and not MissingIndicator.fit(np.array([1.0, 2.0]))


def test_a_column_with_one_value_and_gaps_keeps_its_missing_indicator():
    column = fit_numeric("x", pd.Series([3.0, np.nan, 3.0]), "float64", "quantile")
    assert column.kind == "numeric" and column.missing
    assert column.decode(np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])).tolist()[0] == 3.0


def test_only_missing_values_make_a_constant_column_of_nan():
    column = fit_numeric("x", pd.Series([np.nan, np.nan]), "float64", "quantile")
    assert isinstance(column, ConstantColumn) and column.width == 0
    assert column.to_series(column.decode(np.zeros((2, 0)))).isna().all()


def test_the_registry_holds_one_class_per_transform():
    assert {name: cls.__name__ for name, cls in COLUMNS.items()} == {
        "quantile": "QuantileColumn", "standard": "StandardColumn", "one-hot": "OneHotColumn",
        "constant": "ConstantColumn"}
    assert columns.numeric_transforms() == ("quantile", "standard")


def test_register_column_refuses_a_taken_name_and_a_class_that_is_no_column():
    @dataclass
    class Impostor(NumericColumn):
        transform: ClassVar[str] = "quantile"

    with pytest.raises(ValueError, match="'quantile' is registered already"):
        register_column(Impostor)
    with pytest.raises(TypeError, match="Column subclass"):
        register_column(dict)


def test_an_unknown_transform_in_a_state_is_a_value_error_listing_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown column transform 'wavelet'.*'one-hot'"):
        column_from_state({"transform": "wavelet", "name": "x", "dtype": "float64"}, "quantile")


def test_a_new_numeric_transform_is_one_registered_class(monkeypatch):
    @dataclass
    class MinMaxColumn(NumericColumn):
        transform: ClassVar[str] = "minmax"

        def fit_values(self, observed, **options):
            pass

        def forward(self, values):
            return 2 * (values - self.lo) / (self.hi - self.lo) - 1

        def backward(self, codes):
            return (codes + 1) / 2 * (self.hi - self.lo) + self.lo

    monkeypatch.setitem(COLUMNS, "minmax", MinMaxColumn)
    frame = pd.DataFrame({"price": PRICES, "city": CITIES})
    codec = TabularCodec(numeric_transform="minmax").fit(frame)
    Z = codec.transform(frame)
    assert Z[:, 0].min() == -1 and Z[:, 0].max() == 1
    again = TabularCodec.from_state(codec.get_state())
    pd.testing.assert_frame_equal(again.inverse_transform(Z), codec.inverse_transform(Z))
    np.testing.assert_allclose(again.inverse_transform(Z)["price"], PRICES, rtol=1e-5)
    gan = CGAN(numeric_transform="minmax", epochs=1, batch_size=8, noise_dim=4, generator_dims=(8,),
               discriminator_dims=(8,), random_state=0).fit(frame, np.arange(len(frame)) % 2)
    assert isinstance(gan.codec_.columns_[0], MinMaxColumn)
    assert gan.sample(20)["price"].between(PRICES.min(), PRICES.max()).all()


# The state of TabularCodec().fit(FRAME) for each numeric transform, as augan wrote it before the codec held one
# transformer per column (commit ac2345b): one 16-field record per column, told apart by its "kind".
FRAME = pd.DataFrame({"x": [1.5, np.nan, 3.0, 2.25], "n": [1, 2, 3, 4], "c": ["a", "b", None, "a"],
                      "k": pd.Categorical(["u", "u", "v", "u"], categories=["v", "u", "w"]), "z": 5})
_BLANK = {"integer": False, "decimals": None, "missing": False, "fill": 0.0, "lo": 0.0, "hi": 0.0, "quantiles": [],
          "mean": 0.0, "std": 1.0, "categories": [], "unused": [], "ordered": False, "value": None}


def _old_state(numeric_transform, x, n):
    records = [{**_BLANK, "name": "x", "kind": "numeric", "dtype": "float64", "decimals": 2, "missing": True,
                "fill": 2.25, "lo": 1.5, "hi": 3.0, **x},
               {**_BLANK, "name": "n", "kind": "numeric", "dtype": "int64", "integer": True, "decimals": 0,
                "fill": 2.5, "lo": 1.0, "hi": 4.0, **n},
               {**_BLANK, "name": "c", "kind": "categorical", "dtype": "str", "missing": True,
                "categories": ["a", "b"]},
               {**_BLANK, "name": "k", "kind": "categorical", "dtype": "category", "categories": ["v", "u", "w"],
                "unused": [2]},
               {**_BLANK, "name": "z", "kind": "constant", "dtype": "int64", "integer": True, "decimals": 0,
                "value": 5.0}]
    return {"categorical_features": "auto", "numeric_transform": numeric_transform, "n_quantiles": 3,
            "container": "dataframe", "array_dtype": None, "n_features_in": 5, "columns": records}


OLD = {
    "quantile": (_old_state("quantile", {"quantiles": [1.5, 2.25, 3.0]}, {"quantiles": [1.0, 2.5, 4.0]}),
                 [[-5.199337482452393, 1, 0, -5.199337482452393, 1, 0, 0, 0, 1, 0],
                  [0.0, 0, 1, -0.4307272136211395, 0, 1, 0, 0, 1, 0],
                  [5.199337482452393, 1, 0, 0.4307272136211395, 0, 0, 1, 1, 0, 0],
                  [0.0, 1, 0, 5.199337482452393, 1, 0, 0, 0, 1, 0]]),
    "standard": (_old_state("standard", {"mean": 2.25, "std": 0.6123724356957945},
                            {"mean": 2.5, "std": 1.118033988749895}),
                 [[-1.2247449159622192, 1, 0, -1.341640830039978, 1, 0, 0, 0, 1, 0],
                  [0.0, 0, 1, -0.4472135901451111, 0, 1, 0, 0, 1, 0],
                  [1.2247449159622192, 1, 0, 0.4472135901451111, 0, 0, 1, 1, 0, 0],
                  [0.0, 1, 0, 1.341640830039978, 1, 0, 0, 0, 1, 0]]),
}


@pytest.mark.parametrize("numeric_transform", ["quantile", "standard"])
def test_a_codec_state_written_before_per_column_transformers_loads_and_encodes_as_it_did(numeric_transform):
    state, encoded = OLD[numeric_transform]
    codec = TabularCodec.from_state(state)
    assert [type(c).__name__ for c in codec.columns_] == [
        f"{numeric_transform.capitalize()}Column"] * 2 + ["OneHotColumn", "OneHotColumn", "ConstantColumn"]
    np.testing.assert_array_equal(codec.transform(FRAME), np.asarray(encoded, dtype=np.float32))
    back = codec.inverse_transform(codec.transform(FRAME))
    pd.testing.assert_frame_equal(back, FRAME)
    fresh = TabularCodec(numeric_transform=numeric_transform, n_quantiles=3).fit(FRAME)
    np.testing.assert_array_equal(fresh.transform(FRAME), codec.transform(FRAME))
    old_columns = codec.get_state()["columns"]
    old_columns[2]["dtype"] = "str[pyarrow]"  # a fresh state names the storage the old "str" left to pandas
    assert fresh.get_state()["columns"] == old_columns


def _as_old_state(state):
    """A codec state of this augan written as the augan of commit ac2345b wrote it."""
    kinds = {"quantile": "numeric", "standard": "numeric", "one-hot": "categorical", "constant": "constant"}
    records = [{**_BLANK, **{k: v for k, v in column.items() if k != "transform"}, "kind": kinds[column["transform"]]}
               for column in state["columns"]]
    return {**state, "columns": records}


@pytest.mark.parametrize("numeric_transform", ["quantile", "standard"])
def test_a_model_file_holding_the_old_codec_state_loads_and_samples_as_before(mixed_frame, tiny, tmp_path,
                                                                              numeric_transform):
    import torch

    from augan import CGAN

    frame, y = mixed_frame
    gan = CGAN(**tiny, numeric_transform=numeric_transform, random_state=0).fit(frame, y)
    gan.save(tmp_path / "new.augan")
    content = torch.load(tmp_path / "new.augan", weights_only=True)
    content["codec"]["state"] = _as_old_state(content["codec"]["state"])
    assert all("transform" not in column for column in content["codec"]["state"]["columns"])
    torch.save(content, tmp_path / "old.augan")
    old = CGAN.load(tmp_path / "old.augan", device="cpu")
    pd.testing.assert_frame_equal(old.sample(200), gan.sample(200))
    assert old.codec_.get_state() == gan.codec_.get_state()


INTEGER_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "Int8", "Int64",
                  "UInt8", "UInt64", "int64[pyarrow]", "uint64[pyarrow]"]


def _integers_at_the_bounds(dtype: str) -> list[pd.Series]:
    """Columns of ``dtype`` holding its largest values, its smallest, and a single value at each bound."""
    pandas_dtype = columns._pandas_dtype(dtype)
    info = np.iinfo(getattr(pandas_dtype, "numpy_dtype", pandas_dtype))
    near = min(10**6, (int(info.max) - int(info.min)) // 4)
    return [pd.Series([info.max] * 30 + [info.max - near] * 30, dtype=dtype),
            pd.Series([info.min] * 30 + [info.min + near] * 30, dtype=dtype),
            pd.Series([info.max] * 4, dtype=dtype), pd.Series([info.min] * 4, dtype=dtype)]


@pytest.mark.parametrize("transform", ["quantile", "standard"])
@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_integers_at_the_ends_of_their_dtype_decode_within_the_training_range_without_wrapping(dtype, transform):
    codes = np.array([[-40.0], [-1.0], [0.0], [1.0], [40.0]])
    for series in _integers_at_the_bounds(dtype):
        column = fit_numeric("g", series, dtype, transform)
        back = column.to_series(column.decode(codes[:, :column.width]))
        assert back.dtype == series.dtype
        assert int(series.min()) <= min(map(int, back)) and max(map(int, back)) <= int(series.max())
        again = column_from_state(column.state(), transform)
        assert again.to_series(again.decode(codes[:, :column.width])).equals(back)


@pytest.mark.parametrize("dtype", ["int64", "uint64", "Int64", "UInt64"])
def test_an_integer_column_of_a_state_holding_floats_for_its_values_still_decodes_within_its_dtype(dtype):
    for series in _integers_at_the_bounds(dtype):
        state = fit_numeric("g", series, dtype, "quantile").state()
        older = column_from_state({k: float(v) if k in ("lo", "hi", "value") else v for k, v in state.items()},
                                  "quantile")
        back = older.to_series(older.decode(np.array([[-40.0], [40.0]])[:, :older.width]))
        assert back.dtype == series.dtype
        # float64's spacing near 2**64 is 4096: the bounds an older file holds are that close to the true ones
        assert int(series.min()) - 4096 <= int(back.min()) and int(back.max()) <= int(series.max()) + 4096


def test_64_bit_keys_near_the_top_of_their_range_are_sampled_within_it(tmp_path):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"f": rng.normal(size=60),
                      "g": np.array([2**63 - 1] * 30 + [2**63 - 1000] * 30, dtype=np.int64),
                      "u": np.array([2**64 - 1] * 30 + [2**63] * 30, dtype=np.uint64)})
    gan = CGAN(epochs=2, max_steps=4, device="cpu", random_state=0, generator_dims=(16,), discriminator_dims=(16,),
               noise_dim=8).fit(X, [0] * 40 + [1] * 20)
    sampled = gan.sample(500)
    assert (sampled.dtypes == X.dtypes).all()
    for name in ("g", "u"):
        assert int(X[name].min()) <= int(sampled[name].min()) and int(sampled[name].max()) <= int(X[name].max())
    gan.save(tmp_path / "keys.augan")
    pd.testing.assert_frame_equal(CGAN.load(tmp_path / "keys.augan", device="cpu").sample(500), sampled)
