"""Figures of a fitted image GAN's samples: one row per class."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.utils.validation import check_is_fitted

from ._validation import check_positive_int
from .data.images import ImageCodec
from .io import atomic_output


def sample_grid(gan: Any, per_class: int = 8, random_state: Any = None) -> Figure:
    """A grid of generated images: one row per class, labelled at its left, ``per_class`` images per row.

    The figure is built without pyplot (Agg canvas), so it never joins pyplot's global list of figures.

    Parameters
    ----------
    gan : CGAN
        A CGAN fitted on images.
    per_class : int, default=8
        Images per class (columns of the grid).
    random_state : int, RandomState instance or None, default=None
        Seed of the draw; None uses the GAN's own ``random_state``.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``gan`` was fitted on a table rather than images.
    """
    check_is_fitted(gan, "generator_")
    if len(gan.input_shape_) < 2:
        raise ValueError("sample_grid needs a GAN fitted on images; this one was fitted on a table "
                         "(use augan.evaluate for tables).")
    per_class = check_positive_int(per_class, "per_class")
    classes = gan.classes_
    images, labels = gan.sample(y={c: per_class for c in classes}, return_y=True, random_state=random_state)
    # Read as write_image_folder reads them, so the figure shows what the image files would hold.
    pixels = ImageCodec().fit(images).to_uint8(images)
    figure = Figure(figsize=(max(2.0, 0.9 * per_class + 0.8), max(1.0, 0.9 * len(classes))), layout="constrained")
    FigureCanvasAgg(figure)
    axes = np.asarray(figure.subplots(len(classes), per_class, squeeze=False))
    for row, label in enumerate(classes):
        chosen = pixels[labels == label]
        for col in range(per_class):
            ax = axes[row, col]
            image = chosen[col]
            if image.shape[2] == 1:
                ax.imshow(image[:, :, 0], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
            else:
                ax.imshow(image, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
        axes[row, 0].set_ylabel(str(label), rotation=0, ha="right", va="center", fontsize=11)
    return figure


def save_sample_grid(gan: Any, path: str | os.PathLike, per_class: int = 8, overwrite: bool = False,
                     random_state: Any = None) -> Path:
    """Write :func:`sample_grid`'s figure to ``path`` as a PNG, atomically.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.
    ValueError
        If ``gan`` was fitted on a table rather than images.
    """
    figure = sample_grid(gan, per_class=per_class, random_state=random_state)
    with atomic_output(path, overwrite) as tmp:
        figure.savefig(tmp, format="png", dpi=100)
    return Path(path)
