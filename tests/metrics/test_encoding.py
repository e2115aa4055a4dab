from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from augan.data.tabular import TabularCodec
from augan.metrics.encoding import as_rows, categorical_mask, encode, fit_encoder


def test_categorical_columns_are_those_the_gan_codec_sees_as_categorical(mixed_frame):
    frame, _ = mixed_frame
    codec = TabularCodec().fit(frame)
    assert categorical_mask(frame) == [c.kind != "numeric" for c in codec.columns_]
    assert categorical_mask(frame) == [False, False, False, True, True, True]


def test_encoder_fills_gaps_marks_them_and_ignores_unseen_levels(mixed_frame):
    frame, _ = mixed_frame
    encoder = fit_encoder(frame)
    encoded = encode(encoder, frame)
    assert np.isfinite(encoded).all()
    # 3 numeric + 1 missing indicator (score) + city (3 levels + missing) + member (2) + tier (2 seen levels)
    assert encoded.shape == (len(frame), 3 + 1 + 4 + 2 + 2)
    unseen = frame.head(1).copy()
    unseen["city"] = "oslo"
    row = encode(encoder, unseen)
    assert np.isfinite(row).all()


def test_mixed_type_categories_and_object_arrays_are_encoded():
    table = np.array([[1.5, "a"], [2.5, 3], [np.nan, None], [0.5, "a"]], dtype=object)
    assert categorical_mask(table) == [False, True]
    encoded = encode(fit_encoder(table), table)
    assert encoded.shape == (4, 2 + 3) and np.isfinite(encoded).all()


def test_images_become_one_row_of_pixels_each():
    images = np.zeros((5, 4, 3, 2))
    assert as_rows(images).shape == (5, 24)
    frame = pd.DataFrame({"a": [1, 2]})
    assert as_rows(frame) is frame


def test_encode_matches_a_tables_columns_by_name_and_names_the_ones_that_differ(mixed_frame):
    frame, _ = mixed_frame
    encoder = fit_encoder(frame)
    np.testing.assert_array_equal(encode(encoder, frame[frame.columns[::-1]]), encode(encoder, frame))
    with pytest.raises(ValueError, match="the columns of X_synthetic are not those seen in fit: missing 'city'; "
                                         "unexpected 'town'"):
        encode(encoder, frame.rename(columns={"city": "town"}), "X_synthetic")


def test_arrow_decimal_column_with_nulls_is_encoded_as_a_number():
    prices = pa.array([Decimal("1.50"), None, Decimal("2.25"), Decimal("4.00")], pa.decimal128(12, 2))
    frame = pd.DataFrame({"price": pd.Series(prices, dtype=pd.ArrowDtype(prices.type))})
    assert categorical_mask(frame) == [False]
    encoded = encode(fit_encoder(frame), frame)
    assert encoded.shape == (4, 2) and np.isfinite(encoded).all()  # the value and its missing-value indicator
