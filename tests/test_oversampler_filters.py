import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

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


@pytest.fixture
def binary():
    X, y = make_classification(200, 4, n_informative=3, n_redundant=0, weights=[0.85], random_state=0)
    return X.astype(np.float32), y


def _rows(X):
    return [tuple(row) for row in np.round(np.asarray(X, dtype=np.float64), 5)]


def test_classifier_selection_keeps_the_candidates_a_real_data_classifier_is_surest_of(binary, tiny):
    X, y = binary
    sampler = GANOversampler(gan=CGAN(**tiny), selection="classifier", candidates=3, smote_share=0, random_state=0)
    Xr, yr = sampler.fit_resample(X, y)
    assert np.bincount(yr).tolist() == [170, 170]
    X_cand, y_cand = sampler.gan_.sample(y={1: 420}, return_y=True, noise_scale=sampler.noise_scale)
    classifier = LogisticRegression(max_iter=200, class_weight="balanced").fit(sampler._encoded(X), y)
    confidence = classifier.predict_proba(sampler._encoded(X_cand))[:, 1]
    kept = set(_rows(Xr[len(X):]))
    is_kept = np.array([row in kept for row in _rows(X_cand)])
    assert is_kept.sum() == 140
    assert confidence[is_kept].min() >= confidence[~is_kept].max()


def test_classifier_selection_filters_rows_interpolated_in_latent_space(binary, tiny, monkeypatch):
    X, y = binary
    decoded = []
    original = CGAN.from_latent
    monkeypatch.setattr(CGAN, "from_latent", lambda gan, Z, labels, **k: decoded.append(len(Z)) or
                        original(gan, Z, labels, **k))
    gan = CGAN(**tiny, encoder=True, pretrain_steps=5, encoder_steps=5)
    _, yr = GANOversampler(gan=gan, selection="classifier", candidates=2, smote_share=1,
                           random_state=0).fit_resample(X, y)
    assert decoded == [2 * 140] and np.bincount(yr).tolist() == [170, 170]


def test_rows_interpolated_in_the_encoded_space_are_kept_as_made(binary, tiny, monkeypatch):
    monkeypatch.setattr(GANOversampler, "_select", lambda *a: pytest.fail("selected"))
    _, yr = GANOversampler(gan=CGAN(**tiny), selection="classifier", smote_share=1,
                           random_state=0).fit_resample(*binary)
    assert np.bincount(yr).tolist() == [170, 170]
