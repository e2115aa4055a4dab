"""Every misuse meets a clear answer: an exception that names the argument or column, or a documented
handling that is checked here (missing values are modelled, constant columns reproduced).

The same bad inputs go through ``CGAN.fit``/``sample`` and ``GANOversampler.fit_resample``; the CLI cases
live at the bottom and go through the real ``augan`` app.
"""

from __future__ import annotations

import re
import signal
import warnings

import numpy as np
import pandas as pd
import pytest

from augan import CGAN, GANOversampler

TINY = dict(epochs=1, batch_size=32, noise_dim=4, generator_dims=(8, 8), discriminator_dims=(8, 8),
            device="cpu", random_state=0)


@pytest.fixture(autouse=True)
def no_hang():
    """Any case here that runs past 60 s fails instead of hanging the suite."""
    def hung(signum, frame):
        raise TimeoutError("a bad input made augan hang")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _frame(n: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.normal(size=n), "b": rng.integers(0, 5, n), "c": rng.choice(["x", "y"], n)})


def _labels(n: int = 40, minority: int = 10) -> np.ndarray:
    return np.array(["ok"] * (n - minority) + ["fraud"] * minority, dtype=object)


def _with(column: str, values, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    frame = _frame() if frame is None else frame.copy()
    frame[column] = values
    return frame


def _set(column: str, row: int, value) -> pd.DataFrame:
    frame = _frame()
    frame.loc[row, column] = value
    return frame


# name -> (X, y, exception, message regex for CGAN.fit, message regex for GANOversampler.fit_resample)
FIT_ERRORS = {
    "empty table": (_frame().iloc[:0], _labels()[:0], ValueError, r"y is empty", r"y is empty"),
    "one row": (_frame().iloc[:1], _labels()[:1], ValueError, r"y has a single class", r"y has a single class"),
    "one class only": (_frame(), np.array(["ok"] * 40), ValueError, r"y has a single class \('ok'\)",
                       r"y has a single class \('ok'\)"),
    "a class with 1 row": (_frame(), _labels(minority=1), ValueError, r"y: every class needs at least 2 rows.*'fraud'",
                           r"y: every class needs at least 2 rows.*'fraud'"),
    "label NaN": (_frame(), np.where(np.arange(40) == 3, np.nan, 1.0 * (np.arange(40) < 10)), ValueError,
                  r"y holds 1 missing label", r"y holds 1 missing label"),
    "label None": (_frame(), np.where(np.arange(40) == 3, None, _labels()), ValueError, r"y holds 1 missing label",
                   r"y holds 1 missing label"),
    "labels of mixed types": (_frame(), np.array([1] * 30 + ["a"] * 10, dtype=object), TypeError,
                              r"y mixes label types", r"y mixes label types"),
    "y 2-D": (_frame(), np.c_[_labels(), _labels()], ValueError, r"y must be 1-D", r"y|1d"),
    "X and y lengths differ": (_frame(), _labels()[:-1], ValueError, r"X has 40 rows but y has 39",
                               r"inconsistent numbers of samples|X has 40 rows but y has 39"),
    "+inf feature": (_set("a", 2, np.inf), _labels(), ValueError, r"column 'a' holds infinite values",
                     r"column 'a' holds infinite values"),
    "-inf feature in an array": (np.where(np.eye(40, 2, dtype=bool), -np.inf, 1.0), _labels(), ValueError,
                                 r"column 0 holds infinite values", r"column 0 holds infinite values"),
    "10,000-level categorical": (pd.DataFrame({"a": np.arange(10_000.0), "id": [f"u{i}" for i in range(10_000)]}),
                                 np.r_[np.zeros(9000, int), np.ones(1000, int)], ValueError,
                                 r"column 'id' has 10000 distinct values", r"column 'id' has 10000 distinct values"),
    "no columns": (_frame()[[]], _labels(), ValueError, r"X has 0 feature\(s\) \(shape=\(40, 0\)\)", r"0 feature\(s\)"),
    "only constant columns": (pd.DataFrame({"k": [3.0] * 40, "gone": [np.nan] * 40}), _labels(), ValueError,
                              r"no column of X varies.*'k'.*'gone'", r"no column of X varies"),
    "datetime column": (_with("when", pd.Timestamp("2020-01-01")), _labels(), TypeError,
                        r"column 'when' holds dates", r"column 'when' holds dates"),
    "duplicated column names": (pd.concat([_frame(), _frame()[["a"]]], axis=1), _labels(), ValueError,
                                r"duplicated column names \['a'\]", r"duplicated column names|unique"),
    "1-D X": (np.arange(40.0), _labels(), ValueError, r"X must be 2-D", r"2D|2-D"),
    "sparse X": (__import__("scipy.sparse").sparse.csr_matrix(np.eye(40, 3)), _labels(), TypeError,
                 r"sparse", r"sparse"),
    "X None": (None, _labels(), TypeError, r"X is required: pass a table", r"X is required: pass a table"),
    "X a string": ("abc", _labels(), TypeError, r"X must be a table .* got the str 'abc'",
                   r"X must be a table .* got the str 'abc'"),
    "X a number": (5, _labels(), TypeError, r"X must be a table .* got the int 5", r"X must be a table .* got the int"),
    "X a generator": ((row for row in np.eye(40, 3)), _labels(), TypeError, r"X must be a table .* got the generator",
                      r"X must be a table .* got the generator"),
    "ragged rows": ([[1.0, 2.0], [3.0]] * 20, _labels(), ValueError,
                    r"X has rows of different lengths: row 0 has 2 values, row 1 has 1",
                    r"X has rows of different lengths: row 0 has 2 values, row 1 has 1"),
    "ragged images": ([[[1, 2], [3, 4]], [[1], [2]]] * 20, _labels(), ValueError,
                      r"X has rows of different shapes", r"X has rows of different shapes"),
}


@pytest.mark.parametrize("case", list(FIT_ERRORS))
def test_cgan_fit_refuses_bad_data_with_a_message_naming_it(case):
    X, y, error, message, _ = FIT_ERRORS[case]
    with pytest.raises(error, match=message):
        CGAN(**TINY).fit(X, y)


@pytest.mark.parametrize("case", list(FIT_ERRORS))
def test_oversampler_refuses_bad_data_with_a_message_naming_it(case):
    X, y, error, _, message = FIT_ERRORS[case]
    with pytest.raises(error, match=message):
        GANOversampler(gan=CGAN(**TINY)).fit_resample(X, y)


def test_oversampler_given_images_as_3d_arrays_says_to_flatten_them_and_give_their_shape():
    X = np.zeros((40, 8, 8), dtype=np.uint8)
    with pytest.raises(ValueError, match=re.escape("X.reshape(len(X), -1), y) with image_shape=(8, 8)")):
        GANOversampler(gan=CGAN(**TINY), image_shape=(8, 8)).fit_resample(X, _labels())


# name -> (parameters, exception, message regex)
PARAM_ERRORS = {
    "epochs=0": (dict(epochs=0), ValueError, r"'epochs' parameter"),
    "epochs=1.5": (dict(epochs=1.5), ValueError, r"'epochs' parameter"),
    "batch_size=1": (dict(batch_size=1), ValueError, r"'batch_size' parameter"),
    "max_steps=0": (dict(max_steps=0), ValueError, r"'max_steps' parameter"),
    "batch smaller than 2 packs": (dict(batch_size=4, pac=3), ValueError, r"batch_size=4 must be at least 2 \* pac"),
    "unknown loss": (dict(loss="bogus"), ValueError, r"'loss' parameter"),
    "unknown device": (dict(device="tpu9"), ValueError, r"device='tpu9'"),
    "zero width layer": (dict(generator_dims=(0,)), ValueError, r"generator_dims must be"),
    "a bool for a width": (dict(discriminator_dims=(True, 8)), ValueError, r"discriminator_dims must be"),
    "one beta": (dict(betas=(0.5,)), ValueError, r"betas must be two numbers"),
    "betas as strings": (dict(betas=("a", "b")), ValueError, r"betas must be two numbers"),
    "unknown categorical feature": (dict(categorical_features=["nope"]), ValueError,
                                    r"categorical_features names 'nope'"),
    "a text column left out of categorical_features": (dict(categorical_features=["b"]), ValueError,
                                                       r"categorical_features lists \['b'\] but column 'c' holds text"),
    "resume without a folder": (dict(resume=True), ValueError, r"resume=True needs checkpoint_dir"),
}


@pytest.mark.parametrize("case", list(PARAM_ERRORS))
def test_bad_parameters_are_refused_naming_the_parameter(case):
    params, error, message = PARAM_ERRORS[case]
    with pytest.raises(error, match=message):
        CGAN(**{**TINY, **params}).fit(_frame(), _labels())


@pytest.mark.parametrize("image_shape", [(64,), (-8, -8), (8.0, 8.0), (True, 64), (2, 16, 2), (1, 8, 8, 1)])
def test_an_image_shape_that_is_no_image_is_refused_naming_it_before_training(monkeypatch, image_shape):
    # (-8, -8) and (8.0, 8.0) hold 64 pixels as the rows do; (64,) made the GAN see a table, and the deformation
    # then failed inside the sampler with an AttributeError.
    monkeypatch.setattr(CGAN, "fit", lambda *args, **kwargs: pytest.fail("trained before image_shape was checked"))
    X = np.random.default_rng(0).integers(0, 255, (40, 64)).astype(np.uint8)
    with pytest.raises(ValueError, match=re.escape("image_shape must be (H, W), (H, W, C) or (C, H, W)") + ".*"
                       + re.escape(f"got {image_shape!r}")):
        GANOversampler(gan=CGAN(**TINY), image_shape=image_shape).fit_resample(X, _labels())


@pytest.fixture(scope="module")
def fitted() -> CGAN:
    return CGAN(**TINY).fit(_frame(), _labels())


def test_sample_before_fit_is_refused():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="not fitted yet"):
        CGAN(**TINY).sample(5)


# X of FIT_ERRORS that cannot be a table or images at all, given to the methods that take rows after fit.
SHAPELESS_X = ["X None", "X a string", "X a number", "X a generator", "ragged rows"]


@pytest.mark.parametrize("case", SHAPELESS_X)
@pytest.mark.parametrize("method", ["encode", "discriminator_scores"])
def test_methods_taking_rows_after_fit_refuse_bad_x_naming_it(fitted, method, case):
    X, _, error, message, _ = FIT_ERRORS[case]
    args = (X,) if method == "encode" else (X, _labels())
    with pytest.raises(error, match=message):
        getattr(fitted, method)(*args)


# name -> (n, y, exception, message regex)
SAMPLE_ERRORS = {
    "unseen label": (5, "zzz", ValueError, r"y holds label\(s\) never seen in fit: 'zzz'; known classes"),
    "unseen label in a dict": (None, {"zzz": 3}, ValueError, r"never seen in fit.*'zzz'"),
    "unseen label in a list": (None, ["ok", "zzz"], ValueError, r"never seen in fit.*'zzz'"),
    "label of another type": (3, 1, ValueError, r"never seen in fit: 1; known"),
    "n negative": (-1, None, ValueError, r"n must be a positive integer, got -1"),
    "n zero": (0, None, ValueError, r"n must be a positive integer, got 0"),
    "n float": (2.5, None, TypeError, r"n must be a positive integer, got 2.5 of type float"),
    "n whole float": (3.0, None, TypeError, r"n must be a positive integer, got 3.0"),
    "n bool": (True, None, TypeError, r"n must be a positive integer, got True"),
    "n string": ("5", None, TypeError, r"n must be a positive integer, got '5'"),
    "n missing": (None, None, TypeError, r"n must be a positive integer, got None"),
    "count zero in a dict": (None, {"fraud": 0}, ValueError, r"y\['fraud'\] must be a positive integer, got 0"),
    "count negative in a dict": (None, {"fraud": -2}, ValueError, r"y\['fraud'\] must be a positive integer"),
    "count float in a dict": (None, {"fraud": 2.5}, TypeError, r"y\['fraud'\] must be a positive integer"),
    "empty dict": (None, {}, ValueError, r"y=\{\} asks for nothing"),
    "n disagrees with y": (4, ["ok", "fraud"], ValueError, r"n=4 disagrees with y"),
    "a set of labels": (None, {"ok", "fraud"}, TypeError,
                        r"y must be a label, a sequence of labels or a dict \{label: count\}, got a set"),
    "a generator of labels": (3, (label for label in ["ok"]), TypeError, r"y must be a label.*got a generator"),
}


@pytest.mark.parametrize("case", list(SAMPLE_ERRORS))
def test_bad_sample_requests_are_refused_naming_the_argument(fitted, case):
    n, y, error, message = SAMPLE_ERRORS[case]
    with pytest.raises(error, match=message):
        fitted.sample(n, y)


# name -> (sampling_strategy, exception, message regex)
STRATEGY_ERRORS = {
    "fewer rows than present": ({"fraud": 5}, ValueError,
                                r"sampling_strategy asks for 5 rows of class 'fraud', which already has 10"),
    "fewer majority rows than present": ({"ok": 10, "fraud": 40}, ValueError,
                                         r"sampling_strategy asks for 10 rows of class 'ok', which already has 30"),
    "a fractional count": ({"fraud": 20.5}, TypeError, r"sampling_strategy\['fraud'\] must be a whole number"),
    "an unknown class": ({"zzz": 50}, ValueError, r"'zzz'.*not present"),
    "a negative count": ({"fraud": -1}, ValueError, r"sampling_strategy asks for -1 rows of class 'fraud'"),
    "a ratio below the present one": (0.1, ValueError, r"ratio"),
    "a ratio above 1": (2.0, ValueError, r"'sampling_strategy' parameter"),
    "an unknown name": ("bogus", ValueError, r"'sampling_strategy' parameter"),
}


@pytest.mark.parametrize("case", list(STRATEGY_ERRORS))
def test_bad_sampling_strategies_are_refused_naming_the_class(case):
    strategy, error, message = STRATEGY_ERRORS[case]
    with pytest.raises(error, match=message):
        GANOversampler(gan=CGAN(**TINY), sampling_strategy=strategy).fit_resample(_frame(), _labels())


def test_strategy_asking_for_exactly_the_present_count_adds_nothing():
    X, y = _frame(), _labels()
    X_out, y_out = GANOversampler(gan=CGAN(**TINY), sampling_strategy={"fraud": 10}).fit_resample(X, y)
    pd.testing.assert_frame_equal(X_out, X)
    np.testing.assert_array_equal(y_out, y)


# ----------------------------------------------------------------- documented handling
def test_missing_feature_values_are_modelled_not_rejected():
    X = _frame(200)
    X.loc[X.index % 4 == 0, "a"] = np.nan
    y = _labels(200, 50)
    out = CGAN(**TINY).fit(X, y).sample(400)
    assert out["a"].isna().any() and out["a"].notna().any()
    observed = out["a"].dropna()
    assert observed.between(X["a"].min(), X["a"].max()).all()
    assert out["b"].notna().all() and out["c"].notna().all(), "no NaN where training had none"


@pytest.mark.parametrize("api", ["cgan", "oversampler"])
def test_all_missing_and_constant_columns_come_back_as_the_same_constants(api):
    X = _frame().assign(gone=np.nan, seven=7, label="same", flag=True,
                        level=pd.Categorical(["only"] * 40))
    y = _labels()
    if api == "cgan":
        out = CGAN(**TINY).fit(X, y).sample(50)
    else:
        X_all, _ = GANOversampler(gan=CGAN(**TINY)).fit_resample(X, y)
        out = X_all.iloc[len(X):]
    assert out.dtypes.to_dict() == X.dtypes.to_dict()
    assert out["gone"].isna().all()
    assert (out["seven"] == 7).all()
    assert (out["label"] == "same").all()
    assert out["flag"].all()
    assert (out["level"] == "only").all() and out["level"].cat.categories.tolist() == ["only"]


def test_a_column_of_numbers_and_strings_is_one_categorical_with_its_values_kept():
    X = _with("mixed", [1, "two", 3.5, "four"] * 10)
    out = CGAN(**TINY).fit(X, _labels()).sample(200)
    assert out["mixed"].dtype == object
    assert set(out["mixed"]) <= {1, "two", 3.5, "four"}
    assert {type(v) for v in out["mixed"]} <= {int, str, float}


@pytest.mark.parametrize("dtype", [np.int64, np.uint64])
def test_integers_that_float64_cannot_tell_apart_are_warned_about_by_column(dtype):
    X = _with("id", np.arange(40, dtype=dtype) + dtype(2**62))  # 40 ids, one float64 value
    with pytest.warns(UserWarning, match=r"column 'id' holds integers beyond 2\*\*53 .* \(40 distinct values read "
                                         r"as 1\)"):
        CGAN(**TINY).fit(X, _labels())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CGAN(**TINY).fit(_with("id", np.arange(40, dtype=dtype) + dtype(2**52)), _labels())


def test_the_oversampler_warns_once_about_integers_that_float64_cannot_tell_apart():
    # Its interpolation fits a codec of its own on the same columns; that one must not repeat the GAN's warning.
    X = _with("id", np.arange(40, dtype=np.int64) + np.int64(2**62))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GANOversampler(gan=CGAN(**TINY), smote_share=0.5, random_state=0).fit_resample(X, _labels())
    assert [str(w.message) for w in caught if "beyond 2**53" in str(w.message)] == [
        "column 'id' holds integers beyond 2**53 that float64, in which the GAN learns numbers, cannot tell apart "
        "(40 distinct values read as 1); its synthetic values can only be those. An identifier column is best "
        "dropped before fitting."]


@pytest.mark.parametrize("numeric_transform", ["quantile", "standard"])
def test_huge_values_are_modelled_and_stay_finite_within_the_training_range(numeric_transform):
    X = _with("big", np.linspace(-1.5, 1.7, 40) * 1e308)
    out = CGAN(**TINY, numeric_transform=numeric_transform).fit(X, _labels()).sample(100)
    assert np.isfinite(out["big"]).all()
    assert out["big"].between(-1.5e308, 1.7e308).all()
    assert out["big"].nunique() > 10, "the column is not collapsed to a constant"


def test_a_failed_refit_leaves_no_stale_model_behind():
    model = CGAN(**TINY).fit(_frame(), _labels())
    with pytest.raises(ValueError, match="infinite"):
        model.fit(_set("a", 0, np.inf), _labels())
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        model.sample(5)


# ----------------------------------------------------------------------------- sizes
@pytest.mark.parametrize("n, y, name", [(10**12, None, "n"), (2**63, None, "n"), (10**12, "fraud", "n"),
                                        (None, {"fraud": 10**12}, "y")])
def test_a_draw_larger_than_augan_makes_is_refused_before_allocating(fitted, n, y, name):
    with pytest.raises(ValueError, match=rf"^{name} asks for [\d,]+ rows, more than augan draws at once"):
        fitted.sample(n, y)


def test_a_draw_that_would_not_fit_in_memory_is_refused(fitted, monkeypatch):
    import augan._validation

    monkeypatch.setattr(augan._validation, "available_memory", lambda: 10_000, raising=False)
    with pytest.raises(ValueError, match=r"n asks for 1,000 rows, which take [\d.]+ KiB to hold in memory, "
                                         r"more than the 9.77 KiB available"):
        fitted.sample(1000)


def test_candidates_beyond_their_bound_are_refused_before_training(monkeypatch):
    monkeypatch.setattr(CGAN, "fit", lambda *args: pytest.fail("trained before refusing"))
    with pytest.raises(ValueError, match=r"'candidates' parameter .* range \[1.0, 100.0\]"):
        GANOversampler(candidates=1e6, gan=CGAN(**TINY)).fit_resample(_frame(), _labels())


def test_a_strategy_asking_for_more_rows_than_augan_draws_is_refused_before_training(monkeypatch):
    monkeypatch.setattr(CGAN, "fit", lambda *args: pytest.fail("trained before refusing"))
    with pytest.raises(ValueError, match=r"sampling_strategy asks for 999,999,999,990 new rows "
                                         r"\(1,499,999,999,985 drawn with candidates=1.5\), more than augan draws"):
        GANOversampler(sampling_strategy={"fraud": 10**12}, gan=CGAN(**TINY)).fit_resample(_frame(), _labels())


def _wide(images: bool) -> tuple[np.ndarray, np.ndarray]:
    """60 rows of 200 numbers, or of 16x16 images (flattened), 45 of class 0 and 15 of class 1."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 200)) if not images else rng.integers(0, 256, (60, 256)).astype(np.uint8)
    return X, np.array([0] * 45 + [1] * 15)


# name -> (GANOversampler parameters, the final count asked for class 1, message regex): each draw needs far more
# than the 1 GiB the tests say is available, yet stays under the rows augan draws at once.
MEMORY_REQUESTS = {
    "best of 100 candidates": (dict(candidates=100, smote_share=0.5), 5_000_000,
                               r"249,999,300 drawn from the GAN as candidates=100 per row kept, "
                               r"2,499,992 interpolated"),
    "no selection": (dict(selection=None, smote_share=0.5), 300_000_000,
                     r"149,999,993 drawn from the GAN, 149,999,992 interpolated"),
    "interpolated only": (dict(smote_share=1), 300_000_000, r"\(299,999,985 interpolated\)"),
}


@pytest.mark.parametrize("images", [False, True], ids=["table", "images"])
@pytest.mark.parametrize("case", list(MEMORY_REQUESTS))
def test_a_strategy_whose_draw_would_not_fit_in_memory_is_refused_before_training(monkeypatch, case, images):
    import augan._validation

    monkeypatch.setattr(augan._validation, "available_memory", lambda: 2**30)
    monkeypatch.setattr(CGAN, "fit", lambda *args: pytest.fail("trained before refusing"))
    params, wanted, drawn = MEMORY_REQUESTS[case]
    X, y = _wide(images)
    sampler = GANOversampler(gan=CGAN(**TINY), sampling_strategy={1: wanted}, image_shape=(16, 16) if images else None,
                             **params)
    with pytest.raises(ValueError, match=rf"^sampling_strategy asks for {wanted - 15:,} new rows \(.*\), which take "
                                         r"[\d.]+ [GT]iB to hold in memory, more than the 1.00 GiB available; ask for "
                                         r"fewer rows") as refused:
        sampler.fit_resample(X, y)
    assert re.search(drawn, str(refused.value))
    assert ("fewer candidates" in str(refused.value)) == (case == "best of 100 candidates")


@pytest.mark.parametrize("images", [False, True], ids=["table", "images"])
def test_a_strategy_whose_draw_fits_in_memory_is_resampled(monkeypatch, images):
    import augan._validation

    X, y = _wide(images)
    # The 20,000 new rows take 32 MB as the table returns them (float64), 4 times less than said to be available;
    # as images they are made as 28x28 float32 (padded) and decoded through float64: 200 MB.
    monkeypatch.setattr(augan._validation, "available_memory", lambda: (512 if images else 128) * 2**20)
    X_out, y_out = GANOversampler(gan=CGAN(**TINY), sampling_strategy={1: 20_015},
                                  image_shape=(16, 16) if images else None).fit_resample(X, y)
    assert X_out.shape == (20_060, X.shape[1]) and (y_out == 1).sum() == 20_015


def test_mlp_networks_too_large_to_train_are_refused_before_allocation(no_large_allocation):
    X = np.zeros((4, 4000, 4000), dtype=np.uint8)
    X[1::2] = 255
    with pytest.raises(ValueError, match=r"architecture='mlp' on samples of shape \(1, 4000, 4000\) builds "
                                         r"networks of [\d,]+ weights, which need [\d.]+ [GT]iB to train, more "
                                         r"than the .* free on cpu; resize the images to 28, 32 or 64 px \(size=64 "
                                         r"when they are read from a folder\) and use architecture='dcgan'"):
        CGAN(architecture="mlp", device="cpu").fit(X, [0, 1, 0, 1])


def test_mlp_networks_too_large_for_the_memory_suggest_dcgan_at_a_size_it_takes(no_large_allocation, monkeypatch):
    # The 4000 px refusal advised DCGAN, which takes at most 64 px; at 64 px DCGAN is the advice as it stands.
    import augan.synthesizer

    monkeypatch.setattr(augan.synthesizer, "device_memory", lambda device: 2**20)
    X = np.zeros((4, 64, 64), dtype=np.uint8)
    X[1::2] = 255
    with pytest.raises(ValueError, match=r"shape \(1, 64, 64\) .* free on cpu; use architecture='dcgan' or smaller "
                                         r"images\.$"):
        CGAN(architecture="mlp", device="cpu").fit(X, [0, 1, 0, 1])


def test_a_resize_past_pillows_size_limit_is_refused_before_resizing(tmp_path):
    from augan.data.images import read_image_folder

    root = _image_folder(tmp_path / "digits", {"a": [(8, 8)], "b": [(8, 8)]})
    with pytest.raises(ValueError, match=r"size=9500 asks for 90,250,000 pixels per image, more than the "
                                         r"89,478,485 Pillow reads"):
        read_image_folder(root, size=9500)


def test_an_image_past_pillows_size_limit_is_a_value_error_naming_it(tmp_path, png_header):
    from augan.data.images import read_image_folder

    root = _image_folder(tmp_path / "digits", {"a": [(8, 8)] * 2, "b": [(8, 8)] * 2})
    png_header(root / "b" / "huge.png", 20000, 20000)
    with pytest.raises(ValueError, match=r"huge.png is too large to read: Image size \(400000000 pixels\)"):
        read_image_folder(root)


@pytest.mark.parametrize("cells, kind", [([[1, 2], [3]], "list"), ([{"a": 1}, {"b": 2}], "dict"),
                                         ([np.array([1, 2]), np.array([3])], "ndarray")])
def test_a_column_of_lists_or_dicts_is_named(cells, kind):
    X = _frame()
    X["nested"] = pd.Series(cells * (len(X) // 2), dtype=object)
    with pytest.raises(TypeError, match=rf"column 'nested' holds {kind} values"):
        CGAN(**TINY).fit(X, _labels())
    with pytest.raises(TypeError, match=rf"column 3 holds {kind} values"):
        CGAN(**TINY).fit(X.to_numpy(dtype=object), _labels())


# ------------------------------------------------------------------------------------ CLI
def _csv(folder, name: str, content: str | bytes):
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def _rows(xs, labels) -> str:
    return "x,default\n" + "".join(f"{x},{label}\n" for x, label in zip(xs, labels))


BALANCED = ["a"] * 6 + ["b"] * 4

# name -> (command line from (folder, out), phrases the one error line must hold)
CLI_ERRORS = {
    "empty table": (lambda d, out: ["generate", _csv(d, "e.csv", "x,default\n"), "--target", "default",
                                    "--n", 5, "--out", out], ["no rows"]),
    "one row": (lambda d, out: ["generate", _csv(d, "r.csv", "x,default\n1,a\n"), "--target", "default",
                                "--n", 5, "--out", out], ["single class", "'a'"]),
    "one class only": (lambda d, out: ["generate", _csv(d, "c.csv", _rows(range(10), ["a"] * 10)), "--target",
                                       "default", "--n", 5, "--out", out], ["single class", "'a'"]),
    "a class with 1 row": (lambda d, out: ["generate", _csv(d, "c.csv", _rows(range(10), ["a"] * 9 + ["b"])),
                                           "--target", "default", "--n", 5, "--out", out],
                           ["at least 2 rows", "'b' (1 row)"]),
    "label NaN": (lambda d, out: ["generate", _csv(d, "n.csv", _rows(range(10), BALANCED[:-1] + [""])), "--target",
                                  "default", "--n", 5, "--out", out], ["1 missing label"]),
    "inf feature": (lambda d, out: ["generate", _csv(d, "i.csv", _rows([1, "inf"] + list(range(8)), BALANCED)),
                                    "--target", "default", "--n", 5, "--out", out], ["column 'x'", "infinite"]),
    "10,000-level categorical": (lambda d, out: ["generate", _csv(d, "ids.csv", "id,default\n" + "".join(
        f"u{i},{'a' if i % 10 else 'b'}\n" for i in range(10_000))), "--target", "default", "--n", 5, "--out", out],
        ["column 'id' has 10000 distinct values"]),
    "non-UTF-8 CSV": (lambda d, out: ["generate", _csv(d, "l.csv", "name,default\ncaf\xe9,a\n".encode("latin-1")),
                                      "--target", "default", "--n", 5, "--out", out], ["l.csv", "not UTF-8"]),
    "wrong delimiter": (lambda d, out: ["generate", _csv(d, "s.csv", _rows(range(10), BALANCED).replace(",", ";")),
                                        "--target", "default", "--n", 5, "--out", out],
                        ["no column 'default'", "x;default", "holds 'default' between ';'", "with commas"]),
    "empty --target": (lambda d, out: ["generate", _csv(d, "t.csv", _rows(range(10), BALANCED)), "--target", "",
                                       "--n", 5, "--out", out], ["--target must name a column", "empty"]),
    "unknown --target": (lambda d, out: ["generate", _csv(d, "t.csv", _rows(range(10), BALANCED)), "--target",
                                         "class", "--n", 5, "--out", out], ["no column 'class'", "x, default"]),
    "sample before fit (no model file)": (lambda d, out: ["sample", d / "never-fitted.augan", "--n", 3, "--out", out],
                                          ["no model file", "never-fitted.augan"]),
    "sample from a table instead of a model": (lambda d, out: ["sample", _csv(d, "t.csv", _rows(range(10), BALANCED)),
                                                               "--n", 3, "--out", out], ["not a readable augan model"]),
    "unseen --label": (lambda d, out: ["generate", _csv(d, "t.csv", _rows(range(10), BALANCED)), "--target",
                                       "default", "--n", 5, "--label", "zzz", "--out", out],
                       ["--label 'zzz'", "a, b"]),
    "--n negative": (lambda d, out: ["generate", _csv(d, "t.csv", _rows(range(10), BALANCED)), "--target", "default",
                                     "--n", -3, "--out", out], ["--n", "-3"]),
    "--n zero": (lambda d, out: ["generate", _csv(d, "t.csv", _rows(range(10), BALANCED)), "--target", "default",
                                 "--n", 0, "--out", out], ["--n", "0"]),
    "a strategy asking for fewer rows than present": (
        lambda d, out: ["resample", _csv(d, "t.csv", _rows(range(10), BALANCED)), "--target", "default",
                        "--strategy", "0.1", "--out", out], ["ratio"]),
}


@pytest.fixture
def cli():
    from typer.testing import CliRunner

    from augan_cli.main import app

    runner = CliRunner()
    return lambda args: runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("case", list(CLI_ERRORS))
def test_cli_answers_bad_input_with_one_line_exit_2_and_no_file(cli, tmp_path, case):
    make_args, phrases = CLI_ERRORS[case]
    out = tmp_path / "out.csv"
    result = cli([*make_args(tmp_path, out), "--quiet"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("augan: error: "), result.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    assert not out.exists()
    assert list(tmp_path.glob(".*.tmp")) == []


def test_cli_refuses_a_fractional_n_before_doing_anything(cli, tmp_path):
    out = tmp_path / "out.csv"
    result = cli(["generate", _csv(tmp_path, "t.csv", _rows(range(10), BALANCED)), "--target", "default",
                  "--n", "2.5", "--out", out])
    assert result.exit_code == 2
    assert "'--n'" in result.stderr and "integer" in result.stderr
    assert not out.exists()


def test_cli_models_missing_values_and_reproduces_constant_columns(cli, tmp_path):
    rng = np.random.default_rng(0)
    n = 40
    frame = pd.DataFrame({"x": np.where(np.arange(n) % 4 == 0, np.nan, rng.normal(size=n)), "gone": np.nan,
                          "seven": 7, "mixed": [1, "two"] * (n // 2), "big": rng.uniform(-1, 1, n) * 1e300,
                          "default": ["a"] * 30 + ["b"] * 10})
    data = tmp_path / "odd.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "out.csv"
    result = cli(["generate", data, "--target", "default", "--n", 200, "--out", out, "--epochs", 1, "--seed", 0,
                  "--quiet"])
    assert result.exit_code == 0, result.output
    synthetic = pd.read_csv(out)
    assert list(synthetic.columns) == list(frame.columns)
    assert synthetic["x"].isna().any() and synthetic["x"].notna().any()
    assert synthetic["gone"].isna().all() and (synthetic["seven"] == 7).all()
    assert set(synthetic["mixed"].astype(str)) <= {"1", "two"}
    assert np.isfinite(synthetic["big"]).all() and synthetic["big"].abs().max() <= frame["big"].abs().max()


# --------------------------------------------------------------------------------- images
def _images(n: int = 20, shape: tuple = (8, 8), dtype=np.uint8) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (n, *shape)).astype(dtype)


IMAGE_LABELS = np.array([0] * 12 + [1] * 8)

# name -> (images, exception, message regex)
IMAGE_ERRORS = {
    "a NaN pixel": (np.where(np.arange(20 * 64).reshape(20, 8, 8) == 5, np.nan, _images(dtype=float)), ValueError,
                    r"NaN or infinite pixel"),
    "pixels beyond 255": (_images(dtype=float) * 2, ValueError, r"pixel values must lie in \[0, 1\] or \[0, 255\]"),
    "two channels": (_images(shape=(8, 8, 2)), ValueError, r"cannot tell the channel axis.*\(20, 8, 8, 2\)"),
    "a 5-D array": (_images(shape=(2, 8, 8, 3)), ValueError, r"X has shape \(20, 2, 8, 8, 3\); CGAN takes a table"),
    "boolean pixels": (_images() > 128, TypeError, r"X must hold numbers.*got dtype bool"),
}


@pytest.mark.parametrize("case", list(IMAGE_ERRORS))
def test_bad_images_are_refused_naming_the_problem(case):
    images, error, message = IMAGE_ERRORS[case]
    with pytest.raises(error, match=message):
        CGAN(**{**TINY, "batch_size": 16}).fit(images, IMAGE_LABELS)


def _image_folder(root, sizes: dict[str, list[tuple[int, int]]]):
    from PIL import Image

    rng = np.random.default_rng(0)
    for label, shapes in sizes.items():
        (root / label).mkdir(parents=True)
        for i, shape in enumerate(shapes):
            Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(root / label / f"{i}.png")
    return root


def test_an_image_folder_of_mixed_sizes_names_two_files_and_the_remedy(tmp_path):
    from augan.data.images import read_image_folder

    root = _image_folder(tmp_path / "digits", {"a": [(8, 8), (8, 8)], "b": [(8, 8), (9, 8)]})
    with pytest.raises(ValueError, match=r"differ in size: .*a/0.png is 8x8 but .*b/1.png is 8x9.*size="):
        read_image_folder(root)
    X, y = read_image_folder(root, size=8)
    assert X.shape == (4, 8, 8) and y.tolist() == ["a", "a", "b", "b"]


@pytest.mark.parametrize("intruder", ["b/notes.txt", "readme.md"])
def test_a_non_image_file_in_an_image_folder_is_named(tmp_path, intruder):
    from augan.data.images import read_image_folder

    root = _image_folder(tmp_path / "digits", {"a": [(8, 8)] * 2, "b": [(8, 8)] * 2})
    (root / intruder).write_text("not an image")
    with pytest.raises(ValueError, match=intruder.split("/")[-1]):
        read_image_folder(root)


def test_a_continuous_target_gets_a_short_message_that_says_it_looks_continuous():
    from augan import CGAN

    rng = np.random.default_rng(0)
    with pytest.raises(ValueError) as caught:
        CGAN(epochs=1).fit(rng.normal(size=(5000, 2)), rng.normal(size=5000))
    message = str(caught.value)
    assert len(message) < 600, len(message)
    assert "and 4990 more" in message and "5000 of the 5000 classes" in message and "continuous" in message
