"""``augan resample``: the original rows, unchanged, followed by synthetic rows."""

from __future__ import annotations

import pandas as pd

from augan import CGAN


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
