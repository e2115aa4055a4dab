"""The methods and classifiers of benchmarks/mnist.py: how each method makes its training set, how the
classifiers score it, and how the new images of the rare digits are judged.

Methods: ``none``, ``oracle`` (the untouched training half), RandomOverSampler, SMOTE on pixels
(``k_neighbors = min(5, rare digits - 1)``, rounded back to uint8 pixels), and augan's methods: ``augan``
(``GANOversampler(image_shape=(side, side), gan=CGAN(architecture=...))``, every other setting at its default)
and its variants, a JSON dict of GANOversampler keyword arguments with CGAN's under ``"gan"``.
Classifiers: logistic regression on pixels / 255 (deterministic) and :class:`SmallCNN` (seeded).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import torch
from imblearn.over_sampling import SMOTE, RandomOverSampler
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score
from torch import nn

from images_data import MINORITY, Split

BUILTIN = ("none", "oracle", "RandomOverSampler", "SMOTE", "augan")


class SmallCNN(nn.Module):
    """Two convolutions and two linear layers on ``side`` x ``side`` images (side divisible by 4)."""

    def __init__(self, side: int = 28, n_classes: int = 10) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * (side // 4) ** 2, 64), nn.ReLU(), nn.Linear(64, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def cnn_predict(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, side: int, epochs: int, seed: int
                ) -> np.ndarray:
    """Train :class:`SmallCNN` (Adam, batch 64, seeded) on pixel rows and predict the test rows."""
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = SmallCNN(side)
    images = torch.as_tensor(X_train / 255.0, dtype=torch.float32).reshape(-1, 1, side, side)
    labels = torch.as_tensor(y_train, dtype=torch.long)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    for _ in range(epochs):
        for batch in torch.randperm(len(labels), generator=generator).split(64):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(images[batch]), labels[batch]).backward()
            optimizer.step()
    model.eval()
    with torch.inference_mode():
        test = torch.as_tensor(X_test / 255.0, dtype=torch.float32).reshape(-1, 1, side, side)
        return model(test).argmax(1).numpy()


def scores(y_test: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """Balanced accuracy, macro F1 and the accuracy on the rare digits 5-9."""
    rare = np.isin(y_test, MINORITY)
    return {"balanced_accuracy": float(balanced_accuracy_score(y_test, pred)),
            "macro_f1": float(f1_score(y_test, pred, average="macro")),
            "rare_accuracy": float(np.mean(pred[rare] == y_test[rare]))}


# ----------------------------------------------------------------- methods
def is_augan(method: str, variants: dict[str, dict]) -> bool:
    return method == "augan" or method in variants


def method_config(method: str, data: Split, architecture: str, variants: dict[str, dict]) -> dict[str, Any]:
    """Everything besides seeds and epochs that decides what ``method`` makes of this setting's training half."""
    if method == "SMOTE":
        return {"k_neighbors": int(min(5, np.bincount(data.y_train).min() - 1))}
    if not is_augan(method, variants):
        return {}
    variant = variants.get(method, {})
    gan = {"architecture": architecture, **variant.get("gan", {})}
    return {**{k: v for k, v in variant.items() if k != "gan"}, "gan": gan}


def resample(method: str, config: dict, data: Split, side: int, seed: int | None, gan_epochs: int,
             variants: dict[str, dict]) -> tuple[np.ndarray, np.ndarray, Any]:
    """``method``'s training set (the training half, then its new images) and its fitted sampler, if any."""
    X, y = data.X_train, data.y_train
    if method == "none":
        return X, y, None
    if method == "oracle":
        return data.X_full, data.y_full, None
    if method == "RandomOverSampler":
        return (*RandomOverSampler(random_state=seed).fit_resample(X, y), None)
    if method == "SMOTE":
        X_new, y_new = SMOTE(random_state=seed, **config).fit_resample(X, y)
        return np.clip(np.rint(X_new), 0, 255).astype(np.uint8), y_new, None
    from augan import CGAN, GANOversampler

    options = {k: v for k, v in config.items() if k != "gan"}
    # A variant's own "epochs" or "random_state" under "gan" wins over the run's.
    sampler = GANOversampler(image_shape=(side, side), **options,
                             gan=CGAN(**{"epochs": gan_epochs, "random_state": seed, **config["gan"]}))
    X_new, y_new = sampler.fit_resample(X, y)
    return np.clip(np.rint(X_new), 0, 255).astype(np.uint8), y_new, sampler


def image_quality(X_new: np.ndarray, y_new: np.ndarray, data: Split, side: int, gan: Any = None
                  ) -> dict[str, Any]:
    """FID, KID, precision and recall (Kynkäänniemi et al. 2019: the share of the new images inside the real ones'
    k-NN manifold, and of the real ones inside theirs) per rare digit against its real test digits, and ``gan``'s
    discriminator AUC."""
    from augan.metrics.detection import discriminator_auc
    from augan.metrics.fidelity import fidelity_scores

    rare = np.isin(data.y_test, MINORITY)
    images = X_new.reshape(-1, side, side)
    fidelity = fidelity_scores(data.X_test.reshape(-1, side, side), data.y_test, images, y_new, random_state=0)
    per_digit = {str(d): fidelity.per_class[str(d)] for d in MINORITY}
    disc = None if gan is None else discriminator_auc(
        gan, data.X_test[rare].reshape(-1, side, side), data.y_test[rare], images, y_new).auc
    return {"fid": {d: s.fid for d, s in per_digit.items()}, "kid": {d: s.kid_mean for d, s in per_digit.items()},
            "precision": {d: s.precision for d, s in per_digit.items()},
            "recall": {d: s.recall for d, s in per_digit.items()},
            "discriminator_auc": disc, "extractor": fidelity.extractor}


def sampler_values(X_fit: np.ndarray, y_fit: np.ndarray, sampler: Any, data: Split, side: int, seconds: float
                   ) -> dict[str, Any]:
    """A resampler's record: its seconds and the quality of its new images (and of the GAN's own draws)."""
    n = len(data.y_train)
    values = {"seconds": seconds, "quality": image_quality(X_fit[n:], y_fit[n:], data, side,
                                                           None if sampler is None else sampler.gan_)}
    if sampler is not None:
        # GANOversampler's new images are part GAN draws, part SMOTE-style blends (smote_share): the GAN's own
        # draws of the same counts, with the sampler's noise_scale and no selection, are judged apart.
        labels, counts = np.unique(y_fit[n:], return_counts=True)
        drawn, drawn_y = sampler.gan_.sample(y=dict(zip(labels.tolist(), counts.tolist())), return_y=True,
                                             random_state=0, noise_scale=sampler.noise_scale_)
        drawn = np.clip(np.rint(drawn.reshape(len(drawn_y), -1)), 0, 255).astype(np.uint8)
        values["draws"] = image_quality(drawn, drawn_y, data, side, sampler.gan_)
    return values


def classify(key: dict, X_fit: np.ndarray, y_fit: np.ndarray, data: Split, side: int) -> dict[str, float]:
    """Train the classifier of the record ``key`` on ``X_fit, y_fit`` and score it on the test half."""
    if key["classifier"] == "LogisticRegression":
        pred = LogisticRegression(max_iter=1000).fit(X_fit / 255.0, y_fit).predict(data.X_test / 255.0)
    else:
        pred = cnn_predict(X_fit, y_fit, data.X_test, side, key["cnn_epochs"], key["clf_seed"])
    return scores(data.y_test, pred)


def parse_variant(text: str) -> tuple[str, dict]:
    """``NAME=JSON`` -> (NAME, the dict); the dict holds GANOversampler keyword arguments (and ``"gan"``)."""
    name, sep, spec = text.partition("=")
    if not sep or not name or name in BUILTIN:
        raise ValueError(f"--variant {text!r}: write NAME={{...}} with a NAME other than {', '.join(BUILTIN)}.")
    try:
        options = json.loads(spec)
    except json.JSONDecodeError as exc:
        raise ValueError(f"--variant {name}: {spec!r} is not JSON ({exc.msg}).") from None
    if not isinstance(options, dict) or not isinstance(options.get("gan", {}), dict):
        raise ValueError(f"--variant {name}: give a JSON object, with \"gan\" (if any) an object too.")
    from augan import CGAN, GANOversampler

    try:  # unknown argument names fail here, before any setting runs, rather than hours into the run
        GANOversampler(**{k: v for k, v in options.items() if k != "gan"}, gan=CGAN(**options.get("gan", {})))
    except TypeError as exc:
        raise ValueError(f"--variant {name}: {exc}") from None
    return name, options
