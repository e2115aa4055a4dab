import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC, RandomOverSampler
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from augan import CGAN, GANOversampler
from augan.metrics import utility
from augan.metrics.utility import METRICS, downstream_gain, smote_for, summarize

EVENTS: list[tuple[str, set]] = []


def _numeric(n=160, minority=0.2, seed=0):
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < minority, "rare", "common")
    X = rng.normal(size=(n, 3)) + (y == "rare")[:, None] * 1.5
    return X, y


def _with_ids(X):
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    frame.insert(0, "row_id", np.arange(len(frame), dtype=float))
    return frame


class _SpyOverSampler(RandomOverSampler):
    def fit_resample(self, X, y, **params):
        EVENTS.append(("sampler", set(X["row_id"].astype(int))))
        return super().fit_resample(X, y, **params)


class _SpyClassifier(ClassifierMixin, BaseEstimator):
    """Predicts the training majority; records which rows it is asked to predict."""

    def fit(self, X, y):
        self.classes_, counts = np.unique(y, return_counts=True)
        self.prior_ = counts / counts.sum()
        return self

    def predict_proba(self, X):
        EVENTS.append(("predict", set(X["row_id"].astype(int))))
        return np.tile(self.prior_, (len(X), 1))

    def predict(self, X):
        return np.full(len(X), self.classes_[self.prior_.argmax()])


def test_samplers_are_fitted_on_training_rows_only_never_on_test_rows(monkeypatch):
    X, y = _numeric()
    frame = _with_ids(X)

    def recording_smote(mask, k, seed):
        class Recorder(SMOTE):
            def fit_resample(self, X, y, **params):
                EVENTS.append(("sampler", set(X["row_id"].astype(int))))
                return super().fit_resample(X, y, **params)
        return Recorder(k_neighbors=k, random_state=seed)

    monkeypatch.setattr(utility, "RandomOverSampler", _SpyOverSampler)
    monkeypatch.setattr(utility, "smote_for", recording_smote)
    EVENTS.clear()
    downstream_gain(frame, y, sampler=_SpyOverSampler(random_state=0), baselines=("none", "smote", "random"),
                    classifiers={"spy": Pipeline([("spy", _SpyClassifier())])}, cv=3, n_repeats=2,
                    random_state=0, verbose=False)
    # Each fitted sampler's rows go straight to the classifier, which then predicts that fold's test rows.
    pairs = [(rows, EVENTS[i + 1][1]) for i, (kind, rows) in enumerate(EVENTS) if kind == "sampler"]
    assert len(pairs) == 2 * 3 * 3  # repeats x folds x (smote, random, user sampler)
    for train_rows, test_rows in pairs:
        assert not train_rows & test_rows, "a sampler saw rows of the fold it is tested on"
        assert train_rows | test_rows == set(range(len(y)))
    tested = [rows for kind, rows in EVENTS if kind == "predict"]
    assert len(tested) == 2 * 3 * 4  # tstr needs a GAN, so 4 methods are scored per fold


def test_smote_variant_follows_the_column_types():
    assert type(smote_for([False, False], 3, 0)) is SMOTE
    assert type(smote_for([False, True], 3, 0)) is SMOTENC
    assert type(smote_for([True, True], 3, 0)) is SMOTEN


def test_smote_k_neighbors_shrinks_to_the_minority_rows_of_the_training_fold(monkeypatch):
    X, y = _numeric(n=80, minority=0.0)
    y[:4] = "rare"  # 4 rare rows, cv=2 -> 2 in each training fold -> k_neighbors = 1
    ks = []
    original = utility.smote_for

    def recording(mask, k, seed):
        ks.append(k)
        return original(mask, k, seed)

    monkeypatch.setattr(utility, "smote_for", recording)
    result = downstream_gain(X, y, baselines=("none", "smote"), classifiers=[LogisticRegression()], cv=2,
                             random_state=0, verbose=False)
    assert ks == [1, 1]
    assert result.setup.smote_variant == "SMOTE"


def test_paired_difference_is_computed_fold_by_fold():
    rng = np.random.default_rng(0)
    records = []
    for fold in range(4):
        base = {m: rng.random() for m in METRICS}
        records.append({"repeat": 0, "fold": fold, "method": "none", "classifier": "c", **base})
        records.append({"repeat": 0, "fold": fold, "method": "augan", "classifier": "c",
                        **{m: v + 0.1 for m, v in base.items()}})
    table = summarize(records, ["none", "augan"], ["c"])
    entry = next(e for e in table if (e.method, e.classifier, e.metric) == ("augan", "c", "f1"))
    # The fold scores vary a lot, but the paired difference is exactly 0.1 in every fold.
    assert entry.vs_none.mean == pytest.approx(0.1)
    assert entry.vs_none.ci_high - entry.vs_none.ci_low == pytest.approx(0.0, abs=1e-12)
    assert entry.score.ci_high - entry.score.ci_low > 0.1
    assert next(e for e in table if e.method == "none" and e.metric == "f1").vs_none is None


def test_dataframe_with_strings_categories_and_missing_values_is_scored(mixed_frame):
    frame, y = mixed_frame
    result = downstream_gain(frame, y, classifiers=[LogisticRegression(max_iter=500)], cv=2, random_state=0,
                             verbose=False)
    assert result.setup.smote_variant == "SMOTENC"
    assert result.setup.positive_class == "fraud"
    assert result.setup.methods == ["none", "smote", "random"]
    for entry in result.table:
        assert 0.0 <= entry.score.mean <= 1.0
    assert {r["method"] for r in result.folds} == {"none", "smote", "random"}


def test_multiclass_uses_macro_f1_and_one_vs_rest_auc():
    rng = np.random.default_rng(1)
    y = rng.choice(["a", "b", "c"], 150, p=[0.6, 0.3, 0.1])
    X = rng.normal(size=(150, 2)) + np.searchsorted(["a", "b", "c"], y)[:, None] * 2.0
    result = downstream_gain(X, y, baselines=("none", "random"), classifiers=[LogisticRegression()], cv=3,
                             random_state=0, verbose=False)
    assert result.setup.f1 == "macro f1"
    assert result.setup.auc_average == "one-vs-rest macro"
    roc = result.entry("none", "all", "roc_auc")
    assert roc.score.mean > 0.9


def test_tstr_trains_on_synthetic_rows_only_as_many_as_the_training_fold(tiny):
    X, y = _numeric(n=120)
    sampler = GANOversampler(gan=CGAN(**tiny), random_state=0)
    result = downstream_gain(X, y, sampler=sampler, baselines=("none",), classifiers=[LogisticRegression()],
                             cv=2, random_state=0, verbose=False)
    assert result.setup.methods == ["none", "augan", "tstr"]
    none_rows = [r for r in result.folds if r["method"] == "none"]
    tstr_rows = [r for r in result.folds if r["method"] == "tstr"]
    augan_rows = [r for r in result.folds if r["method"] == "augan"]
    assert [r["n_train"] for r in tstr_rows] == [r["n_train"] for r in none_rows]
    assert all(a["n_train"] > n["n_train"] for a, n in zip(augan_rows, none_rows))
    assert len(result.history) == tiny["epochs"]


def test_unknown_baseline_is_refused_with_the_valid_names():
    X, y = _numeric()
    with pytest.raises(ValueError, match="valid names"):
        downstream_gain(X, y, baselines=("none", "adasyn"), verbose=False)


def test_cv_larger_than_the_smallest_class_is_refused():
    X, y = _numeric(n=60, minority=0.0)
    y[:3] = "rare"
    with pytest.raises(ValueError, match="cv=5 folds need at least 5 rows of every class, but class 'rare' has 3"):
        downstream_gain(X, y, baselines=("none",), cv=5, verbose=False)


def test_a_single_class_is_named_as_the_user_wrote_it():
    X, _ = _numeric(n=20)
    # Audit 5: the labels of a text array were shown as numpy writes them, np.str_('a').
    with pytest.raises(ValueError, match=r"y has a single class \('a'\); the evaluation needs at least two"):
        downstream_gain(X, np.array(["a"] * 20), baselines=("none",), cv=2, verbose=False)


def test_something_that_is_not_a_classifier_is_refused():
    X, y = _numeric()
    with pytest.raises(TypeError, match="not a scikit-learn classifier"):
        downstream_gain(X, y, baselines=("none",), classifiers={"scaler": object()}, verbose=False)


def test_a_single_baseline_name_may_be_given_as_a_string():
    X, y = _numeric()
    result = downstream_gain(X, y, baselines="none", classifiers=[LogisticRegression()], cv=2, verbose=False)
    assert result.setup.methods == ["none"]


@pytest.mark.parametrize(("rare", "cv", "advice"), [(3, 2, "use cv=3"), (2, 2, "no number of folds")])
def test_a_class_too_small_for_smote_gets_advice_that_works(rare, cv, advice):
    X, y = _numeric(n=80, minority=0.0)
    y[:rare] = "rare"
    with pytest.raises(ValueError, match="SMOTE needs") as error:
        downstream_gain(X, y, classifiers=[LogisticRegression()], cv=cv, random_state=0, verbose=False)
    assert advice in str(error.value) and "drop 'smote' from baselines" in str(error.value)
    assert f"class 'rare' has {rare} rows" in str(error.value)
    assert "smaller cv" not in str(error.value)  # fewer folds leave fewer rows in a training fold, never more
    if rare == 3:
        downstream_gain(X, y, baselines=("none", "smote"), classifiers=[LogisticRegression()], cv=3,
                        random_state=0, verbose=False)
    downstream_gain(X, y, baselines=("none", "random"), classifiers=[LogisticRegression()], cv=cv,
                    random_state=0, verbose=False)


@pytest.mark.parametrize(("rare", "cv", "advice"), [(3, 2, "use cv=3"), (2, 2, "no number of folds")])
def test_two_classes_whose_training_folds_leave_the_gan_one_to_learn_are_refused_before_training(rare, cv, advice,
                                                                                                  monkeypatch):
    # Audit: with 3 rare rows and cv=2, the first fold trained and the second failed, naming a class of 1 row.
    monkeypatch.setattr(CGAN, "fit", lambda *a, **k: pytest.fail("trained before refusing"))
    X, y = _numeric(n=80, minority=0.0)
    y[:rare] = "rare"
    sampler = GANOversampler(gan=CGAN(epochs=1, batch_size=16), random_state=0)
    with pytest.raises(ValueError, match="the GAN learns only the classes with at least 2 rows") as error:
        downstream_gain(X, y, sampler=sampler, baselines=("none",), classifiers=[LogisticRegression()], cv=cv,
                        random_state=0, verbose=False)
    assert f"at cv=2 a training fold holds as few as 1 row(s) of class 'rare' (of its {rare})" in str(error.value)
    assert advice in str(error.value)
