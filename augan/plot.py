"""Grids of images, one row per class: of a fitted image GAN's samples, or of images at hand."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.utils.validation import check_is_fitted

from ._validation import check_labels, check_positive_int
from .data.images import ImageCodec, is_image_array
from .storage import atomic_output, check_output_path

# Keyword arguments that make a matplotlib Text show its string as given: no mathtext between dollars, no LaTeX
# (even where rcParams["text.usetex"] is on). Every text that comes from the user (labels, column names) takes them.
LITERAL: dict[str, Any] = {"parse_math": False, "usetex": False}

# The largest grid drawn: each image is a 0.9-inch cell (90 px at the dpi of save_sample_grid), so a row is at most
# about 9,000 px wide and the grid at most about 9,000 px high; 1,000 cells take some 20 s to draw and save, and
# the time grows faster than the number of cells (250 x 4 took minutes), so larger grids are refused up front.
MAX_PER_CLASS = 100
MAX_GRID_ROWS = 100
MAX_GRID_IMAGES = 1000


def _grid_size_error(n_rows: int, per_class: int, hint: str = "per_class") -> str | None:
    """Why a grid of ``n_rows`` classes of ``per_class`` images is too large to draw, or None if it is not."""
    if per_class > MAX_PER_CLASS:
        return (f"per_class must be at most {MAX_PER_CLASS}, got {per_class}: a row of {per_class} images would be "
                f"a figure {0.9 * per_class + 0.8:.0f} inches wide.")
    if n_rows > MAX_GRID_ROWS or n_rows * per_class > MAX_GRID_IMAGES:
        return (f"a grid of {n_rows} rows of {per_class} images is too large to draw: at most {MAX_GRID_ROWS} rows "
                f"(classes) and {MAX_GRID_IMAGES} images in all; lower {hint}.")
    return None


def sample_grid(gan: Any, per_class: int = 8, random_state: Any = None) -> Figure:
    """A grid of generated images: one row per class, labelled at its left, ``per_class`` images per row.

    Labels are drawn as given: a ``$`` or backslash in one is never read as mathtext or LaTeX.

    The figure is built without pyplot (Agg canvas), so it never joins pyplot's global list of figures.

    Parameters
    ----------
    gan : CGAN
        A CGAN fitted on images.
    per_class : int, default=8
        Images per class (columns of the grid), at most ``MAX_PER_CLASS`` (100); the grid holds at most
        ``MAX_GRID_ROWS`` (100) classes and ``MAX_GRID_IMAGES`` (1,000) images in all.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw; None uses the GAN's own ``random_state``.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``gan`` was fitted on a table rather than images, or ``per_class`` is not a positive integer or makes
        the grid larger than the bounds above (checked before any image is drawn).
    """
    check_is_fitted(gan, "generator_")
    if len(gan.input_shape_) < 2:
        raise ValueError("sample_grid needs a GAN fitted on images; this one was fitted on a table "
                         "(use augan.evaluate for tables).")
    per_class = check_positive_int(per_class, "per_class")
    too_large = _grid_size_error(len(gan.classes_), per_class)
    if too_large:
        raise ValueError(too_large)
    images, labels = gan.sample(y={c: per_class for c in gan.classes_}, return_y=True, random_state=random_state)
    # On the model's pixel scale, as the CLI writes its draws: a dark draw read on its own would look bright.
    return _grid(gan.codec_.to_uint8(images), labels, gan.classes_, per_class)


def image_grid(X: Any, y: Any, per_class: int = 8, max_classes: int | None = None) -> Figure:
    """A grid of the images ``X``: one row per class of ``y``, labelled at its left, up to ``per_class`` images
    of the class per row, in their order in ``X``: :func:`sample_grid` for real images, or samples at hand.

    Parameters
    ----------
    X : ndarray of shape (n, H, W), (n, H, W, C) or (n, C, H, W)
        Images, uint8 or float (see :class:`~augan.data.images.ImageCodec`).
    y : array-like of shape (n,)
        The class of each image.
    per_class : int, default=8
        Columns of the grid: the first ``per_class`` images of each class (fewer leave cells empty); at most
        ``MAX_PER_CLASS`` (100).
    max_classes : int or None, default=None
        Draw only the first ``max_classes`` classes (in sorted order); None draws them all. The grid holds at
        most ``MAX_GRID_ROWS`` (100) classes and ``MAX_GRID_IMAGES`` (1,000) images in all.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Built without pyplot, like :func:`sample_grid`'s.

    Raises
    ------
    ValueError
        If ``X`` is not an image array, ``y`` does not give one label per image, ``per_class`` or
        ``max_classes`` is not a positive integer, or the grid would be larger than the bounds above.
    """
    per_class = check_positive_int(per_class, "per_class")
    if max_classes is not None:
        max_classes = check_positive_int(max_classes, "max_classes")
    if not is_image_array(X):
        given = f"an array of shape {X.shape}" if isinstance(X, np.ndarray) else f"a {type(X).__name__}"
        raise ValueError(f"X must be images of shape (n, H, W), (n, H, W, C) or (n, C, H, W); got {given}.")
    if per_class > MAX_PER_CLASS:
        raise ValueError(_grid_size_error(1, per_class))
    labels = check_labels(y, len(X))
    classes = np.unique(labels)[:max_classes]
    too_large = _grid_size_error(len(classes), per_class, hint="per_class or max_classes")
    if too_large:
        raise ValueError(too_large)
    pixels = ImageCodec().fit(X).to_uint8(X)
    return _grid(pixels, labels, classes, per_class)


def _grid(pixels: np.ndarray, labels: np.ndarray, classes: np.ndarray, per_class: int) -> Figure:
    """Up to ``per_class`` of the uint8 ``(n, H, W, C)`` ``pixels`` of each of ``classes``, a row each."""
    figure = Figure(figsize=(max(2.0, 0.9 * per_class + 0.8), max(1.0, 0.9 * len(classes))), layout="constrained")
    FigureCanvasAgg(figure)
    axes = np.asarray(figure.subplots(len(classes), per_class, squeeze=False))
    for row, label in enumerate(classes):
        chosen = pixels[labels == label][:per_class]
        for col, ax in enumerate(axes[row]):
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if col >= len(chosen):
                continue
            image = chosen[col]
            if image.shape[2] == 1:
                ax.imshow(image[:, :, 0], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
            else:
                ax.imshow(image, interpolation="nearest")
        axes[row, 0].set_ylabel(str(label), rotation=0, ha="right", va="center", fontsize=11, **LITERAL)
    return figure


def save_sample_grid(gan: Any, path: str | os.PathLike, per_class: int = 8, overwrite: bool = False,
                     random_state: Any = None) -> Path:
    """Write :func:`sample_grid`'s figure to ``path`` as a PNG, atomically.

    ``path`` and ``per_class`` are checked before any image is drawn. Only PNG is written, so ``path`` must end
    in ``.png`` (any case): another suffix is refused rather than given PNG bytes under a name that says otherwise.

    Parameters
    ----------
    gan : CGAN
        A CGAN fitted on images.
    path : str or path-like
        The PNG file to write, named ``*.png``.
    per_class : int, default=8
        Images per class, bounded as in :func:`sample_grid`.
    overwrite : bool, default=False
        Whether a file augan wrote at ``path`` may be replaced.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw; None uses the GAN's own ``random_state``.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False, or holds a file augan did not write (or that
        changed since augan wrote it: see :func:`augan.storage.written_by_augan`).
    FileNotFoundError
        If the folder of ``path`` does not exist.
    ValueError
        If ``path`` does not end in ``.png``, ``gan`` was fitted on a table rather than images, or ``per_class``
        is out of bounds.
    """
    if check_output_path(path, overwrite).suffix.lower() != ".png":
        raise ValueError(f"{path}: save_sample_grid writes PNG only; give a file name ending in .png.")
    figure = sample_grid(gan, per_class=per_class, random_state=random_state)
    with atomic_output(path, overwrite) as tmp:
        figure.savefig(tmp, format="png", dpi=100)
    return Path(path)
