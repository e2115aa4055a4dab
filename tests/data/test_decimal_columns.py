"""Object columns of ``decimal.Decimal`` values (money, as database drivers return it)."""

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from augan import CGAN
from augan.data.columns import NumericColumn

TINY = dict(epochs=2, batch_size=16, noise_dim=4, generator_dims=(8,), discriminator_dims=(8,), random_state=0)


@pytest.fixture
def prices() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    cents = [Decimal(f"{v:.2f}") for v in rng.normal(10, 2, 80)]
    cents[3] = None  # a missing price
    frame = pd.DataFrame({"price": pd.Series(cents, dtype=object), "fee": [Decimal("1.50")] * 80,
                          "units": rng.integers(0, 5, 80)})
    return frame, np.repeat([0, 1], [60, 20])


def test_a_column_of_decimals_is_modelled_as_numbers_and_comes_back_as_decimals(prices):
    frame, y = prices
    gan = CGAN(**TINY).fit(frame, y)
    [price] = [column for column in gan.codec_.columns_ if column.name == "price"]
    assert isinstance(price, NumericColumn) and price.decimals == 2
    sample = gan.sample(200, y=1)
    assert sample["price"].dtype == object
    values = sample["price"].dropna()
    assert all(isinstance(v, Decimal) and v.as_tuple().exponent == -2 for v in values)
    present = frame["price"].dropna()
    assert min(present) <= min(values) and max(values) <= max(present)
    assert set(sample["fee"]) == {Decimal("1.50")}  # a constant column of decimals stays one


def test_a_model_of_decimal_columns_saves_and_loads(prices, tmp_path):
    frame, y = prices
    gan = CGAN(**TINY).fit(frame, y)
    gan.save(tmp_path / "prices.augan")
    loaded = CGAN.load(tmp_path / "prices.augan")
    pd.testing.assert_frame_equal(loaded.sample(50, y=0), gan.sample(50, y=0))


def test_a_model_file_augan_could_not_read_back_is_never_written(prices, tmp_path):
    frame, y = prices
    gan = CGAN(**TINY, categorical_features=["price"]).fit(frame, y)  # Decimal categories: objects, not values
    path = tmp_path / "prices.augan"
    CGAN(**TINY).fit(np.eye(20, 3), np.array([0] * 10 + [1] * 10)).save(path)  # an earlier model, to be replaced
    previous = path.read_bytes()
    with pytest.raises(ValueError, match=r"cannot save the model .* Python objects \(decimal.Decimal\)"):
        gan.save(path, overwrite=True)
    assert path.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prices.augan"]
