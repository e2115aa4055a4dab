import base64
import io
import json
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.linear_model import LogisticRegression

from augan import CGAN, GANOversampler, Report, evaluate
from augan.datasets import make_loans
from augan.metrics.results import DownstreamGain, Quality
from augan.storage import LEDGER_NAME

_PNG = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')

TOP_KEYS = {"augan_version", "data", "settings", "utility", "quality", "training", "notes"}
METHODS = ["none", "smote", "random", "augan", "tstr"]


@pytest.fixture(scope="module")
def report():
    frame = make_loans(240, default_rate=0.15, random_state=0)
    gan = CGAN(epochs=3, batch_size=32, noise_dim=8, generator_dims=(16, 16), discriminator_dims=(16, 16))
    return evaluate(frame.drop(columns="default"), frame["default"].to_numpy(),
                    sampler=GANOversampler(gan=gan, random_state=0), classifiers=[LogisticRegression(max_iter=500)],
                    cv=2, random_state=0, verbose=False)


def test_summary_shows_every_method_with_intervals_and_gain_vs_none(report):
    text = report.summary()
    scores = text.split("Scores (mean over classifiers")[1].split("\n\n")[0]
    for method in METHODS:
        assert re.search(rf"^{method}\s+\d\.\d{{3}} ± \d\.\d{{3}}", scores, flags=re.M)
    gains = text.split("Gain vs none (mean over classifiers")[1].split("\n\n")[0]
    assert re.search(r"^augan\s+[+-]\d\.\d{3} ± \d\.\d{3}", gains, flags=re.M)
    assert "C2ST, logistic_regression" in text and "Privacy" in text and "augan-table-mlp" in text


def test_json_is_written_and_reads_back_with_stable_keys(report, tmp_path):
    path = tmp_path / "report.json"
    report.to_json(path)
    results = json.loads(path.read_text())
    assert set(results) == TOP_KEYS
    assert set(results["quality"]) == {"source", "n_train", "n_holdout", "fidelity", "c2st", "discriminator",
                                       "privacy", "synthetic"}
    entry = results["utility"]["table"][0]
    assert set(entry) == {"method", "classifier", "metric", "mean", "ci_low", "ci_high", "n", "vs_none",
                          "vs_smote"}
    assert report.to_json() == path.read_text()


def test_markdown_holds_a_table_per_result(report, tmp_path):
    path = tmp_path / "report.md"
    report.to_markdown(path)
    text = path.read_text()
    assert "| method | balanced acc. | G-mean | F1 | ROC-AUC | PR-AUC |" in text
    assert "|:---|---:|---:|---:|---:|---:|" in text
    for method in METHODS:
        assert re.search(rf"^\| {method} \| \d\.\d{{3}} ± ", text, flags=re.M)
    assert "| all classes |" in text  # fidelity table


def test_html_is_one_file_with_embedded_png_figures(report, tmp_path):
    path = tmp_path / "report.html"
    report.to_html(path)
    text = path.read_text()
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert len(images) >= 4  # gain, training curves, marginals, PCA
    assert all(base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n" for data in images)
    assert not re.search(r'(src|href)="(https?:|//|file:)', text)
    for caption in ("GAN training", "Per-column distributions", "PCA projection"):
        assert caption in text


def test_writes_refuse_to_clobber_without_overwrite_and_leave_no_temporary_files(report, tmp_path):
    path = tmp_path / "report.md"
    path.write_text("keep me")
    with pytest.raises(FileExistsError, match="overwrite"):
        report.to_markdown(path)
    with pytest.raises(FileExistsError, match="not written by augan"):
        report.to_markdown(path, overwrite=True)
    assert path.read_text() == "keep me"
    path.unlink()
    report.to_markdown(path)
    report.to_markdown(path, overwrite=True)
    assert path.read_text().startswith("# augan evaluation")
    assert sorted(p.name for p in tmp_path.iterdir()) == [LEDGER_NAME, "report.md"]


@pytest.mark.slow  # draws every figure again
def test_save_picks_the_format_from_the_suffix(report, tmp_path):
    assert report.save(tmp_path / "r.json").read_text().startswith("{")
    assert report.save(tmp_path / "r.md").read_text().startswith("# augan")
    assert report.save(tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError, match=r"\.html, \.json or \.md"):
        report.save(tmp_path / "r.txt")


def test_report_read_back_from_json_gives_the_same_summary(report, tmp_path):
    path = tmp_path / "report.json"
    report.to_json(path)
    again = Report.from_json(path)
    assert again.summary() == report.summary()
    assert '<img src="data:image/png;base64,' in again.to_html()  # the gain chart needs only the results


def test_tables_read_typed_results_equal_to_what_the_json_holds(report):
    assert isinstance(report.utility, DownstreamGain) and isinstance(report.quality, Quality)
    assert report.utility.to_dict() == report.results["utility"]
    assert report.quality.to_dict() == report.results["quality"]
    assert report.utility.entry("augan", "all", "f1").score.n == 2


def test_results_with_a_renamed_field_are_refused_when_the_report_is_built(report):
    results = report.to_dict()
    results["quality"]["c2st"]["area"] = results["quality"]["c2st"].pop("auc")
    with pytest.raises(ValueError, match=r"C2ST .*missing \['auc'\], unknown \['area'\]"):
        Report(results)


def test_from_json_refuses_a_file_augan_did_not_write(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"a": 1}')
    with pytest.raises(ValueError, match="not a JSON report"):
        Report.from_json(path)


def test_json_turns_nan_and_numpy_values_into_plain_values():
    report = Report({"augan_version": "0", "value": float("nan"), "count": np.int64(3),
                     "labels": {np.int64(1): np.float32(0.5)}})
    assert json.loads(report.to_json()) == {"augan_version": "0", "value": None, "count": 3, "labels": {"1": 0.5}}


def _captions(html: str) -> list[str]:
    return re.findall(r"<figcaption>([^<]*)", html)


def test_html_of_images_shows_real_and_synthetic_grids_a_row_per_class_and_the_pca():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (12, 8, 8), dtype=np.uint8)
    y = np.arange(12) % 2
    html = Report({}, artifacts={"X_real": X, "y_real": y, "X_synthetic": X[::-1], "y_synthetic": y[::-1]}).to_html()
    assert [c.split(",")[0].split(" (")[0] for c in _captions(html)] == [
        "Real images", "Synthetic images", "PCA projection"]
    real, synthetic = (Image.open(io.BytesIO(base64.b64decode(data))) for data in _PNG.findall(html)[:2])
    assert real.size == synthetic.size and 4 < real.size[0] / real.size[1] < 5  # two rows of eight images


def _chromium() -> str | None:
    return next((found for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
                 if (found := shutil.which(name))), None)


@pytest.mark.slow  # a browser in a subprocess
def test_html_renders_to_a_non_blank_page_in_headless_chromium(report, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no chromium binary on PATH (Debian: apt-get install chromium)")
    page, shot = tmp_path / "report.html", tmp_path / "shot.png"
    report.to_html(page)
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1100,2400",
                    page.as_uri()], check=True, capture_output=True, timeout=120)
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert pixels.shape[:2] == (2400, 1100)
    not_white = (pixels < 245).any(axis=2).mean()
    colourful = (pixels.max(axis=2).astype(int) - pixels.min(axis=2) > 60).mean()
    assert not_white > 0.05  # text, tables and figures drawn
    assert colourful > 0.005  # the coloured bars and histograms of the figures


def test_html_draws_labels_and_column_names_with_dollars_and_backslashes_literally():
    rng = np.random.default_rng(0)
    labels = np.array(["$x$", "a$b", "$_$", "back\\slash", "ünï ✓"])
    columns = ["a $_$ b", "$\\frac$", "price $", "größe ✓"]
    X = pd.DataFrame(rng.normal(size=(40, 4)), columns=columns)
    X["$\\frac$"] = rng.choice(["$_$", "$y$", "c\\d"], 40)
    y = labels[np.arange(40) % 5]
    html = Report({}, artifacts={"X_real": X, "y_real": y, "X_synthetic": X[::-1], "y_synthetic": y}).to_html()
    assert len(_PNG.findall(html)) == 2  # marginals and PCA, drawn although "$_$" is no valid mathtext


def test_report_figures_show_user_text_literally():
    from augan import _report_figures

    X = pd.DataFrame({"a $_$ b": np.arange(20.0), "$x$": ["$_$", "u$v"] * 10})
    y = np.array(["$y$", "\\n"] * 10)
    figures = [_report_figures.marginals_figure(X, X), _report_figures.pca_figure(X, y, X, y)]
    texts = [t for figure in figures for ax in figure.axes for t in [ax.title, *ax.get_xticklabels()]
             if any(c in t.get_text() for c in "$\\")]
    assert {t.get_text() for t in texts} >= {"a $_$ b", "$x$", "$_$", "u$v", "class $y$", "class \\n"}
    assert not any(t.get_parse_math() or t.get_usetex() for t in texts)


def test_markdown_cells_keep_each_row_on_one_line_and_show_html_as_text():
    classes = {"maj|or\nline ünï": 30, "<script>alert(3)</script>": 70, "a & b\r\nc": 5, "plain": 1}
    text = Report({"augan_version": "0", "data": {"classes": classes}}).to_markdown()
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(classes)  # header, rule, one line per class
    assert all(line.endswith(" |") and line.count(" | ") == 1 for line in table[2:])
    assert "| maj\\|or line ünï | 30 |" in table
    assert "| &lt;script&gt;alert(3)&lt;/script&gt; | 70 |" in table
    assert "| a &amp; b c | 5 |" in table
    assert "<script>" not in text
