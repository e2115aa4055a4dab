"""The figures of an HTML report, drawn without pyplot (Agg canvas) and returned as base64 PNG.

User text (class labels, column names, categories, method names) is drawn literally (``plot.LITERAL``).
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.decomposition import PCA

from .data.images import is_image_array
from .metrics.encoding import categorical_mask, encode, fit_encoder
from .metrics.results import DownstreamGain
from .plot import LITERAL, _grid_size_error, image_grid, sample_grid

GAIN, QUALITY, TRAINING = "Downstream gain", "Quality of the synthetic data", "Training"
REAL, SYNTHETIC = "#3b6fb6", "#e07b39"
_MAX_COLUMNS = 12
_MAX_POINTS = 1000
_MAX_CLASSES = 8
_LEVELS = 8


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def png(figure: Figure) -> str:
    """The figure as a base64-encoded PNG."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def draw_all(utility: DownstreamGain | None, history: list[dict] | None,
             artifacts: dict) -> list[tuple[str, str, str]]:
    """Every figure the gain results, training history and artifacts allow, as (section, caption, base64 PNG)."""
    drawn = []
    if utility:
        drawn.append((GAIN, "Scores per method, mean over classifiers, with 95% intervals over folds.",
                      png(gain_figure(utility))))
    if history:
        drawn.append((TRAINING, "GAN training: losses and the discriminator's accuracy on real and generated rows.",
                      png(training_figure(history))))
    real, synthetic = artifacts.get("X_real"), artifacts.get("X_synthetic")
    if real is None or synthetic is None:
        return drawn
    y_real, y_synthetic = np.asarray(artifacts["y_real"]), np.asarray(artifacts["y_synthetic"])
    if is_image_array(real):
        real_grid = image_grid(real, y_real, max_classes=_MAX_CLASSES)
        drawn.append((QUALITY, "Real images, one row per class.", png(real_grid)))
        model = artifacts.get("model")
        drawable = model is not None and _grid_size_error(len(model.classes_), 8) is None
        grid = (sample_grid(model, per_class=8, random_state=0) if drawable
                else image_grid(synthetic, y_synthetic, max_classes=_MAX_CLASSES))
        drawn.append((QUALITY, "Synthetic images, one row per class.", png(grid)))
    else:
        drawn.append((QUALITY, "Per-column distributions, real (blue) vs synthetic (orange).",
                      png(marginals_figure(real, synthetic))))
    drawn.append((QUALITY, "PCA projection (fitted on the real rows), real (blue) vs synthetic (orange), per class; "
                   f"at most {_MAX_POINTS} points of each are drawn.",
                   png(pca_figure(real, y_real, synthetic, y_synthetic))))
    return drawn


def gain_figure(utility: DownstreamGain) -> Figure:
    methods, metrics = utility.setup.methods, utility.setup.metrics
    figure = _figure(max(6.0, 1.6 * len(metrics)), 3.4)
    ax = figure.subplots()
    width = 0.8 / len(methods)
    colors = [f"C{i}" for i in range(len(methods))]
    for i, method in enumerate(methods):
        entries = [utility.entry(method, "all", m) for m in metrics]
        scores = [None if e is None else e.score for e in entries]
        means = np.array([np.nan if s is None or s.mean is None else s.mean for s in scores], dtype=float)
        errors = np.array([0.0 if s is None or s.ci_high is None else s.ci_high - s.mean for s in scores])
        ax.bar(np.arange(len(metrics)) + (i - (len(methods) - 1) / 2) * width, means, width, yerr=errors,
               capsize=2, label=method, color=colors[i])
    ax.set_xticks(np.arange(len(metrics)), metrics, **LITERAL)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    legend = ax.legend(ncols=min(len(methods), 6), fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    for text in legend.get_texts():  # a method may be named after the user's sampler
        text.set(**LITERAL)
    ax.grid(axis="y", alpha=0.3)
    return figure


def training_figure(history: list[dict]) -> Figure:
    epochs = np.arange(1, len(history) + 1)

    def column(key: str) -> np.ndarray:
        return np.array([row.get(key, np.nan) for row in history], dtype=float)

    figure = _figure(9, 3.2)
    losses, accuracy = figure.subplots(1, 2)
    losses.plot(epochs, column("d_loss"), label="discriminator")
    losses.plot(epochs, column("g_loss"), label="generator")
    losses.set(xlabel="epoch", ylabel="loss", title="losses")
    accuracy.plot(epochs, column("d_acc_real"), label="on real rows")
    accuracy.plot(epochs, column("d_acc_fake"), label="on generated rows")
    accuracy.set(xlabel="epoch", ylabel="accuracy", ylim=(-0.02, 1.02), title="discriminator accuracy")
    for ax in (losses, accuracy):
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    return figure


def marginals_figure(real: Any, synthetic: Any) -> Figure:
    real_frame = real if isinstance(real, pd.DataFrame) else pd.DataFrame(np.asarray(real))
    synthetic_frame = synthetic if isinstance(synthetic, pd.DataFrame) else pd.DataFrame(np.asarray(synthetic))
    mask = categorical_mask(real_frame)
    shown = list(range(min(real_frame.shape[1], _MAX_COLUMNS)))
    n_cols = min(4, len(shown))
    n_rows = int(np.ceil(len(shown) / n_cols))
    figure = _figure(3.0 * n_cols, 2.4 * n_rows)
    axes = np.atleast_1d(figure.subplots(n_rows, n_cols, squeeze=False)).ravel()
    for ax, j in zip(axes, shown):
        r, s = real_frame.iloc[:, j], synthetic_frame.iloc[:, j]
        (_categorical_bars if mask[j] else _numeric_hist)(ax, r, s)
        ax.set_title(str(real_frame.columns[j])[:30], fontsize=9, **LITERAL)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7)
    for ax in axes[len(shown):]:
        ax.set_visible(False)
    return figure


def _numeric_hist(ax: Any, real: pd.Series, synthetic: pd.Series) -> None:
    r = pd.to_numeric(real, errors="coerce").dropna().to_numpy(dtype=float)
    s = pd.to_numeric(synthetic, errors="coerce").dropna().to_numpy(dtype=float)
    both = np.concatenate([r, s])
    if both.size == 0:
        return
    bins = np.histogram_bin_edges(both, bins=20)
    ax.hist(r, bins=bins, density=True, alpha=0.55, color=REAL, label="real")
    ax.hist(s, bins=bins, density=True, alpha=0.55, color=SYNTHETIC, label="synthetic")
    ax.locator_params(axis="x", nbins=4)


def _categorical_bars(ax: Any, real: pd.Series, synthetic: pd.Series) -> None:
    r, s = _as_text(real).value_counts(normalize=True), _as_text(synthetic).value_counts(normalize=True)
    levels = list(r.index[:_LEVELS])
    x = np.arange(len(levels))
    ax.bar(x - 0.2, [r.get(v, 0.0) for v in levels], 0.4, color=REAL, label="real")
    ax.bar(x + 0.2, [s.get(v, 0.0) for v in levels], 0.4, color=SYNTHETIC, label="synthetic")
    ax.set_xticks(x, [v[:10] for v in levels], rotation=30, ha="right", **LITERAL)


def _as_text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "<missing>").astype(str)


def pca_figure(real: Any, y_real: np.ndarray, synthetic: Any, y_synthetic: np.ndarray) -> Figure:
    encoder = fit_encoder(real)
    z_real, z_synthetic = encode(encoder, real), encode(encoder, synthetic)
    pca = PCA(n_components=min(2, z_real.shape[1]), random_state=0).fit(z_real)
    p_real, p_synthetic = pca.transform(z_real), pca.transform(z_synthetic)
    if p_real.shape[1] == 1:
        p_real, p_synthetic = np.c_[p_real, np.zeros(len(p_real))], np.c_[p_synthetic, np.zeros(len(p_synthetic))]
    classes = np.unique(y_real)[:_MAX_CLASSES]
    n_cols = min(4, len(classes))
    n_rows = int(np.ceil(len(classes) / n_cols))
    figure = _figure(3.2 * n_cols, 3.0 * n_rows)
    axes = np.atleast_1d(figure.subplots(n_rows, n_cols, squeeze=False, sharex=True, sharey=True)).ravel()
    rng = np.random.RandomState(0)
    for ax, label in zip(axes, classes):
        for points, color, name in ((p_real[y_real == label], REAL, "real"),
                                    (p_synthetic[y_synthetic == label], SYNTHETIC, "synthetic")):
            label_text = f"{name} ({len(points)})"
            if len(points) > _MAX_POINTS:
                points = points[rng.choice(len(points), _MAX_POINTS, replace=False)]
            ax.scatter(points[:, 0], points[:, 1], s=6, alpha=0.5, color=color, label=label_text)
        ax.set_title(f"class {label}", fontsize=9, **LITERAL)
        ax.legend(fontsize=7, markerscale=2)
        ax.tick_params(labelsize=7)
    for ax in axes[len(classes):]:
        ax.set_visible(False)
    return figure
