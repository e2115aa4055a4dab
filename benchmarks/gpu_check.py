"""Correctness of augan on a GPU, in about a minute: the checks no CPU-only machine (CI included) can run.

Each check trains a small model on ``--device`` and asserts what a user relies on; a failed assertion or an
error is reported by name and the script exits with status 1 after running the rest:

- tables: ``CGAN`` fits a mixed-type table in float32, bf16 and fp16 (fp16 on CUDA only); its weights stay on
  the device, its losses are finite, and ``sample`` gives the table's columns and the classes asked for;
- the same seed gives the same rows twice on the device;
- a model saved on the device loads back on it and draws the same rows from the same seed, and loads on the CPU
  with the same weights, where the same noise gives the same network output up to float rounding;
- ``GANOversampler`` (the default, half SMOTE) balances the table through imbalanced-learn's API;
- images: a conditional DCGAN on 28x28 digits trains with the hinge loss and with WGAN-GP (whose double
  backward is the path most sensitive to the device), in bf16 as well, and samples images in [0, 255].

It is the first step of ``benchmarks/gpu_check.sh``; on a CPU it runs as a smoke test of itself:

    PYTHONPATH=.:benchmarks python benchmarks/gpu_check.py --device cpu
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from augan import CGAN, GANOversampler

SMALL = dict(epochs=2, max_steps=40, noise_dim=32, generator_dims=(64, 64), discriminator_dims=(64, 64))


def mixed_table(n: int = 4000) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    y = (rng.random(n) < 0.1).astype(int)
    frame = pd.DataFrame({"x": rng.normal(size=n) + 2 * y, "count": rng.poisson(3, n),
                          "colour": rng.choice(["red", "green", "blue"], n), "flag": rng.random(n) < 0.3 + 0.4 * y})
    return frame, y


def digits_images(n: int = 600) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, n)
    images = np.zeros((n, 28, 28), dtype=np.uint8)
    for i, label in enumerate(y):  # a bar whose position is the class, with noise
        images[i, 4 + 8 * label: 10 + 8 * label, 4:24] = 200
    images = np.clip(images + rng.integers(0, 40, images.shape), 0, 255).astype(np.uint8)
    return images, y


def check_table(device: str, amp: str | None) -> str:
    X, y = mixed_table()
    gan = CGAN(device=device, amp=amp, random_state=0, **SMALL).fit(X, y)
    assert next(gan.generator_.parameters()).device.type == torch.device(device).type
    losses = [row[key] for row in gan.history_ for key in ("d_loss", "g_loss")]
    assert np.isfinite(losses).all(), f"losses not finite: {losses}"
    rows, labels = gan.sample(y={1: 300, 0: 100}, return_y=True)
    assert list(rows.columns) == list(X.columns) and len(rows) == 400
    assert (labels == 1).sum() == 300 and set(rows["colour"]) <= {"red", "green", "blue"}
    again = gan.sample(y={1: 300, 0: 100})
    pd.testing.assert_frame_equal(rows, again)
    return f"{gan.n_steps_} steps, history {gan.history_[-1]['d_loss']:.3f} / {gan.history_[-1]['g_loss']:.3f}"


def check_save_on_device_load_on_cpu(device: str) -> str:
    X, y = mixed_table()
    gan = CGAN(device=device, random_state=0, **SMALL).fit(X, y)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.augan"
        gan.save(path)
        on_cpu = CGAN.load(path, device="cpu")
        again = CGAN.load(path, device=device)
    # Loaded back on its own device, the model draws the same rows from the same seed.
    pd.testing.assert_frame_equal(gan.sample(500), again.sample(500))
    # On the CPU it is the same model: the same weights, the same network output from the same noise. (Its own
    # draws differ: the noise is drawn on the model's device, and a seed gives another stream on CUDA than on the CPU.)
    for name, weight in gan.generator_.state_dict().items():
        assert torch.equal(weight.cpu(), on_cpu.generator_.state_dict()[name]), f"generator weight {name} differs"
    generator = torch.Generator().manual_seed(0)
    z = torch.randn(500, gan.noise_dim, generator=generator)
    labels = torch.arange(500) % 2
    with torch.inference_mode():
        # The network without its output head, which draws Gumbel noise for the categories on its own device.
        here = gan.generator_.eval()._sampling_body(z.to(gan.device_), labels.to(gan.device_)).float().cpu().numpy()
        there = on_cpu.generator_.eval()._sampling_body(z, labels).numpy()
    np.testing.assert_allclose(here, there, rtol=1e-3, atol=1e-3)
    gap = float(np.abs(here - there).max())
    return f"rows equal on the device; on the CPU, the same noise gives the same output up to {gap:.1e}"


def check_oversampler(device: str) -> str:
    X, y = mixed_table()
    sampler = GANOversampler(gan=CGAN(device=device, **SMALL), random_state=0)
    Xr, yr = sampler.fit_resample(X, y)
    counts = np.bincount(yr)
    assert counts[0] == counts[1] and len(Xr) == len(yr)
    return f"{counts.tolist()} rows per class"


def check_images(device: str, loss: str, amp: str | None) -> str:
    images, y = digits_images()
    gan = CGAN(architecture="dcgan", loss=loss, device=device, amp=amp, epochs=2, max_steps=30, batch_size=64,
               random_state=0).fit(images, y)
    draws = gan.sample(y={2: 16})
    assert draws.shape == (16, 28, 28) and draws.dtype == np.uint8
    assert np.isfinite([row["d_loss"] for row in gan.history_]).all()
    return f"{gan.n_steps_} steps, pixels {draws.min()}-{draws.max()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda", help="'cuda' (the check), 'cuda:1', or 'cpu' (a smoke test)")
    args = parser.parse_args(argv)
    device = args.device
    if device.startswith("cuda") and not torch.cuda.is_available():
        print("gpu_check: torch sees no CUDA GPU; use --device cpu for a smoke test.", file=sys.stderr)
        return 2
    name = torch.cuda.get_device_name(torch.device(device)) if device.startswith("cuda") else "CPU"
    print(f"device {device} ({name}), torch {torch.__version__}")
    amps = [None, "bf16"] + (["fp16"] if device.startswith("cuda") else [])
    checks: list[tuple[str, Callable[[], str]]] = [
        *[(f"table, amp={amp}", lambda amp=amp: check_table(device, amp)) for amp in amps],
        ("save on the device, load on the CPU", lambda: check_save_on_device_load_on_cpu(device)),
        ("GANOversampler", lambda: check_oversampler(device)),
        ("images, hinge", lambda: check_images(device, "hinge", None)),
        ("images, wgan-gp", lambda: check_images(device, "wgan-gp", None)),
        ("images, hinge, amp=bf16", lambda: check_images(device, "hinge", "bf16")),
    ]
    failed = 0
    for title, check in checks:
        start = time.perf_counter()
        try:
            detail = check()
            print(f"PASS  {title}: {detail} ({time.perf_counter() - start:.1f} s)", flush=True)
        except Exception:  # every check runs; each failure is reported with its traceback
            failed += 1
            print(f"FAIL  {title} ({time.perf_counter() - start:.1f} s)\n{traceback.format_exc()}", flush=True)
    print(f"{len(checks) - failed} of {len(checks)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
