"""DATA, what a training command learns from: a table with a target column, or images with their labels.

Which of the two it is decides the options that apply, the outputs and what a saved model records; the
commands ask here instead of branching on it themselves.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from augan._validation import check_several_classes
from augan.data.images import padded_size
from augan.data.labels import LabelCodec

from .errors import fail
from .files import is_images, read_images
from .target import model_metadata, read_training_table, require_target

IMAGES_TAKE_NO_TARGET = ("--target names a table's class column; images take their classes from the subfolders (or "
                         "the .npz array y).")


def check_data_options(data: Path, target: str | None, size: int | None = None, grid: Path | None = None,
                       architecture: str | None = None) -> bool:
    """Whether DATA holds images; refuse, before any work, the options its kind does not take.

    A table needs ``--target`` and takes neither ``--size`` nor ``--grid``; images take no ``--target``, and
    with the DCGAN networks (``architecture`` dcgan or None, their default) no ``--size`` above 64.
    """
    if is_images(data):
        if target is not None:
            fail(IMAGES_TAKE_NO_TARGET)
        if size is not None and size < 1:
            fail(f"--size must be a positive number of pixels (the side of the square images), got {size}.")
        if size is not None and architecture in (None, "dcgan") and padded_size(size, size) is None:
            fail(f"--size {size}: the DCGAN networks take images of at most 64 px (padded to 28, 32 or 64); use "
                 f"--size 64 or less, or --architecture mlp.")
        return True
    require_target(target, data)
    if size is not None or grid is not None:
        fail(f"{'--size' if size is not None else '--grid'} is for images; {data} is a table.")
    return False


@dataclasses.dataclass(frozen=True)
class TrainingData:
    """DATA as read: the features ``X``, the labels ``y`` and their ``classes``; for a table, the table as read
    (``frame``) and the name of its ``target`` column."""

    X: Any
    y: Any
    classes: np.ndarray
    frame: pd.DataFrame | None = None
    target: str | None = None

    @property
    def images(self) -> bool:
        """True for images, False for a table."""
        return self.frame is None

    @property
    def noun(self) -> str:
        """What one sample is called in messages: ``"images"`` or ``"rows"``."""
        return "images" if self.images else "rows"

    @property
    def columns(self) -> list[str] | None:
        """The table's columns, target included, in their order (None for images)."""
        return None if self.frame is None else list(self.frame.columns)

    @property
    def metadata(self) -> dict:
        """What a model trained on this data records for ``augan sample`` (images need nothing: the model knows)."""
        return {} if self.frame is None else model_metadata(self.target, self.frame)


def read_training_data(data: Path, target: str | None, size: int | None = None,
                       categorical: Sequence[str] = ()) -> TrainingData:
    """Read DATA, checked by :func:`check_data_options`: images (resized to ``size`` if given) or a table whose
    ``target`` column is split off (its ``categorical`` columns read as text)."""
    if is_images(data):
        X, y = read_images(data, size)
        classes = LabelCodec().fit(y).classes_
        check_several_classes(classes, str(data))  # before any request is read from the classes
        return TrainingData(X, y, classes)
    frame, X, y, classes = read_training_table(data, require_target(target, data), categorical)
    return TrainingData(X, y, classes, frame, target)
