import json
from pathlib import Path

import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler
from sklearn.linear_model import LogisticRegression

from augan import CGAN, GANOversampler, Report, evaluate
from augan.datasets import make_loans


@pytest.fixture
def loans():
    frame = make_loans(240, default_rate=0.15, random_state=0)
    return frame.drop(columns="default"), frame["default"].to_numpy()


@pytest.mark.slow  # cross-validates GANs
def test_evaluate_table_gives_gain_fidelity_detection_and_privacy(loans, tiny):
    X, y = loans
    report = evaluate(X, y, sampler=GANOversampler(gan=CGAN(**tiny), random_state=0),
                      classifiers=[LogisticRegression(max_iter=500)], cv=2, random_state=0, verbose=False)
    assert isinstance(report, Report)
    results = report.results
    assert results["utility"]["setup"]["methods"] == ["none", "smote", "random", "augan", "tstr"]
    quality = results["quality"]
    assert quality["n_holdout"] == 48 and quality["n_train"] == 192
    assert quality["fidelity"]["extractor"] == "augan-table-mlp"
    assert set(quality["fidelity"]["per_class"]) == {"no", "yes"}
    assert quality["discriminator"]["held_out"] is True
    assert quality["discriminator"]["n_real"] == 48
    # Audit 11: every score compares with the held-out rows; against the GAN's training rows, copies of them looked
    # more real than a perfect generator's rows.
    assert quality["fidelity"]["overall"]["n_real"] == 48 and quality["c2st"]["n_real"] == 48
    assert "held out: the real rows that fidelity, the two-sample test" in quality["source"]
    c2st = quality["c2st"]
    assert c2st["auc"] == max(entry["auc"] for entry in c2st["classifiers"].values())
    assert all(len(entry["fold_aucs"]) == c2st["cv"] for entry in c2st["classifiers"].values())
    assert quality["privacy"]["reference"].startswith("held-out")
    assert len(results["training"]["history"]) == tiny["epochs"]
    assert results["data"]["categorical_columns"] == ["purpose", "employment", "homeowner"]
    json.dumps(results, allow_nan=False)


@pytest.mark.slow  # cross-validates GANs
def test_evaluate_judges_a_fitted_model_against_all_rows(loans, tiny):
    X, y = loans
    model = CGAN(**tiny, random_state=0).fit(X, y)
    report = evaluate(X, y, sampler=RandomOverSampler(random_state=0), baselines=("none",), model=model,
                      classifiers=[LogisticRegression(max_iter=500)], cv=2, tstr=False, random_state=0,
                      verbose=False)
    quality = report.results["quality"]
    assert "model passed in" in quality["source"]
    assert quality["n_holdout"] == 0
    assert quality["discriminator"]["held_out"] is False
    assert quality["fidelity"]["overall"]["n_real"] == 240 and quality["c2st"]["n_real"] == 240
    assert quality["privacy"]["reference"].startswith("training rows")


def test_evaluate_without_a_gan_skips_quality_and_says_so(loans):
    X, y = loans
    report = evaluate(X, y, sampler=RandomOverSampler(random_state=0), baselines=("none",),
                      classifiers=[LogisticRegression(max_iter=500)], cv=2, random_state=0, verbose=False)
    assert report.results["quality"] is None
    assert any("need a GAN" in note for note in report.results["notes"])
    assert report.results["utility"]["setup"]["methods"] == ["none", "randomoversampler"]
    assert "Quality of the synthetic data" not in report.summary()


@pytest.mark.slow  # cross-validates GANs twice
def test_evaluate_with_the_same_seed_gives_the_same_json(loans):
    X, y = loans
    runs = [evaluate(X, y, sampler=RandomOverSampler(random_state=0), classifiers=[LogisticRegression(max_iter=500)],
                     cv=2, quality=False, random_state=3, verbose=False).to_json() for _ in range(2)]
    assert runs[0] == runs[1]


@pytest.mark.slow  # cross-validates GANs
def test_evaluate_images_flattens_them_for_classifiers_and_draws_grids(tiny):
    from sklearn.datasets import load_digits

    digits = load_digits()
    keep = np.isin(digits.target, [3, 8])
    X, y = (digits.images[keep][:160] * 16).astype(np.uint8), digits.target[keep][:160]
    report = evaluate(X, y, sampler=GANOversampler(gan=CGAN(**tiny), random_state=0), baselines=("none", "random"),
                      classifiers=[LogisticRegression(max_iter=300)], cv=2, random_state=0, verbose=False)
    assert report.results["data"]["kind"] == "image"
    assert report.results["data"]["image_shape"] == [8, 8]
    assert report.results["quality"]["fidelity"]["extractor"] == "augan-image-cnn"
    html = report.to_html()
    assert "Real images, one row per class." in html and "Synthetic images, one row per class." in html
    # Audit 12: the half made from real images is deformed images, which the report called interpolations.
    made = report.results["quality"]["synthetic"]
    assert made["interpolation"] == "deform" and made["n_interpolated"] > 0
    assert "real images of the class, deformed" in report.summary() and "interpolated" not in report.summary()


@pytest.mark.parametrize("X", [None, "loans.csv", 3])
def test_evaluate_names_X_when_it_holds_no_rows(loans, X):
    _, y = loans
    with pytest.raises(TypeError, match=r"^X "):
        evaluate(X, y)


@pytest.mark.parametrize("holdout", [-0.1, 0.5, "0.2"])
def test_evaluate_refuses_a_bad_holdout(loans, holdout):
    X, y = loans
    with pytest.raises(ValueError, match="holdout"):
        evaluate(X, y, holdout=holdout, verbose=False)


@pytest.mark.slow  # cross-validates GANs
def test_evaluate_reads_the_columns_of_x_by_the_names_the_model_was_fitted_on(loans, tiny):
    X, y = loans
    model = CGAN(**tiny, random_state=0).fit(X, y)
    options = dict(sampler=RandomOverSampler(random_state=0), baselines=("none",), model=model,
                   classifiers=[LogisticRegression(max_iter=500)], cv=2, tstr=False, random_state=0, verbose=False)
    same = evaluate(X, y, **options).results["quality"]
    reordered = evaluate(X[X.columns[::-1]], y, **options).results["quality"]
    assert reordered == same
    with pytest.raises(ValueError, match=r"columns of X are not those of the model \(CLI: --model\): "
                                         r"missing 'income'; unexpected 'pay'"):
        evaluate(X.rename(columns={"income": "pay"}), y, **options)


def test_a_model_of_a_table_on_images_is_refused_as_such_before_its_classes(tiny, no_training):
    rng = np.random.default_rng(0)
    table = CGAN(**tiny, random_state=0).fit(rng.normal(size=(40, 3)), np.repeat(["0", "1"], 20))
    images, labels = rng.integers(0, 256, (40, 8, 8), dtype=np.uint8), np.repeat([0, 1], 20)
    with pytest.raises(ValueError, match=r"trained on a table, but the data holds images of shape \(8, 8\)"):
        evaluate(images, labels, model=table, cv=2, verbose=False)
    image_model = CGAN(**tiny, random_state=0).fit(images, labels)
    with pytest.raises(ValueError, match=r"trained on images of shape \(8, 8\), but the data holds a table"):
        evaluate(rng.normal(size=(40, 64)), labels, model=image_model, cv=2, verbose=False)
    with pytest.raises(ValueError, match=r"classes '0', '1', but the data holds 0, 1"):
        evaluate(rng.normal(size=(40, 3)), labels, model=table, cv=2, verbose=False)


@pytest.mark.parametrize("model, message", [
    ("m.augan", r"model must be a fitted CGAN, got the path 'm\.augan': load it with augan\.CGAN\.load"),
    (Path("m.augan"), r"got the path 'm\.augan': load it"),
    (GANOversampler(), r"model must be a fitted CGAN, got a GANOversampler; its fitted GAN is"),
    (3, r"model must be a fitted CGAN, got an object of type int"),
])
def test_a_model_that_is_not_a_cgan_is_refused_naming_what_to_pass(model, message, no_training):
    # Audit 2026-12-06: a path got scikit-learn's "is not an estimator instance", naming neither model nor CGAN.load.
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match=message):
        evaluate(rng.normal(size=(40, 3)), np.repeat([0, 1], 20), model=model, cv=2, verbose=False)


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if evaluate reaches the cross-validation (where the first GAN would be trained)."""
    def refuse(*args, **kwargs):
        raise AssertionError("the cross-validation started before the arguments were refused")

    monkeypatch.setattr("augan.evaluation.downstream_gain", refuse)


def test_a_model_is_refused_before_the_cross_validation_when_the_data_holds_categories_it_never_saw(
        loans, tiny, no_training):
    X, y = loans
    model = CGAN(**tiny, random_state=0).fit(X, y)
    options = dict(sampler=RandomOverSampler(random_state=0), baselines=("none",), model=model, cv=2, verbose=False)
    other = X.assign(purpose=X["purpose"].where(X.index % 7 > 0, "boat"))
    levels = ", ".join(repr(level) for level in sorted(X["purpose"].unique()))
    with pytest.raises(ValueError, match=rf"^column 'purpose' holds 'boat', a level the model \(CLI: --model\) never "
                                         rf"saw in training \(its levels: {levels}\)"):
        evaluate(other, y, **options)
    with pytest.raises(ValueError, match=r"^column 'homeowner' holds missing values, which the model"):
        evaluate(X.assign(homeowner=X["homeowner"].where(X.index % 5 > 0, None)), y, **options)
    # Missing values of a column that had some in training are a level of their own, and numbers are not levels.
    assert X["months_employed"].isna().any()
    numbers = model.codec_.columns_[list(X.columns).index("income")]
    assert numbers.unseen_levels(X["income"] * 1000) == []


def _small_images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(40, 8, 8)).astype(np.uint8), np.array([0] * 28 + [1] * 12)


def _weights_file(tmp_path, kind):
    import torch

    path = tmp_path / f"{kind}.pth"
    if kind == "garbage":
        path.write_bytes(b"not weights")
    elif kind == "other":
        torch.save({"a": torch.zeros(2)}, path)
    elif kind == "pickle":
        torch.save({"fc.weight": torch.zeros(2), "extra": _Sneaky(tmp_path / "ran")}, path)
    return path


class _Sneaky:
    """A pickled object that, if unpickled by ``pickle``, would write a file: the code a weights file can run."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (str(self.target), "w"))


@pytest.mark.parametrize("kind, error, match", [
    ("missing", FileNotFoundError, r"weights_path=.*missing\.pth.*no such file"),
    ("garbage", ValueError, r"weights_path=.*garbage\.pth.*cannot be read as torch weights"),
    ("other", ValueError, r"weights_path=.*other\.pth.*not torch-fidelity's Inception-v3 weights.*missing"),
    ("pickle", ValueError, r"weights_path=.*pickle\.pth.*cannot be read as torch weights"),
])
def test_evaluate_refuses_a_weights_file_before_any_training(tmp_path, no_training, kind, error, match):
    X, y = _small_images()
    with pytest.raises(error, match=match):
        evaluate(X, y, weights_path=_weights_file(tmp_path, kind), cv=2, verbose=False)
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize("value", [123, b"w.pth", ["w.pth"]])
def test_evaluate_refuses_a_weights_path_that_is_no_path(no_training, value):
    X, y = _small_images()
    with pytest.raises(TypeError, match="weights_path must be a file path"):
        evaluate(X, y, weights_path=value, cv=2, verbose=False)


def test_evaluate_refuses_weights_for_a_table_or_without_quality(loans, tmp_path, no_training):
    X, y = loans
    weights = _weights_file(tmp_path, "other")
    with pytest.raises(ValueError, match="weights_path selects the Inception extractor, which reads images"):
        evaluate(X, y, weights_path=weights, cv=2, verbose=False)
    images, labels = _small_images()
    with pytest.raises(ValueError, match="weights_path is used by the quality part, which quality=False skips"):
        evaluate(images, labels, weights_path=weights, quality=False, cv=2, verbose=False)


@pytest.fixture(scope="module")
def image_models():
    """Tiny CGANs fitted on the same 8x8 images as uint8 (0..255) and as floats in [0, 1]."""
    X, y = _small_images()
    settings = dict(epochs=1, max_steps=2, batch_size=32, noise_dim=8, generator_dims=(16,), discriminator_dims=(16,),
                    random_state=0)
    return {"uint8": CGAN(**settings).fit(X, y), "unit": CGAN(**settings).fit(X / 255.0, y)}


@pytest.mark.parametrize("model_scale, data, said", [
    ("uint8", lambda X: X / 255.0, r"X holds floats in \[0, 1\], but the model \(CLI: --model\) was fitted on "
                                   r"uint8 images \(0\.\.255\)"),
    ("unit", lambda X: X, r"X holds uint8 images \(0\.\.255\), but the model \(CLI: --model\) was fitted on "
                          r"floats in \[0, 1\]"),
    ("unit", lambda X: X.astype(np.float32), r"X holds floats in \[0, 255\], but the model \(CLI: --model\) was "
                                             r"fitted on floats in \[0, 1\]"),
])
def test_evaluate_refuses_images_on_another_pixel_scale_than_the_model(image_models, no_training, model_scale, data,
                                                                      said):
    X, y = _small_images()
    with pytest.raises(ValueError, match=said):
        evaluate(data(X), y, model=image_models[model_scale], cv=2, verbose=False)


@pytest.mark.parametrize("model_scale, data", [
    ("uint8", lambda X: X), ("uint8", lambda X: X.astype(np.float32)), ("unit", lambda X: X / 255.0)])
def test_evaluate_takes_images_on_the_model_pixel_scale(image_models, no_training, model_scale, data):
    X, y = _small_images()
    with pytest.raises(AssertionError, match="cross-validation started"):  # the checks passed
        evaluate(data(X), y, model=image_models[model_scale], cv=2, verbose=False)


def _numbers(n=60, seed=0):
    import pandas as pd

    rng = np.random.default_rng(seed)
    y = np.array([0] * (3 * n // 4) + [1] * (n // 4))
    return pd.DataFrame(rng.normal(size=(n, 3)) + y[:, None], columns=list("abc")), y


_QUICK = dict(cv=2, baselines=("none",), classifiers=[LogisticRegression()], tstr=False, random_state=0,
              verbose=False)


def _tiny_sampler(**settings):
    gan = CGAN(epochs=2, max_steps=4, batch_size=32, noise_dim=8, generator_dims=(16,), discriminator_dims=(16,))
    return GANOversampler(gan=gan, random_state=0, **settings)


def test_quality_scores_the_rows_the_sampler_adds(monkeypatch):
    X, y = _numbers()
    added = []
    original = GANOversampler._fit_resample

    def spy(self, X_fit, y_fit):
        X_out, y_out = original(self, X_fit, y_fit)
        added.append((X_out.iloc[len(y_fit):].reset_index(drop=True), y_out[len(y_fit):], self.noise_scale_))
        return X_out, y_out

    monkeypatch.setattr(GANOversampler, "_fit_resample", spy)
    report = evaluate(X, y, sampler=_tiny_sampler(noise_scale=5.0, selection="discriminator", smote_share=0.25),
                      **_QUICK)
    X_new, y_new, noise_scale = added[-1]  # the quality part's sampler comes after the cross-validation's
    assert noise_scale == 5.0
    synthetic = report.artifacts["X_synthetic"]
    assert synthetic.reset_index(drop=True).equals(X_new)
    assert np.array_equal(report.artifacts["y_synthetic"], y_new)
    quality = report.results["quality"]
    assert np.unique(y_new, return_counts=True)[1].tolist() == [36, 12]  # as many per class as it trained on
    assert quality["synthetic"] == {"drawn_by": "sampler", "noise_scale": 5.0, "selection": "discriminator",
                                    "candidates": 1.5, "smote_share": 0.25, "interpolation": "proximity",
                                    "n_generated": 36, "n_interpolated": 12, "n_copies_left_out": 0,
                                    "classes_left_alone": []}
    assert "the rows the sampler adds" in quality["source"] and "noise_scale=5.0" in quality["source"]
    text = report.summary()
    assert "Synthetic rows scored" in text and "noise_scale=5.0" in text


def test_quality_names_the_selection_auto_resolved_to():
    X, y = _numbers()
    quality = evaluate(X, y, sampler=_tiny_sampler(selection="auto"), **_QUICK).results["quality"]
    assert quality["synthetic"]["selection"] == "neighbors"  # a table of numbers
    assert "selection='neighbors' keeping the best of 1.5 candidates" in quality["source"]


def test_quality_changes_with_the_sampler_settings():
    X, y = _numbers()
    plain = evaluate(X, y, sampler=_tiny_sampler(noise_scale=1.0, selection=None, smote_share=0), **_QUICK)
    wide = evaluate(X, y, sampler=_tiny_sampler(noise_scale=5.0, selection="discriminator", smote_share=0), **_QUICK)
    assert plain.results["quality"]["fidelity"] != wide.results["quality"]["fidelity"]
    assert plain.results["quality"]["c2st"] != wide.results["quality"]["c2st"]


def test_quality_of_a_model_scores_its_own_draws_and_says_so(loans):
    X, y = loans
    model = CGAN(epochs=1, max_steps=2, batch_size=32, noise_dim=8, generator_dims=(16,), discriminator_dims=(16,),
                 random_state=0).fit(X, y)
    report = evaluate(X, y, sampler=_tiny_sampler(noise_scale=5.0), model=model, **_QUICK)
    quality = report.results["quality"]
    assert quality["synthetic"]["drawn_by"] == "model" and quality["synthetic"]["noise_scale"] == 1.0
    assert quality["synthetic"]["n_generated"] == len(y) and quality["synthetic"]["n_interpolated"] == 0
    assert "its own draws" in quality["source"] and "the sampler's settings do not apply" in quality["source"]


@pytest.mark.parametrize("flag", ["tstr", "quality", "verbose"])
@pytest.mark.parametrize("value", ["no", "yes", 1, None, np.array([True])])
def test_evaluate_refuses_a_flag_that_is_not_a_bool(loans, no_training, flag, value):
    X, y = loans
    with pytest.raises(TypeError, match=rf"{flag} must be True or False"):
        evaluate(X, y, cv=2, **{"verbose": False, flag: value})


def test_a_random_state_evaluate_cannot_use_is_refused_naming_it(loans, no_training):
    # Audit (2026-12-06): scikit-learn's message did not name the argument.
    X, y = loans
    with pytest.raises(ValueError, match=r"random_state='x' must be None, an int in \[0, 2\*\*32 - 1\] or a numpy"):
        evaluate(X, y, cv=2, random_state="x", verbose=False)


def test_evaluate_takes_numpy_bools_as_flags(loans, no_training):
    X, y = loans
    with pytest.raises(AssertionError, match="cross-validation started"):  # the checks passed
        evaluate(X, y, cv=2, tstr=np.True_, quality=np.False_, verbose=False)


@pytest.mark.parametrize(("rarest", "tstr"), [(3, True), (2, False)])  # 2 rows, no tstr: the quality step alone
def test_a_class_the_gan_could_not_learn_is_copied_and_left_out_of_tstr_and_the_discriminator(tiny, rarest, tstr):
    # Audit 10: a class of 2-3 rows leaves a single one in some training folds and in the quality split; the sampler
    # copies it (its GAN does not learn it), and evaluate then asked that GAN for rows of it and crashed, after the
    # whole cross-validation, with "y holds label(s) never seen in fit".
    rng = np.random.default_rng(0)
    counts = {"alpha": 60, "beta": 30, "gamma": 20, "delta": 10, "eps": 6, "z": rarest}
    y = np.repeat(list(counts), list(counts.values()))
    X = rng.normal(size=(len(y), 3)) + np.searchsorted(sorted(counts), y)[:, None]
    with pytest.warns(UserWarning, match="'z' have a single row"):
        report = evaluate(X, y, sampler=GANOversampler(gan=CGAN(**tiny), random_state=0), baselines=("none",),
                          classifiers=[LogisticRegression(max_iter=500)], cv=2, tstr=tstr, random_state=0,
                          verbose=False)
    results = report.results
    assert results["utility"]["setup"]["methods"] == ["none", "augan"] + ["tstr"] * tstr
    scored = [entry for entry in results["utility"]["table"] if entry["method"] == "tstr"]
    assert bool(scored) == tstr and all(np.isfinite(entry["mean"]) and entry["n"] == 2 for entry in scored)
    assert 0 < results["quality"]["discriminator"]["n_real"] <= results["quality"]["n_holdout"]


def test_a_class_the_sampler_leaves_alone_is_left_out_of_the_comparisons_and_the_counts(tiny):
    # Class 2's 4 rows each lie among another class: the quality split's 3 training rows of it get no new rows
    # (isolated_classes), so its held-out row had nothing to be compared with, and its share of the interpolated
    # rows was counted although none was made.
    rng = np.random.default_rng(3)
    X = np.r_[rng.normal(0, 1, (60, 2)), rng.normal(6, 1, (40, 2)), [[0.1, -0.2], [6.2, 5.9], [0.3, 0.4], [5.8, 6.1]]]
    y = np.r_[np.zeros(60, int), np.ones(40, int), np.full(4, 2)]
    with pytest.warns(UserWarning, match=r"class\(es\) 2 have 4 rows or fewer"):
        report = evaluate(X, y, sampler=GANOversampler(gan=CGAN(**tiny), random_state=0), baselines=("none",),
                          classifiers=[LogisticRegression(max_iter=500)], cv=2, tstr=False, random_state=0,
                          verbose=False)
    quality = report.results["quality"]
    y_syn = np.asarray(report.artifacts["y_synthetic"])
    assert np.unique(y_syn, return_counts=True)[1].tolist() == [48, 32]
    made = quality["synthetic"]
    assert made["classes_left_alone"] == ["2"]
    assert made["n_interpolated"] == 36 + 24 and made["n_generated"] + made["n_interpolated"] == len(y_syn)
    assert set(quality["fidelity"]["per_class"]) == {"0", "1"}
    assert quality["c2st"]["n_real"] == quality["discriminator"]["n_real"] == quality["n_holdout"] - 1
    assert "class(es) 2 (isolated_classes)" in quality["source"]
    assert "classes given no rows (isolated_classes)" in report.summary()


def test_a_class_with_no_held_out_row_is_left_out_of_the_comparisons(tiny):
    # Ten classes of 4 rows compete for the 8 held-out places a class of 40 leaves: some keep all their rows in
    # training.
    # Their synthetic rows would be told from the held-out real ones by their label alone, so fidelity and the C2ST
    # leave them out.
    rng = np.random.default_rng(0)
    counts = {"a": 40, **{c: 4 for c in "bcdefghijk"}}
    y = np.repeat(list(counts), list(counts.values()))
    X = rng.normal(size=(len(y), 3)) + np.searchsorted(sorted(counts), y)[:, None]
    # "oversample": these overlapping classes of 4 rows are the isolated kind the default leaves without new rows.
    sampler = GANOversampler(gan=CGAN(**tiny), isolated_classes="oversample", random_state=0)
    report = evaluate(X, y, sampler=sampler, baselines=("none",), classifiers=[LogisticRegression(max_iter=500)], cv=2,
                      tstr=False, random_state=0, verbose=False)
    quality = report.results["quality"]
    held_out = set(quality["fidelity"]["per_class"])
    y_syn = np.asarray(report.artifacts["y_synthetic"])
    assert set(y_syn) - held_out  # some synthetic class has no held-out row
    compared = np.isin(y_syn, list(held_out)).sum()
    assert quality["c2st"]["n_synthetic"] == quality["fidelity"]["overall"]["n_synthetic"] == compared < len(y_syn)
