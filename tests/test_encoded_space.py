"""CGAN.encode / CGAN.decode / CGAN.input_shape_: the public way into the GAN's encoded space."""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from augan import CGAN


@pytest.fixture
def table_gan(mixed_frame, tiny):
    frame, y = mixed_frame
    return CGAN(**tiny, random_state=0).fit(frame, y), frame


@pytest.fixture
def image_gan(tiny):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(30, 10, 12, 3), dtype=np.uint8)
    return CGAN(**tiny, random_state=0).fit(images, np.arange(30) % 2), images


def test_encode_gives_one_float32_row_per_table_row_and_decode_gives_the_table_back(table_gan):
    gan, frame = table_gan
    Z = gan.encode(frame)
    assert Z.dtype == np.float32 and Z.shape == (len(frame), 14)  # numbers, missing indicator, one-hot levels
    back = gan.decode(Z)
    assert back.dtypes.to_dict() == frame.dtypes.to_dict()
    np.testing.assert_array_equal(back["age"], frame["age"])
    assert back["city"].isna().equals(frame["city"].isna()) and (back["tier"] == frame["tier"]).all()


def test_encode_matches_columns_by_name_and_names_the_missing_ones(table_gan):
    gan, frame = table_gan
    np.testing.assert_array_equal(gan.encode(frame[frame.columns[::-1]]), gan.encode(frame))
    with pytest.raises(ValueError, match=re.escape("missing 'city'")):
        gan.encode(frame.drop(columns="city"))


def test_images_encode_to_flat_padded_rows_and_decode_from_flat_or_shaped_rows(image_gan):
    gan, images = image_gan
    Z = gan.encode(images)
    assert Z.shape == (30, 3 * 28 * 28) and Z.min() == -1 and Z.max() <= 1
    np.testing.assert_array_equal(gan.decode(Z), images)
    np.testing.assert_array_equal(gan.decode(Z.reshape(30, 3, 28, 28)), images)
    assert gan.input_shape_ == (10, 12, 3)


def test_a_point_between_two_encoded_rows_decodes_to_a_row_of_the_table(table_gan):
    gan, frame = table_gan
    Z = gan.encode(frame.iloc[:2])
    middle = gan.decode(Z[:1] + 0.5 * (Z[1:] - Z[:1]))
    assert list(middle.columns) == list(frame.columns) and len(middle) == 1
    assert min(frame["age"].iloc[:2]) <= middle["age"].iloc[0] <= max(frame["age"].iloc[:2])
    city = middle["city"].iloc[0]
    assert any(city == c or (pd.isna(city) and pd.isna(c)) for c in frame["city"].iloc[:2])


def test_decode_refuses_rows_of_another_width_naming_z(table_gan, image_gan):
    with pytest.raises(ValueError, match=r"Z must have shape \(n, 14\) .*got \(3, 5\)"):
        table_gan[0].decode(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"Z must have shape \(n, 2352\) or \(n, 3, 28, 28\)"):
        image_gan[0].decode(np.zeros((3, 3, 10, 12)))
    with pytest.raises(ValueError, match="Z must have shape"):
        table_gan[0].decode(np.zeros(14))


def test_decode_refuses_nan_and_text_naming_z(table_gan):
    # Audit (2026-12-06): a NaN row decoded to missing values in columns that have none (an integer column turned
    # Int64), or failed inside pandas for an integer array; text failed in numpy without naming Z.
    gan, frame = table_gan
    Z = gan.encode(frame.iloc[:3])
    Z[1, 0] = np.nan
    with pytest.raises(ValueError, match=r"Z holds NaN in 1 of its 3 rows \(the first: row 1\)"):
        gan.decode(Z)
    with pytest.raises(TypeError, match="Z must hold numbers .* dtype <U1"):
        gan.decode(np.full((2, 14), "a"))
    Z[1, 0] = np.inf  # infinite values are clipped, as documented
    assert len(gan.decode(Z)) == 3


def test_encode_and_decode_of_no_rows_give_no_rows(table_gan, image_gan):
    # Audit (2026-12-06): encode of 0 rows failed in numpy's reshape.
    gan, frame = table_gan
    Z = gan.encode(frame.iloc[:0])
    assert Z.shape == (0, 14) and Z.dtype == np.float32
    back = gan.decode(Z)
    assert len(back) == 0 and list(back.columns) == list(frame.columns)
    with pytest.raises(ValueError, match=r"X holds no pixels \(shape \(0, 10, 12, 3\)\)"):
        image_gan[0].encode(image_gan[1][:0])  # images are refused as images, clearly


def test_input_shape_of_a_table_is_its_column_count(table_gan):
    assert table_gan[0].input_shape_ == (6,)


def test_encode_decode_and_input_shape_need_a_fitted_gan():
    gan = CGAN()
    for call in (lambda: gan.encode(np.zeros((2, 2))), lambda: gan.decode(np.zeros((2, 2))),
                 lambda: gan.input_shape_):
        with pytest.raises(NotFittedError):
            call()
    assert not hasattr(gan, "input_shape_")


def test_drawn_rows_come_back_unchanged_through_encode_and_decode(table_gan):
    gan, _ = table_gan
    drawn = gan.sample(50, random_state=3)
    pd.testing.assert_frame_equal(gan.decode(gan.encode(drawn)), drawn)
