import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from augan import CGAN, GANOversampler


@pytest.fixture
def three_classes():
    X, y = make_classification(300, 5, n_informative=4, n_redundant=0, n_classes=3, weights=[0.8, 0.13, 0.07],
                               random_state=0)
    return X.astype(np.float32), y


def _synthetic_and_copied(X, y, Xr, yr, label):
    """How many new rows of ``label`` are copies of its real rows, and how many are not."""
    real = {tuple(row) for row in X[y == label]}
    new = Xr[len(X):][yr[len(y):] == label]
    copied = sum(tuple(row) in real for row in new)
    return len(new) - copied, copied


def test_max_synthetic_ratio_caps_the_synthetic_rows_and_copies_real_ones_for_the_rest(three_classes, tiny):
    X, y = three_classes
    real = np.bincount(y)
    sampler = GANOversampler(gan=CGAN(**tiny), max_synthetic_ratio=2, random_state=0)
    Xr, yr = sampler.fit_resample(X, y)
    assert np.bincount(yr).tolist() == [real[0]] * 3
    assert sampler.sampling_strategy_ == {1: real[0] - real[1], 2: real[0] - real[2]}
    for label in (1, 2):
        synthetic, copied = _synthetic_and_copied(X, y, Xr, yr, label)
        assert synthetic == min(real[0] - real[label], 2 * real[label])
        assert copied == real[0] - real[label] - synthetic
    assert copied > 0


def test_max_synthetic_ratio_above_the_need_changes_nothing(three_classes, tiny):
    X, y = three_classes
    capped = GANOversampler(gan=CGAN(**tiny), max_synthetic_ratio=100, random_state=0).fit_resample(X, y)
    free = GANOversampler(gan=CGAN(**tiny), random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(capped[0], free[0])
    np.testing.assert_array_equal(capped[1], free[1])


def test_max_synthetic_ratio_zero_copies_as_random_over_sampling_does(three_classes, tiny):
    X, y = three_classes
    Xr, yr = GANOversampler(gan=CGAN(**tiny), max_synthetic_ratio=0, random_state=0).fit_resample(X, y)
    assert np.bincount(yr).tolist() == [np.bincount(y)[0]] * 3
    for label in (1, 2):
        assert _synthetic_and_copied(X, y, Xr, yr, label)[0] == 0
    again = GANOversampler(gan=CGAN(**tiny), max_synthetic_ratio=0, random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(again[0], Xr)


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
    X_cand, y_cand = sampler.gan_.sample(y={1: 420}, return_y=True, noise_scale=sampler.noise_scale_)
    classifier = LogisticRegression(max_iter=200, class_weight="balanced").fit(sampler.gan_.encode(X), y)
    confidence = classifier.predict_proba(sampler.gan_.encode(X_cand))[:, 1]
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


def _categorical_table(n_categorical, n_numeric=2, rows=160):
    """A two-class frame of ``n_categorical`` string columns and ``n_numeric`` float ones, the classes
    differing in both."""
    rng = np.random.default_rng(0)
    y = (rng.random(rows) < 0.2).astype(int)
    columns = {f"c{j}": np.where(rng.random(rows) < 0.3 + 0.4 * y, "a", "b") for j in range(n_categorical)}
    columns |= {f"x{j}": rng.normal(y, 1.0) for j in range(n_numeric)}
    return pd.DataFrame(columns), y


@pytest.mark.parametrize(("n_categorical", "n_numeric", "chosen"), [
    (3, 0, "classifier"), (2, 2, "classifier"), (1, 2, "neighbors"), (0, 3, "neighbors")])
def test_auto_selection_is_the_classifiers_choice_for_a_table_of_half_or_more_categorical_columns(
        tiny, n_categorical, n_numeric, chosen):
    X, y = _categorical_table(n_categorical, n_numeric)
    auto = GANOversampler(gan=CGAN(**tiny), selection="auto", random_state=0)
    X_auto, y_auto = auto.fit_resample(X, y)
    assert auto.selection_ == chosen
    X_same, y_same = GANOversampler(gan=CGAN(**tiny), selection=chosen, random_state=0).fit_resample(X, y)
    pd.testing.assert_frame_equal(X_auto, X_same)
    np.testing.assert_array_equal(y_auto, y_same)


def test_auto_selection_keeps_images_by_their_neighbours(tiny):
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], [40, 10])
    X = rng.random((50, 64)).astype(np.float32) + y[:, None]
    sampler = GANOversampler(gan=CGAN(**tiny), image_shape=(8, 8), selection="auto", smote_share=0, random_state=0)
    _, yr = sampler.fit_resample(X, y)
    assert sampler.selection_ == "neighbors" and np.bincount(yr).tolist() == [40, 40]


@pytest.mark.parametrize("selection", ["neighbors", "classifier", None])
def test_a_named_selection_is_the_one_used(binary, tiny, selection):
    sampler = GANOversampler(gan=CGAN(**tiny), selection=selection, random_state=0)
    sampler.fit_resample(*binary)
    assert sampler.selection_ == selection


def _agreement(sampler, X_new, y_new, X, y):
    """Share of each new row's 5 nearest real rows, in the fitted GAN's encoded space, that are of its class."""
    from sklearn.neighbors import NearestNeighbors
    index = NearestNeighbors(n_neighbors=5).fit(sampler.gan_.encode(X)).kneighbors(
        sampler.gan_.encode(X_new), return_distance=False)
    return (y[index] == y_new[:, None]).mean(axis=1)


@pytest.mark.parametrize("selection", ["neighbors", "classifier", None])
def test_min_agreement_keeps_exactly_the_gan_rows_that_reach_it_and_interpolates_the_rest(three_classes, tiny,
                                                                                           selection):
    X, y = three_classes
    params = dict(gan=CGAN(**tiny), selection=selection, smote_share=0.5, random_state=0)
    free = GANOversampler(**params)
    Xf, yf = free.fit_resample(X, y)
    assert free.disagreeing_ == {}
    gan_rows = sum(n - round(n * 0.5) for n in free.sampling_strategy_.values())
    X_gan, y_gan = Xf[len(X):len(X) + gan_rows], yf[len(y):len(y) + gan_rows]
    agreeing = _agreement(free, X_gan, y_gan, X, y) >= 0.2  # the tiny GAN: most of its rows agree with none
    assert 0 < agreeing.sum() < gan_rows  # the threshold bites, and not on every row

    strict = GANOversampler(**params, min_agreement=0.2)
    Xs, ys = strict.fit_resample(X, y)
    kept = agreeing.sum()
    # The same GAN draws the same rows: the kept ones are the free run's rows that reach 0.2, in their order.
    np.testing.assert_array_equal(Xs[len(X):len(X) + kept], X_gan[agreeing])
    np.testing.assert_array_equal(ys[len(y):len(y) + kept], y_gan[agreeing])
    labels, counts = np.unique(y_gan[~agreeing], return_counts=True)
    assert strict.disagreeing_ == dict(zip(labels.tolist(), counts.tolist()))
    # Every class still reaches the count asked for; the rows left out are made by interpolation.
    assert np.bincount(ys).tolist() == np.bincount(yf).tolist()
    interpolated, labels_interpolated = Xs[len(X) + kept:], ys[len(y) + kept:]
    for label, n in strict.sampling_strategy_.items():  # each class's half, and its rows left out
        assert (labels_interpolated == label).sum() == round(n * 0.5) + strict.disagreeing_.get(label, 0)
    real = {tuple(row) for row in X}
    assert not any(tuple(row) in real for row in interpolated)


def test_min_agreement_zero_is_no_threshold(three_classes, tiny):
    X, y = three_classes
    params = dict(gan=CGAN(**tiny), smote_share=0.5, random_state=0)
    free = GANOversampler(**params).fit_resample(X, y)
    zero = GANOversampler(**params, min_agreement=0).fit_resample(X, y)
    np.testing.assert_array_equal(free[0], zero[0])
    np.testing.assert_array_equal(free[1], zero[1])


def test_min_agreement_of_one_on_the_gan_rows_alone_still_gives_every_class_its_rows(three_classes, tiny):
    X, y = three_classes
    sampler = GANOversampler(gan=CGAN(**tiny), smote_share=0, min_agreement=1.0, random_state=0)
    Xr, yr = sampler.fit_resample(X, y)
    assert np.bincount(yr).tolist() == [np.bincount(y)[0]] * 3
    assert sum(sampler.disagreeing_.values()) > 0


@pytest.mark.parametrize("value", [-0.1, 1.5, "0.4"])
def test_bad_min_agreement_is_refused_naming_it(three_classes, tiny, value):
    with pytest.raises((ValueError, TypeError), match="'min_agreement' parameter"):
        GANOversampler(gan=CGAN(**tiny), min_agreement=value).fit_resample(*three_classes)
