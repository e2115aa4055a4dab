"""``augan evaluate``: the report file is written in the format its suffix names, and errors exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from augan import CGAN

TINY = ["--epochs", "1", "--batch-size", "16", "--seed", "0", "--cv", "2"]


@pytest.mark.slow  # cross-validates GANs
def test_evaluate_writes_a_json_report_and_prints_the_summary(augan, numbers_csv, tmp_path):
    report = tmp_path / "report.json"
    result = augan("evaluate", numbers_csv, "--target", "label", "--report", report, *TINY)
    assert result.exit_code == 0, result.output
    content = json.loads(report.read_text())
    assert content["settings"]["cv"] == 2 and content["settings"]["quality"] is True
    assert {"fidelity", "c2st", "discriminator", "privacy"} <= set(content["quality"])
    assert content["quality"]["n_train"] + content["quality"]["n_holdout"] == 100
    assert "Quality of the synthetic data" in result.stdout
    assert f"report written to {report}" in result.stdout


@pytest.mark.slow  # cross-validates GANs
def test_evaluate_without_quality_skips_that_part(augan, numbers_csv, tmp_path):
    report = tmp_path / "report.json"
    result = augan("evaluate", numbers_csv, "--target", "label", "--report", report, "--no-quality", "--quiet",
                   *TINY)
    assert result.exit_code == 0, result.output
    content = json.loads(report.read_text())
    assert content["settings"]["quality"] is False and content["quality"] is None
    assert result.stdout == ""


def test_evaluate_judges_a_given_model(augan, numbers_csv, tmp_path, monkeypatch):
    model = tmp_path / "m.augan"
    assert augan("fit", numbers_csv, "--target", "label", "--model-out", model, "--epochs", 1, "--batch-size", 16,
                 "--quiet").exit_code == 0
    seen = {}

    def record(X, y, **kwargs):
        seen.update(kwargs)
        raise ValueError("stop here")

    monkeypatch.setattr("augan.evaluate", record)
    result = augan("evaluate", numbers_csv, "--target", "label", "--report", tmp_path / "r.md", "--model", model,
                   "--repeats", 3, "--category-choice", "vote", "--isolated-classes", "oversample", *TINY)
    assert result.exit_code == 2
    assert isinstance(seen["model"], CGAN) and seen["n_repeats"] == 3 and seen["cv"] == 2
    assert seen["sampler"].random_state == 0 and seen["sampler"].gan.get_params()["epochs"] == 1
    assert seen["sampler"].category_choice == "vote" and seen["sampler"].isolated_classes == "oversample"


def test_evaluate_errors_exit_2_before_any_work(augan, user_error, numbers_csv, tmp_path):
    user_error(augan("evaluate", numbers_csv, "--target", "label", "--report", tmp_path / "r.txt", *TINY),
               "r.txt", ".html, .json or .md")
    existing = tmp_path / "old.json"
    existing.write_text("{}")
    user_error(augan("evaluate", numbers_csv, "--target", "label", "--report", existing, *TINY), "--overwrite")
    user_error(augan("evaluate", numbers_csv, "--report", tmp_path / "r.json", *TINY), "--target")
    user_error(augan("evaluate", numbers_csv, "--target", "label", "--report", tmp_path / "r.json", "--cv", 0),
               "--cv", "positive")
    user_error(augan("evaluate", numbers_csv, "--target", "label", "--report", tmp_path / "r.json",
                     "--checkpoint-dir", tmp_path, *TINY), "--checkpoint-dir")
    for option, value, message in [
            ("--smote-share", "2", "--smote-share must be between 0 and 1 or auto, got 2."),
            ("--noise-scale", "-1", "--noise-scale must be a finite number of at least 0, got -1.")]:
        result = augan("evaluate", numbers_csv, "--target", "label", "--report", tmp_path / "r.json", option, value,
                       *TINY)
        user_error(result, message)
        assert result.stderr.rstrip().endswith(message)  # the value as given: "2", not "2.0"
    user_error(augan("evaluate", numbers_csv, "--target", "label", "--report", tmp_path / "r.json",
                     "--category-choice", "mode", *TINY), "--category-choice must be segment or vote, got mode.")
    user_error(augan("evaluate", numbers_csv, "--target", "label", "--report", tmp_path / "r.json",
                     "--isolated-classes", "no", *TINY), "--isolated-classes must be leave or oversample, got no.")
    user_error(augan("evaluate", numbers_csv, "--target", "label", "--report", tmp_path / "r.json", "--model",
                     tmp_path / "m.augan", "--no-quality", *TINY), "--model", "--no-quality")
    assert existing.read_text() == "{}"
    assert not (tmp_path / "r.json").exists()


def _evaluate_in_a_subprocess(*args: object) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "augan_cli", "evaluate", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=300)


@pytest.mark.slow
def test_evaluate_model_reads_the_tables_columns_by_name(augan, numbers_csv, tmp_path):
    model = tmp_path / "m.augan"
    assert augan("fit", numbers_csv, "--target", "label", "--model-out", model, "--epochs", 1, "--batch-size", 16,
                 "--quiet").exit_code == 0
    frame = pd.read_csv(numbers_csv)
    reordered, renamed = tmp_path / "reordered.csv", tmp_path / "renamed.csv"
    frame[["k", "label", "x"]].to_csv(reordered, index=False)
    frame.rename(columns={"k": "kind"}).to_csv(renamed, index=False)
    options = ["--target", "label", "--model", model, "--quiet", *TINY]
    assert augan("evaluate", numbers_csv, "--report", tmp_path / "same.json", *options).exit_code == 0
    done = _evaluate_in_a_subprocess(reordered, "--report", tmp_path / "reordered.json", *options)
    assert done.returncode == 0, done.stderr
    same, other = (json.loads((tmp_path / f"{name}.json").read_text()) for name in ("same", "reordered"))
    assert other["quality"] == same["quality"]
    done = _evaluate_in_a_subprocess(renamed, "--report", tmp_path / "renamed.json", *options)
    assert done.returncode == 2
    assert done.stderr.strip() == ("augan: error: the columns of X are not those of the model (CLI: --model): "
                                   "missing 'k'; unexpected 'kind' (expected 'x', 'k').")
    assert not (tmp_path / "renamed.json").exists()


@pytest.mark.slow  # cross-validates GANs
def test_evaluate_model_fitted_in_python_on_number_labels_takes_the_tables_text_labels(augan, numbers_csv, tmp_path):
    from augan import CGAN

    frame = pd.read_csv(numbers_csv)
    model = tmp_path / "m.augan"
    CGAN(epochs=1, batch_size=16, random_state=0).fit(frame.drop(columns="label"), frame["label"]).save(model)
    report = tmp_path / "r.json"
    result = augan("evaluate", numbers_csv, "--target", "label", "--model", model, "--report", report, "--quiet",
                   *TINY)
    assert result.exit_code == 0, result.output
    assert set(json.loads(report.read_text())["quality"]["fidelity"]["per_class"]) == {"0", "1"}
    other = tmp_path / "other.csv"
    frame.assign(label=frame["label"].map({0: "a", 1: "b"})).to_csv(other, index=False)
    result = augan("evaluate", other, "--target", "label", "--model", model, "--report", tmp_path / "o.json", *TINY)
    assert result.exit_code == 2 and "classes 0, 1" in result.stderr and "a, b" in result.stderr


def test_evaluate_compares_with_the_baselines_asked_for(augan, user_error, numbers_csv, tmp_path, monkeypatch):
    seen = {}

    def record(X, y, **kwargs):
        seen.update(kwargs)
        raise ValueError("stop here")

    monkeypatch.setattr("augan.evaluate", record)
    augan("evaluate", numbers_csv, "--target", "label", "--report", tmp_path / "r.md", *TINY)
    assert tuple(seen["baselines"]) == ("none", "smote", "random")
    augan("evaluate", numbers_csv, "--target", "label", "--report", tmp_path / "r.md", "--baselines",
          " random, none", *TINY)
    assert tuple(seen["baselines"]) == ("random", "none")
    seen.clear()
    user_error(augan("evaluate", numbers_csv, "--target", "label", "--report", tmp_path / "r.md", "--baselines",
                     "none,adasyn", *TINY), "--baselines", "'adasyn'", "none, smote, random")
    assert not seen, "refused before reading the data"


def test_a_class_too_small_for_smote_is_answered_in_options(augan, user_error, tmp_path):
    frame = pd.DataFrame({"x": range(40), "label": ["rare"] * 3 + ["common"] * 37})
    data = tmp_path / "d.csv"
    frame.to_csv(data, index=False)
    result = augan("evaluate", data, "--target", "label", "--report", tmp_path / "r.md", "--no-quality", *TINY)
    user_error(result, "--cv 3", "drop 'smote' from baselines (CLI: --baselines)")
