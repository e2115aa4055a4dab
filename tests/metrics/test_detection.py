import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from augan import CGAN
from augan.metrics.detection import c2st, detection_score, discriminator_auc, privacy_scores


def _frame(n=300, shift=0.0, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "a": rng.normal(size=n) + shift,
        "b": np.where(rng.random(n) < 0.1, np.nan, rng.exponential(size=n)),
        "kind": rng.choice(["x", "y", "z"], n),
    })


def test_detection_score_follows_sdmetrics():
    assert detection_score(0.5) == 1.0
    assert detection_score(0.3) == 1.0
    assert detection_score(0.75) == pytest.approx(0.5)
    assert detection_score(1.0) == 0.0


def test_c2st_of_two_samples_of_one_distribution_is_near_one_half():
    result = c2st(_frame(seed=0), _frame(seed=1), cv=3, random_state=0)
    assert abs(result.auc - 0.5) < 0.1
    assert result.detection_score > 0.8
    assert set(result.classifiers) == {"logistic_regression", "hist_gradient_boosting"}
    assert len(result.classifiers["logistic_regression"].fold_aucs) == 3


def test_c2st_of_shifted_samples_is_near_one():
    result = c2st(_frame(seed=0), _frame(shift=3.0, seed=1), cv=3, random_state=0)
    assert result.auc > 0.95
    assert result.detection_score < 0.1


def test_c2st_with_labels_detects_rows_given_the_wrong_class():
    rng = np.random.default_rng(0)
    y = rng.choice(["a", "b"], 300)
    X = pd.DataFrame({"v": rng.normal(size=300) + 4.0 * (y == "b")})
    swapped = np.where(y == "a", "b", "a")
    # The same rows with swapped labels: the same marginal, the wrong conditional.
    assert abs(c2st(X, X, cv=3, random_state=0).auc - 0.5) < 0.1
    conditional = c2st(X, X, y_real=y, y_synthetic=swapped, cv=3, random_state=0)
    assert conditional.conditional is True
    assert conditional.auc > 0.95


def test_c2st_refuses_different_columns_naming_them():
    with pytest.raises(ValueError, match="the columns of X_synthetic are not those of X_real: missing 'a'; unexpected "
                                         "'other'"):
        c2st(_frame(), _frame().rename(columns={"a": "other"}), cv=3)


def test_c2st_matches_synthetic_columns_to_real_ones_by_name():
    real, synthetic = _frame(), _frame(seed=1)
    reordered = synthetic[synthetic.columns[::-1]]
    assert c2st(real, reordered, cv=3, random_state=0) == c2st(real, synthetic, cv=3, random_state=0)


class _KnownScores:
    """Stands in for a CGAN whose discriminator scores a row by its first column."""

    def discriminator_scores(self, X, y):
        return np.asarray(X)[:, 0]


def test_discriminator_auc_is_the_roc_auc_of_its_scores():
    real = np.array([[0.9], [0.8], [0.7], [0.2]])
    fake = np.array([[0.1], [0.3], [0.0]])
    result = discriminator_auc(_KnownScores(), real, np.zeros(4), fake, np.zeros(3), held_out=True)
    assert result.auc == pytest.approx(11 / 12)
    assert result.to_dict() == {"auc": pytest.approx(11 / 12), "n_real": 4, "n_synthetic": 3, "held_out": True}


def test_discriminator_auc_of_a_fitted_cgan(tiny, mixed_frame):
    X, y = mixed_frame
    gan = CGAN(**tiny, random_state=0).fit(X.iloc[:90], y[:90])
    fake, fake_y = gan.sample(60, return_y=True)
    result = discriminator_auc(gan, X.iloc[90:], y[90:], fake, fake_y)
    scores = np.r_[gan.discriminator_scores(X.iloc[90:], y[90:]), gan.discriminator_scores(fake, fake_y)]
    assert result.auc == pytest.approx(roc_auc_score(np.r_[np.ones(30), np.zeros(60)], scores))
    assert result.n_real == 30 and result.n_synthetic == 60


def test_discriminator_auc_needs_a_cgan():
    with pytest.raises(TypeError, match="fitted CGAN"):
        discriminator_auc(object(), [[0]], [0], [[0]], [0])


def test_privacy_flags_copied_training_rows():
    train, fresh, holdout = _frame(seed=0), _frame(seed=1), _frame(n=100, seed=2)
    copied = pd.concat([train.iloc[:40], fresh.iloc[:60]], ignore_index=True)
    result = privacy_scores(train, copied, holdout)
    assert result.exact_copies == 40
    assert result.exact_copy_share == pytest.approx(0.4)
    assert result.copies_flagged is True
    assert result.dcr_synthetic.p5 == 0.0
    assert result.median_ratio < 1.0


def test_privacy_does_not_flag_new_rows_from_the_same_distribution():
    result = privacy_scores(_frame(seed=0), _frame(seed=1), _frame(n=100, seed=2))
    assert result.exact_copies == 0
    assert result.copies_flagged is False
    assert 0.7 < result.median_ratio < 1.4
    assert result.reference.startswith("held-out")


def test_privacy_without_holdout_compares_with_the_closest_other_training_row():
    train = _frame(seed=0)
    result = privacy_scores(train, train.iloc[:10])
    assert result.reference.startswith("training rows")
    assert result.exact_copies == 10
    assert result.real_exact_share == 0.0


def test_privacy_on_images_finds_copied_images():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (50, 8, 8), dtype=np.uint8)
    synthetic = np.concatenate([images[:5], rng.integers(0, 256, (15, 8, 8), dtype=np.uint8)])
    result = privacy_scores(images, synthetic)
    assert result.exact_copies == 5
    assert result.copies_flagged is True
