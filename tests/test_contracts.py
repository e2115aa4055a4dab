"""The estimator contracts: imbalanced-learn's and scikit-learn's own checks, clone, pickle, grid search and
parallel cross-validation inside an imbalanced-learn pipeline."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import make_pipeline
from imblearn.utils.estimator_checks import parametrize_with_checks as imblearn_checks
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.utils.estimator_checks import parametrize_with_checks as sklearn_checks

from augan import CGAN, GANOversampler

TINY = dict(epochs=1, batch_size=16, noise_dim=4, generator_dims=(8,), discriminator_dims=(8,), device="cpu",
            random_state=0)

# Each exclusion is a check whose premise does not hold for augan, never a bug waiting for a fix.
ONE_ROW_CLASS = ("its fixed training data holds a class with a single row, which CGAN refuses with a clear "
                 "ValueError (a class cannot be learned from one example); the contract it checks on {} is "
                 "tested below on valid data")
NO_PREDICT = ("it checks predict/transform-like methods, which a generative estimator does not have, and its fixed "
              "training data holds a class with a single row, which CGAN refuses with a clear ValueError")
CGAN_EXCLUDED = {
    "check_dont_overwrite_parameters": ONE_ROW_CLASS.format("fit"),
    "check_dict_unchanged": ONE_ROW_CLASS.format("sample"),
    "check_f_contiguous_array_estimator": ONE_ROW_CLASS.format("Fortran-ordered X"),
    "check_methods_sample_order_invariance": NO_PREDICT,
    "check_methods_subset_invariance": NO_PREDICT,
    "check_fit2d_predict1d": NO_PREDICT,
}
OVERSAMPLER_EXCLUDED = {
    "check_samplers_pandas_sparse": "pandas sparse columns are refused with a clear TypeError, like scipy sparse "
                                    "matrices (input_tags.sparse is False); imbalanced-learn runs this check on "
                                    "every sampler that takes DataFrames regardless of that tag",
}


@imblearn_checks([GANOversampler(gan=CGAN(**TINY), random_state=0)],
                 expected_failed_checks=lambda estimator: OVERSAMPLER_EXCLUDED)
def test_oversampler_passes_imbalanced_learns_sampler_checks(estimator, check):
    check(estimator)


@sklearn_checks([CGAN(**TINY), GANOversampler(gan=CGAN(**TINY), random_state=0)],
                expected_failed_checks=lambda estimator: CGAN_EXCLUDED if isinstance(estimator, CGAN) else {})
def test_estimators_pass_scikit_learns_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def table() -> tuple[np.ndarray, np.ndarray]:
    X, y = make_classification(120, 4, n_informative=3, n_redundant=0, weights=[0.8], random_state=0)
    return X, y


# ------------------------------------------- the contracts of the excluded checks, on valid data
def test_fit_sets_only_trailing_underscore_attributes_and_keeps_parameters(table):
    X, y = table
    model = CGAN(**TINY)
    before = dict(model.__dict__)
    model.fit(X, y)
    added = [k for k in model.__dict__ if k not in before and not k.startswith("_")]
    assert added and all(k.endswith("_") for k in added), added
    assert all(model.__dict__[k] is v for k, v in before.items() if not k.startswith("_"))


def test_sample_changes_nothing_on_the_estimator(table):
    X, y = table
    model = CGAN(**TINY).fit(X, y)
    before = dict(model.__dict__)
    state = {k: v.clone() for k, v in model.generator_.state_dict().items()}
    model.sample(30)
    assert model.__dict__.keys() == before.keys() and all(model.__dict__[k] is before[k] for k in before)
    assert all((model.generator_.state_dict()[k] == v).all() for k, v in state.items())


def test_fortran_ordered_input_gives_the_same_model(table):
    X, y = table
    a = CGAN(**TINY).fit(np.ascontiguousarray(X), y).sample(20)
    b = CGAN(**TINY).fit(np.asfortranarray(X), y).sample(20)
    np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------- parameters
@pytest.mark.parametrize("estimator", [CGAN(), GANOversampler()], ids=["CGAN", "GANOversampler"])
def test_parameter_constraints_cover_exactly_the_parameters(estimator):
    assert set(estimator._parameter_constraints) == set(estimator.get_params(deep=False))


def test_clone_copies_parameters_verbatim_and_drops_fitted_state(table):
    X, y = table
    gan = CGAN(**{**TINY, "generator_dims": [8, 8]})
    sampler = GANOversampler(gan=gan, sampling_strategy={1: 90}).fit(X, y)
    copy = clone(sampler)
    assert copy.get_params(deep=False).keys() == sampler.get_params(deep=False).keys()
    assert copy.gan is not gan and copy.gan.get_params() == gan.get_params()
    assert copy.gan.generator_dims == [8, 8] and copy.sampling_strategy == {1: 90}
    assert not hasattr(copy, "sampling_strategy_")


# --------------------------------------------------------------------------------- pickle
def test_a_fitted_cgan_survives_pickling_with_identical_samples(table):
    X, y = table
    frame = pd.DataFrame(X, columns=list("abcd")).assign(kind=np.where(X[:, 0] > 0, "up", "down"))
    model = CGAN(**TINY).fit(frame, y)
    restored = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(restored.sample(40), model.sample(40))
    pd.testing.assert_frame_equal(restored.sample(10, y=1, random_state=5), model.sample(10, y=1, random_state=5))


def test_a_fitted_oversampler_survives_pickling_with_identical_samples(table):
    X, y = table
    sampler = GANOversampler(gan=CGAN(**TINY), random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    restored = pickle.loads(pickle.dumps(sampler))
    np.testing.assert_array_equal(restored.gan_.sample(30), sampler.gan_.sample(30))
    X_again, y_again = pickle.loads(pickle.dumps(clone(sampler))).fit_resample(X, y)
    np.testing.assert_array_equal(X_again, X_res)
    np.testing.assert_array_equal(y_again, y_res)


# ------------------------------------------------------------------ model selection
def test_grid_search_over_gan_parameters_inside_an_imblearn_pipeline(table):
    X, y = table
    pipe = make_pipeline(GANOversampler(gan=CGAN(**TINY), random_state=0), LogisticRegression())
    grid = GridSearchCV(pipe, {"ganoversampler__gan__epochs": [1, 2]}, cv=2, scoring="balanced_accuracy")
    grid.fit(X, y)
    scores = grid.cv_results_["mean_test_score"]
    assert len(scores) == 2 and np.isfinite(scores).all()
    assert grid.best_params_ == grid.cv_results_["params"][int(np.argmax(scores))]
    fitted_gan = grid.best_estimator_.named_steps["ganoversampler"].gan_
    assert fitted_gan.epochs == grid.best_params_["ganoversampler__gan__epochs"]


@pytest.mark.slow  # two worker processes that import augan
def test_parallel_cross_validation_matches_the_serial_one(table):
    X, y = table
    pipe = make_pipeline(GANOversampler(gan=CGAN(**TINY), random_state=0), LogisticRegression())
    parallel = cross_val_score(pipe, X, y, cv=2, scoring="balanced_accuracy", n_jobs=2)
    serial = cross_val_score(pipe, X, y, cv=2, scoring="balanced_accuracy", n_jobs=1)
    np.testing.assert_array_equal(parallel, serial)
