"""The default training budget: "auto" batch size and step cap, by the kind of data."""

import numpy as np
import pandas as pd
import pytest

from augan import CGAN
from augan.train import (AUTO_BUDGET, BUDGET_EPOCHS, CATEGORICAL_STEPS_FACTOR, LARGE_IMAGE_SET, TWO_CLASS_TABLE_STEPS,
                         training_budget)

SMALL = dict(noise_dim=8, generator_dims=(16, 16), discriminator_dims=(16, 16))


def test_auto_means_a_short_fit_for_tables_and_a_long_one_for_images():
    assert training_budget("table", "auto", "auto") == (128, 600, None)
    assert training_budget("image", "auto", "auto", n_rows=1375) == (64, 2400, None)
    assert training_budget("table", 64, None) == (64, None, None)
    assert training_budget("image", "auto", 7, n_rows=1375) == (64, 7, None)
    assert AUTO_BUDGET == {"table": (128, 600), "image": (64, 2400), "large image set": (500, 5000)}


def test_a_numeric_table_of_two_classes_trains_half_the_table_budget():
    assert TWO_CLASS_TABLE_STEPS == 300
    assert training_budget("table", "auto", "auto", n_classes=2) == (128, 300, None)
    assert training_budget("table", "auto", "auto", n_classes=3) == (128, 600, None)
    assert training_budget("table", "auto", "auto") == (128, 600, None)  # classes unknown: an old model file
    # Categories keep their longer budget whatever the classes (not screened at fewer steps).
    assert training_budget("table", "auto", "auto", 0.5, n_classes=2) == (128, 1200, 1200)
    assert training_budget("table", "auto", 450, n_classes=2) == (128, 450, None)  # a given cap is the cap
    assert training_budget("image", "auto", "auto", n_rows=1375, n_classes=2) == (64, 2400, None)


def test_a_large_image_set_trains_larger_batches_for_longer():
    assert LARGE_IMAGE_SET == 5000
    assert training_budget("image", "auto", "auto", n_rows=4999) == (64, 2400, None)
    assert training_budget("image", "auto", "auto", n_rows=5000) == (500, 5000, None)
    assert training_budget("image", 32, None, n_rows=50_000) == (32, None, None)  # given values win
    # Unknown size (a model file from before the budget was stored): the large set's, the earlier default.
    assert training_budget("image", "auto", "auto") == (500, 5000, None)
    assert training_budget("table", "auto", "auto", n_rows=50_000) == (128, 600, None)


def test_categorical_columns_lengthen_a_tables_auto_budget_only():
    # A table with categories trains its whole budget (the floor is the cap), however few its rows.
    assert training_budget("table", "auto", "auto", 1.0) == (128, 600 * (1 + CATEGORICAL_STEPS_FACTOR),
                                                             1800) == (128, 1800, 1800)
    assert training_budget("table", "auto", "auto", 0.5) == (128, 1200, 1200)
    # Fewer epochs than the budget is spread over lower the floor with them; more do not raise it.
    assert training_budget("table", "auto", "auto", 1.0, epochs=30) == (128, 1800, 180)
    assert training_budget("table", "auto", "auto", 1.0, epochs=600) == (128, 1800, 1800)
    assert training_budget("table", "auto", 700, 1.0) == (128, 700, None)  # a given cap is the cap
    assert training_budget("table", "auto", None, 1.0) == (128, None, None)
    assert training_budget("image", "auto", "auto", 1.0, n_rows=100) == (64, 2400, None)
    with pytest.raises(ValueError, match="categorical_share must be between 0 and 1"):
        training_budget("table", "auto", "auto", 1.5)


def _mixed_table(n_rows: int, categorical: int, numeric: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    columns = {f"c{j}": rng.choice(["a", "b", "c"], n_rows) for j in range(categorical)}
    columns |= {f"x{j}": rng.normal(size=n_rows) for j in range(numeric)}
    columns["constant"] = "same"  # one level: not modelled, so it counts for neither kind
    return pd.DataFrame(columns), (rng.random(n_rows) < 0.3).astype(int)


@pytest.mark.parametrize(("categorical", "numeric", "steps"), [(4, 0, 1800), (2, 2, 1200), (0, 4, 600)])
def test_a_fit_trains_longer_the_more_of_its_columns_are_categories(categorical, numeric, steps):
    X, y = _mixed_table(3000, categorical, numeric)
    y = y + (np.arange(len(y)) % 5 == 0)  # three classes: a numeric table of two trains fewer steps
    gan = CGAN(**SMALL, random_state=0).fit(X, y)
    assert gan.codec_.categorical_share_ == categorical / (categorical + numeric)
    assert gan.training_config_.max_steps == steps
    # 300 epochs of max_steps // 300 steps each: the cap is met in whole epochs.
    assert gan.n_steps_ == steps and len(gan.history_) == 300


def test_the_defaults_are_auto():
    params = CGAN().get_params()
    assert (params["epochs"], params["batch_size"], params["max_steps"]) == (300, "auto", "auto")
    assert params["epochs"] == BUDGET_EPOCHS  # the auto budget is spread over the default epochs


def _table(n_rows: int, n_classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    if n_classes not in (2, 3):
        raise ValueError(f"_table makes 2 or 3 classes, not {n_classes}")
    rng = np.random.default_rng(0)
    X, u = rng.normal(size=(n_rows, 3)).astype(np.float32), rng.random(n_rows)
    y = (u < 0.2).astype(int)  # two classes: the same rows as before a third could be asked for
    if n_classes == 3:
        y[(u >= 0.2) & (u < 0.3)] = 2
    return X, y


def test_a_table_of_three_classes_trains_600_steps_of_128_rows_whatever_its_length():
    X, y = _table(3000, n_classes=3)  # 24 batches of 128 an epoch without the cap; 2 with it
    assert len(np.unique(y)) == 3
    gan = CGAN(**SMALL, random_state=0).fit(X, y)
    assert (gan.training_config_.batch_size, gan.training_config_.max_steps) == (128, 600)
    assert gan.n_steps_ == 600 and len(gan.history_) == 300
    assert gan.get_params()["batch_size"] == "auto"  # the parameter stays as given; the fit's value is in the config


def test_a_numeric_table_of_two_classes_trains_300_steps_one_an_epoch():
    X, y = _table(3000)
    assert len(np.unique(y)) == 2
    gan = CGAN(**SMALL, random_state=0).fit(X, y)
    assert (gan.training_config_.batch_size, gan.training_config_.max_steps) == (128, 300)
    assert gan.n_steps_ == 300 and len(gan.history_) == 300


def test_a_numeric_table_of_at_most_128_rows_trains_one_full_batch_an_epoch():
    X, y = _table(120)
    gan = CGAN(**SMALL, epochs=20, random_state=0).fit(X, y)
    assert gan.training_config_.min_steps is None
    assert gan.n_steps_ == 20


def test_a_numeric_table_of_129_to_256_rows_trains_batches_of_128_not_all_its_rows():
    X, y = _table(200)  # two batches of 128 an epoch; at 256 rows a step it was one batch of all 200
    gan = CGAN(**SMALL, epochs=20, random_state=0).fit(X, y)
    assert gan.training_config_.batch_size == 128
    assert gan.n_steps_ == 40 and len(gan.history_) == 20


def test_a_small_table_with_categories_trains_its_whole_budget():
    X, y = _mixed_table(120, 2, 2)  # one full batch an epoch without the floor: 300 steps, not 1,200
    gan = CGAN(**SMALL, random_state=0).fit(X, y)
    assert gan.training_config_.max_steps == gan.training_config_.min_steps == 1200
    assert gan.n_steps_ == 1200 and len(gan.history_) == BUDGET_EPOCHS


def test_fewer_epochs_still_make_a_shorter_fit_of_a_small_table_with_categories():
    X, y = _mixed_table(400, 2, 2)  # two batches an epoch without the floor: 40 steps
    gan = CGAN(**SMALL, epochs=20, random_state=0).fit(X, y)
    assert gan.training_config_.min_steps == 1200 * 20 // BUDGET_EPOCHS == 80
    assert gan.n_steps_ == 80 and len(gan.history_) == 20


def test_a_given_cap_on_a_table_with_categories_stays_a_cap():
    X, y = _mixed_table(120, 2, 2)
    gan = CGAN(**SMALL, epochs=20, max_steps=500, random_state=0).fit(X, y)
    assert gan.training_config_.min_steps is None
    assert gan.n_steps_ == 20


def test_images_get_the_image_budget():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(40, 8, 8), dtype=np.uint8)
    gan = CGAN(**SMALL, epochs=1, random_state=0).fit(images, np.repeat([0, 1], 20))
    assert (gan.training_config_.batch_size, gan.training_config_.max_steps) == (64, 2400)


def test_given_values_win_over_auto():
    X, y = _table(1000)
    gan = CGAN(**SMALL, epochs=2, batch_size=100, max_steps=None, random_state=0).fit(X, y)
    assert (gan.training_config_.batch_size, gan.training_config_.max_steps) == (100, None)
    assert gan.n_steps_ == 2 * 10


def test_a_saved_model_keeps_the_budget_it_was_trained_with(tmp_path):
    X, y = _table(300)
    gan = CGAN(**SMALL, epochs=2, random_state=0).fit(X, y)
    gan.save(tmp_path / "m.augan")
    loaded = CGAN.load(tmp_path / "m.augan")
    assert loaded.training_config_ == gan.training_config_
    assert loaded.get_params()["batch_size"] == "auto"


def test_auto_batch_below_twice_pac_is_refused_naming_both():
    X, y = _table(300)
    with pytest.raises(ValueError, match=r"batch_size='auto' \(128 rows for this data\) must be at least 2 \* pac"):
        CGAN(**SMALL, pac=200, epochs=1).fit(X, y)


@pytest.mark.parametrize("params", [dict(batch_size="big"), dict(max_steps="many"), dict(batch_size=1)])
def test_bad_budget_values_are_refused_naming_them(params):
    X, y = _table(100)
    with pytest.raises(ValueError, match=next(iter(params))):
        CGAN(**SMALL, **params).fit(X, y)
