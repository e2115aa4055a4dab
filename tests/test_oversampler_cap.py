import numpy as np
import pytest
from sklearn.datasets import make_classification

from augan import CGAN, GANOversampler


@pytest.fixture
def three_classes():
    X, y = make_classification(300, 5, n_informative=4, n_redundant=0, n_classes=3, weights=[0.8, 0.13, 0.07],
                               random_state=0)
    return X.astype(np.float32), y


def test_max_synthetic_ratio_caps_each_class_at_a_multiple_of_its_real_rows(three_classes, tiny):
    X, y = three_classes
    real = np.bincount(y)
    sampler = GANOversampler(gan=CGAN(**tiny), max_synthetic_ratio=2, random_state=0)
    _, yr = sampler.fit_resample(X, y)
    added = np.bincount(yr) - real
    assert added[0] == 0
    assert added[1] == min(real[0] - real[1], 2 * real[1])
    assert added[2] == 2 * real[2] < real[0] - real[2]
    assert sampler.sampling_strategy_ == {1: added[1], 2: added[2]}


def test_max_synthetic_ratio_above_the_need_changes_nothing(three_classes, tiny):
    X, y = three_classes
    _, yr = GANOversampler(gan=CGAN(**tiny), max_synthetic_ratio=100, random_state=0).fit_resample(X, y)
    assert np.bincount(yr).tolist() == [np.bincount(y)[0]] * 3


def test_max_synthetic_ratio_zero_adds_nothing(three_classes, tiny):
    X, y = three_classes
    Xr, yr = GANOversampler(gan=CGAN(**tiny), max_synthetic_ratio=0, random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(Xr, X)
    np.testing.assert_array_equal(yr, y)


@pytest.mark.parametrize("ratio", [-1, "2"])
def test_bad_max_synthetic_ratio_is_refused_naming_it(three_classes, tiny, ratio):
    with pytest.raises(ValueError, match="'max_synthetic_ratio' parameter"):
        GANOversampler(gan=CGAN(**tiny), max_synthetic_ratio=ratio).fit_resample(*three_classes)
