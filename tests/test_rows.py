import numpy as np
import pandas as pd

from augan._rows import take_rows


def test_frame_rows_keep_their_columns_and_are_numbered_again():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": pd.Categorical(["a", "b", "a"])}, index=[10, 11, 12])
    picked = take_rows(frame, np.array([2, 0]))
    assert picked.index.tolist() == [0, 1]
    assert picked["x"].tolist() == [3.0, 1.0]
    assert picked.dtypes.equals(frame.dtypes)


def test_a_boolean_mask_picks_rows_of_an_array():
    X = np.arange(6).reshape(3, 2)
    np.testing.assert_array_equal(take_rows(X, np.array([True, False, True])), [[0, 1], [4, 5]])


def test_a_list_of_rows_comes_back_as_an_array():
    picked = take_rows([[1, 2], [3, 4], [5, 6]], np.array([1]))
    assert isinstance(picked, np.ndarray)
    np.testing.assert_array_equal(picked, [[3, 4]])
