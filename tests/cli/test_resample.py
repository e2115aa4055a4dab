"""``augan resample``: the original rows, unchanged, followed by synthetic rows."""

from __future__ import annotations

import pandas as pd
import pytest

from augan import CGAN, GANOversampler


def test_resample_keeps_the_original_rows_and_balances_the_classes(augan, loans, train_args, tmp_path):
    out = tmp_path / "balanced.csv"
    result = augan("resample", loans, "--target", "default", "--out", out, *train_args)
    assert result.exit_code == 0, result.output
    original = pd.read_csv(loans)
    balanced = pd.read_csv(out)
    assert list(balanced.columns) == list(original.columns)
    pd.testing.assert_frame_equal(balanced.iloc[:200], original)
    assert balanced["default"].value_counts().to_dict() == {"no": 185, "yes": 185}
    assert set(balanced["default"].iloc[200:]) == {"yes"}


def test_resample_float_strategy_is_the_minority_to_majority_ratio(augan, loans, train_args, tmp_path):
    out = tmp_path / "half.parquet"
    model = tmp_path / "m.augan"
    result = augan("resample", loans, "--target", "default", "--strategy", "0.5", "--out", out,
                   "--model-out", model, *train_args)
    assert result.exit_code == 0, result.output
    assert pd.read_parquet(out)["default"].value_counts().to_dict() == {"no": 185, "yes": 92}
    assert CGAN.load(model).metadata_["target"] == "default"


def test_resample_strategy_names_take_the_hyphenated_spelling(augan, numbers_csv, train_args, tmp_path):
    out = tmp_path / "r.csv"
    result = augan("resample", numbers_csv, "--target", "label", "--strategy", "not-majority", "--out", out,
                   *train_args)
    assert result.exit_code == 0, result.output
    balanced = pd.read_csv(out)
    assert balanced["label"].value_counts().to_dict() == {0: 80, 1: 80}
    assert balanced.dtypes.to_dict() == pd.read_csv(numbers_csv).dtypes.to_dict()


@pytest.mark.parametrize(("option", "value", "attribute", "expected"), [
    ("--selection", "none", "selection", None), ("--selection", "discriminator", "selection", "discriminator"),
    ("--selection", "neighbors", "selection", "neighbors"), ("--selection", "boundary", "selection", "boundary"),
    ("--smote-share", "0", "smote_share", 0.0),
    ("--smote-share", "0.25", "smote_share", 0.25), ("--smote-share", "1", "smote_share", 1.0),
    ("--smote-share", "auto", "smote_share", "auto"), ("--smote-share", " Auto", "smote_share", "auto"),
    ("--noise-scale", "0", "noise_scale", 0.0), ("--noise-scale", "1", "noise_scale", 1.0),
    ("--max-synthetic-ratio", "2", "max_synthetic_ratio", 2.0),
    ("--interpolation", "encoded", "interpolation", "encoded"), ("--interpolation", "auto", "interpolation", "auto"),
    ("--interpolation", "standard", "interpolation", "standard"),
    ("--interpolation", "proximity", "interpolation", "proximity"),
    ("--category-choice", "vote", "category_choice", "vote"),
    ("--category-choice", "segment", "category_choice", "segment"),
    ("--isolated-classes", "oversample", "isolated_classes", "oversample"),
    ("--isolated-classes", "leave", "isolated_classes", "leave")])
def test_resample_sampler_options_reach_the_sampler(augan, loans, train_args, tmp_path, monkeypatch, option, value,
                                                    attribute, expected):
    seen = []
    fit_resample = GANOversampler.fit_resample
    monkeypatch.setattr(GANOversampler, "fit_resample",
                        lambda self, X, y: (seen.append(getattr(self, attribute)), fit_resample(self, X, y))[1])
    out = tmp_path / "r.csv"
    result = augan("resample", loans, "--target", "default", option, value, "--out", out, *train_args)
    assert result.exit_code == 0, result.output
    assert seen == [expected]
    assert pd.read_csv(out)["default"].value_counts().to_dict() == {"no": 185, "yes": 185}


def test_unknown_selection_is_one_line(augan, loans, train_args, tmp_path, user_error):
    out = tmp_path / "r.csv"
    user_error(augan("resample", loans, "--target", "default", "--selection", "best", "--out", out, *train_args),
               "--selection 'best' is not valid", "discriminator, neighbors, boundary, classifier, auto, none")
    assert not out.exists()


@pytest.mark.parametrize(("value", "message"), [
    ("pixels", "--interpolation 'pixels' is not valid; use one of auto, encoded, standard, proximity, deform"),
    ("latent", "--interpolation 'latent' is not valid"),
    ("deform", "--interpolation deform deforms images, and DATA is a table; use encoded, standard, proximity or "
               "auto")])
def test_an_interpolation_the_data_cannot_take_is_one_line_before_training(augan, loans, train_args, tmp_path,
                                                                          user_error, monkeypatch, value, message):
    monkeypatch.setattr(GANOversampler, "fit_resample", lambda *a: pytest.fail("trained"))
    out = tmp_path / "r.csv"
    user_error(augan("resample", loans, "--target", "default", "--interpolation", value, "--out", out, *train_args),
               message)
    assert not out.exists()


def test_an_unknown_category_choice_is_one_line_before_training(augan, loans, train_args, tmp_path, user_error,
                                                               monkeypatch):
    monkeypatch.setattr(GANOversampler, "fit_resample", lambda *a: pytest.fail("trained"))
    out = tmp_path / "r.csv"
    user_error(augan("resample", loans, "--target", "default", "--category-choice", "mode", "--out", out, *train_args),
               "--category-choice must be segment or vote, got mode.")
    assert not out.exists()


def test_an_unknown_isolated_classes_is_one_line_before_training(augan, loans, train_args, tmp_path, user_error,
                                                               monkeypatch):
    monkeypatch.setattr(GANOversampler, "fit_resample", lambda *a: pytest.fail("trained"))
    out = tmp_path / "r.csv"
    user_error(augan("resample", loans, "--target", "default", "--isolated-classes", "drop", "--out", out,
                     *train_args), "--isolated-classes must be leave or oversample, got drop.")
    assert not out.exists()


def test_an_isolated_class_gets_no_rows_with_a_warning_in_the_options_words(augan, train_args, tmp_path,
                                                                          isolated_csv):
    data, out = isolated_csv(), tmp_path / "r.csv"
    result = augan("resample", data, "--target", "label", "--out", out, *train_args)
    assert result.exit_code == 0, result.output
    assert ("augan: warning: GANOversampler: class(es) 'c' have 4 rows or fewer, none of them with a row of its class "
            "among its 5 nearest; they get no new rows (--isolated-classes 'leave').") in result.stderr
    assert pd.read_csv(out)["label"].value_counts().to_dict() == {"a": 60, "b": 60, "c": 3}
    result = augan("resample", data, "--target", "label", "--out", out, "--overwrite", "--isolated-classes",
                   "oversample", *train_args)
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out)["label"].value_counts().to_dict() == {"a": 60, "b": 60, "c": 60}


def test_a_strategy_that_adds_rows_only_to_isolated_classes_writes_nothing_and_says_so(augan, train_args, tmp_path,
                                                                                      monkeypatch, isolated_csv):
    # Before, the table was written with no new row and --model-out failed on the GAN that was not trained.
    monkeypatch.setattr(CGAN, "fit", lambda *a, **k: pytest.fail("trained"))
    data, out, model = isolated_csv(minority=60), tmp_path / "r.csv", tmp_path / "m.augan"
    result = augan("resample", data, "--target", "label", "--out", out, "--model-out", model, *train_args)
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    warning, error = result.stderr.splitlines()  # the sampler's warning says why, the error what follows
    assert warning.startswith("augan: warning: GANOversampler: class(es) 'c' have 4 rows or fewer")
    assert error == ("augan: error: --strategy auto adds rows only to class(es) c, whose rows each lie among other "
                     "classes (--isolated-classes leave); nothing was written. Pass --isolated-classes oversample to "
                     "make them.")
    assert not out.exists() and not model.exists()


def test_proximity_interpolation_with_a_category_vote_is_one_line_before_training(augan, loans, train_args, tmp_path,
                                                                                  user_error, monkeypatch):
    monkeypatch.setattr(GANOversampler, "fit_resample", lambda *a: pytest.fail("trained"))
    out = tmp_path / "r.csv"
    user_error(augan("resample", loans, "--target", "default", "--interpolation", "proximity", "--category-choice",
                     "vote", "--out", out, *train_args),
               "--category-choice vote takes the categories of SMOTE's neighbours, and --interpolation proximity "
               "pairs rows without them; use --interpolation standard with it, or --category-choice segment.")
    assert not out.exists()


def test_noise_scale_defaults_to_the_samplers(augan, loans, train_args, tmp_path, monkeypatch):
    seen = []
    fit_resample = GANOversampler.fit_resample
    monkeypatch.setattr(GANOversampler, "fit_resample",
                        lambda self, X, y: (seen.append(self.noise_scale), fit_resample(self, X, y))[1])
    result = augan("resample", loans, "--target", "default", "--out", tmp_path / "r.csv", *train_args)
    assert result.exit_code == 0, result.output
    assert seen == [GANOversampler().noise_scale]


def test_noise_scale_auto_and_numbers_reach_the_sampler(augan, loans, train_args, tmp_path, monkeypatch):
    seen = []
    fit_resample = GANOversampler.fit_resample
    monkeypatch.setattr(GANOversampler, "fit_resample",
                        lambda self, X, y: (seen.append(self.noise_scale), fit_resample(self, X, y))[1])
    for value in ("auto", "AUTO", "2.5"):
        out = tmp_path / f"r-{value}.csv"
        result = augan("resample", loans, "--target", "default", "--noise-scale", value, "--out", out, *train_args)
        assert result.exit_code == 0, result.output
    assert seen == ["auto", "auto", 2.5]


def test_a_noise_scale_word_other_than_auto_is_one_line(augan, loans, train_args, tmp_path, user_error):
    out = tmp_path / "r.csv"
    user_error(augan("resample", loans, "--target", "default", "--noise-scale", "wide", "--out", out, *train_args),
               "--noise-scale takes a number of at least 0 or auto", "'wide'")
    assert not out.exists()


@pytest.mark.parametrize("scale", ["-0.5", "inf", "nan"])
def test_bad_noise_scale_is_one_line(augan, loans, train_args, tmp_path, user_error, scale):
    out = tmp_path / "r.csv"
    user_error(augan("resample", loans, "--target", "default", "--noise-scale", scale, "--out", out, *train_args),
               "--noise-scale must be a finite number of at least 0")
    assert not out.exists()


@pytest.mark.parametrize("share", ["-0.1", "1.5", "nan"])
def test_smote_share_outside_zero_one_is_one_line(augan, loans, train_args, tmp_path, user_error, share):
    out = tmp_path / "r.csv"
    user_error(augan("resample", loans, "--target", "default", "--smote-share", share, "--out", out, *train_args),
               "--smote-share must be between 0 and 1 or auto", share)
    assert not out.exists()


def test_smote_share_that_is_neither_a_number_nor_auto_is_one_line(augan, loans, train_args, tmp_path, user_error):
    out = tmp_path / "r.csv"
    user_error(augan("resample", loans, "--target", "default", "--smote-share", "half", "--out", out, *train_args),
               "--smote-share must be a number between 0 and 1 or auto, got half")
    assert not out.exists()


@pytest.mark.parametrize("images", [False, True], ids=["table", "images"])
def test_a_single_class_is_refused_in_augans_words_before_training(augan, numbers_csv, train_args, tmp_path,
                                                                   user_error, monkeypatch, images):
    # Audit 5: imbalanced-learn's "The target 'y' needs to have more than 1 class", naming no option or DATA.
    import numpy as np

    from augan.data.images import write_image_folder

    monkeypatch.setattr(CGAN, "fit", lambda *args, **kwargs: pytest.fail("trained with a single class"))
    if images:
        data, target = write_image_folder(tmp_path / "one", np.zeros((4, 8, 8), np.uint8), ["a"] * 4), []
    else:
        frame = pd.read_csv(numbers_csv)
        data, target = tmp_path / "one.csv", ["--target", "label"]
        frame.assign(label="a").to_csv(data, index=False)
    out = tmp_path / ("out" if images else "out.csv")
    named = str(data) if images else "the target column 'label'"
    user_error(augan("resample", data, *target, "--out", out, *train_args),
               named, "single class ('a')", "at least two classes")
