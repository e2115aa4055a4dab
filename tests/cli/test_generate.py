"""``augan generate``: synthetic rows only, in the input's columns and dtypes."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from augan import CGAN
from augan_cli.files import write_table


def test_balance_writes_only_the_rows_that_balance_the_classes(augan, loans, train_args, tmp_path):
    out = tmp_path / "synthetic.csv"
    result = augan("generate", loans, "--target", "default", "--balance", "--out", out, *train_args)
    assert result.exit_code == 0, result.output
    original = pd.read_csv(loans)
    synthetic = pd.read_csv(out)
    assert list(synthetic.columns) == list(original.columns)
    pd.testing.assert_series_equal(synthetic.dtypes, original.dtypes)
    assert synthetic["default"].value_counts().to_dict() == {"yes": 185 - 15}


def test_n_with_label_draws_that_class_only_and_overwrites_when_asked(augan, loans, train_args, tmp_path):
    out = tmp_path / "fraud.csv"
    write_table(pd.DataFrame({"an earlier run's": [1]}), out, overwrite=False)
    result = augan("generate", loans, "--target", "default", "--n", 30, "--label", "yes", "--out", out,
                   "--overwrite", *train_args)
    assert result.exit_code == 0, result.output
    synthetic = pd.read_csv(out)
    assert len(synthetic) == 30
    assert set(synthetic["default"]) == {"yes"}


def test_n_without_label_follows_the_training_proportions(augan, loans, train_args, tmp_path):
    out = tmp_path / "s.csv"
    result = augan("generate", loans, "--target", "default", "--n", 40, "--out", out, *train_args)
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out)["default"].value_counts().to_dict() == {"no": 37, "yes": 3}


def test_label_is_read_in_the_type_of_integer_classes(augan, numbers_csv, train_args, tmp_path):
    out = tmp_path / "ones.csv"
    result = augan("generate", numbers_csv, "--target", "label", "--n", 12, "--label", "1", "--out", out,
                   *train_args)
    assert result.exit_code == 0, result.output
    synthetic = pd.read_csv(out)
    assert list(synthetic.columns) == ["x", "label", "k"]
    assert synthetic["label"].dtype == "int64"
    assert synthetic["label"].tolist() == [1] * 12


def test_parquet_in_parquet_out_keeps_dtypes(augan, loans, train_args, tmp_path):
    source = tmp_path / "loans.parquet"
    original = pd.read_csv(loans)
    original.to_parquet(source, index=False)
    out = tmp_path / "synthetic.pq"
    result = augan("generate", source, "--target", "default", "--n", 20, "--out", out, *train_args)
    assert result.exit_code == 0, result.output
    synthetic = pd.read_parquet(out)
    assert len(synthetic) == 20
    pd.testing.assert_series_equal(synthetic.dtypes, original.dtypes)


def test_model_out_saves_the_model_with_its_target_name(augan, loans, train_args, tmp_path):
    model = tmp_path / "loans.augan"
    result = augan("generate", loans, "--target", "default", "--n", 5, "--out", tmp_path / "s.csv",
                   "--model-out", model, *train_args)
    assert result.exit_code == 0, result.output
    assert CGAN.load(model).metadata_["target"] == "default"


def test_summary_names_the_rows_and_the_file_unless_quiet(augan, loans, tmp_path):
    out = tmp_path / "s.csv"
    result = augan("generate", loans, "--target", "default", "--n", 4, "--label", "yes", "--out", out,
                   "--epochs", "1", "--batch-size", "32")
    assert result.exit_code == 0, result.output
    assert f"wrote 4 rows (yes: 4) to {out}" in result.stdout


def test_generate_says_how_long_training_will_take(augan, numbers_csv, tmp_path, train_args, monkeypatch):
    from augan import training_time

    monkeypatch.setattr(training_time, "ANNOUNCE_AFTER_SECONDS", 0.0)
    args = [a for a in train_args if a != "--quiet"] + ["--epochs", "3"]  # the first epoch is a warm-up, not timed
    result = augan("generate", numbers_csv, "--target", "label", "--n", 5, "--out", tmp_path / "a.csv", *args)
    assert result.exit_code == 0, result.output
    assert "augan: training is expected to take about" in result.stderr
    assert "3 epochs of" in result.stderr


def test_a_long_training_is_a_warning_that_quiet_keeps(augan, numbers_csv, tmp_path, train_args, monkeypatch):
    from augan import training_time

    monkeypatch.setattr(training_time, "ANNOUNCE_AFTER_SECONDS", 0.0)
    monkeypatch.setattr(training_time, "WARN_ABOVE_SECONDS", 0.0)
    result = augan("generate", numbers_csv, "--target", "label", "--n", 5, "--out", tmp_path / "a.csv", *train_args,
                   "--epochs", "3")
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.stderr.splitlines() if "expected" in line]
    assert line.startswith("augan: warning: training is expected to take about")
    assert line.endswith("lower --max-steps or --epochs for a shorter fit.")


def _decimals_written(text: pd.Series) -> int:
    return int(text.dropna().str.partition(".")[2].str.len().max())


def test_csv_round_trip_keeps_dtypes_and_the_precision_of_the_input(augan, train_args, tmp_path):
    rng = np.random.default_rng(0)
    months = rng.integers(0, 120, 150).astype(float)
    months[rng.random(150) < 0.2] = np.nan
    source = tmp_path / "table.csv"
    pd.DataFrame({"count": rng.integers(0, 9, 150), "cents": np.round(rng.lognormal(8, 1, 150), 2),
                  "tenths": rng.integers(0, 30, 150) / 10, "months": months, "flag": rng.random(150) < 0.5,
                  "city": rng.choice(["paris", "lyon"], 150), "label": np.repeat(["a", "b"], [120, 30])},
                 ).to_csv(source, index=False)
    out = tmp_path / "synthetic.csv"
    result = augan("generate", source, "--target", "label", "--n", 200, "--out", out, *train_args)
    assert result.exit_code == 0, result.output
    pd.testing.assert_series_equal(pd.read_csv(out).dtypes, pd.read_csv(source).dtypes)
    written, read = pd.read_csv(out, dtype=str), pd.read_csv(source, dtype=str)
    for name in ("cents", "tenths", "months"):
        assert _decimals_written(written[name]) <= _decimals_written(read[name]), name
    assert (written["months"].dropna().str.endswith(".0")).all() and written["months"].isna().any()


def test_parquet_output_keeps_the_arrow_types_of_the_input(augan, train_args, tmp_path):
    rng = np.random.default_rng(0)
    n = 150
    holes = rng.random(n) < 0.2
    types = {"price": pa.decimal128(12, 2), "count": pa.int32(), "big": pa.int64(), "uint": pa.uint16(),
             "ratio": pa.float32(), "flag": pa.bool_()}
    columns = {
        "price": [None if hole else Decimal(f"{v:.2f}") for v, hole in zip(rng.lognormal(6, 1, n), holes)],
        "count": [None if hole else int(v) for v, hole in zip(rng.integers(0, 50, n), holes)],
        "big": [None if hole else int(v) for v, hole in zip(rng.integers(0, 10**6, n), holes[::-1])],
        "uint": [int(v) for v in rng.integers(0, 60000, n)],
        "ratio": [float(v) for v in np.round(rng.random(n), 3)],
        "flag": [bool(v) for v in rng.random(n) < 0.5],
    }
    table = pa.table({**{name: pa.array(values, types[name]) for name, values in columns.items()},
                      "label": pa.array(np.repeat(["a", "b"], [120, 30]).tolist())})
    source, out = tmp_path / "table.parquet", tmp_path / "synthetic.parquet"
    pq.write_table(table, source)  # by Arrow, without pandas' metadata: nothing but the Arrow types to go by
    result = augan("generate", source, "--target", "label", "--n", 60, "--out", out, *train_args)
    assert result.exit_code == 0, result.output
    written = pq.read_table(out)
    assert {name: written.schema.field(name).type for name in types} == types
    assert written.column("price").null_count > 0 and written.column("count").null_count > 0
