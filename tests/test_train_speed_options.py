"""The trainer's speed options on the CPU: bf16 autocast, the fp16 refusal, and torch.compile."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from augan import CGAN
from augan.losses import get_loss
from augan.nn.mlp import MLPDiscriminator, MLPGenerator
from augan.train import Trainer, TrainingConfig, sampling_autocast


def _table() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], [90, 30])
    return rng.normal(size=(120, 3)) + 2 * y[:, None], y


@pytest.mark.parametrize("loss", ["wgan-gp", "hinge"])
def test_bf16_trains_and_samples_on_the_cpu(loss, tiny):
    X, y = _table()
    gan = CGAN(loss=loss, amp="bf16", device="cpu", random_state=0, **tiny).fit(X, y)
    assert all(np.isfinite([row["d_loss"], row["g_loss"]]).all() for row in gan.history_)
    fake = gan.sample(50, y=1)
    assert fake.shape == (50, 3) and fake.dtype == X.dtype and np.isfinite(fake).all()


@pytest.mark.parametrize("loss", ["wgan-gp", "hinge"])
def test_bf16_runs_the_networks_in_bf16_and_the_penalty_in_float32(loss):
    torch.manual_seed(0)
    generator, discriminator = MLPGenerator(4, 2, (3,), (8,)), MLPDiscriminator((3,), 2, (8,))
    seen = set()
    discriminator.body[0].register_forward_hook(lambda module, args, output: seen.add(output.dtype))
    config = TrainingConfig(noise_dim=4, epochs=1, batch_size=16, amp="bf16")
    trainer = Trainer(generator, discriminator, get_loss(loss), config)
    trainer.fit(torch.randn(32, 3), torch.arange(32) % 2, n_classes=2)
    assert torch.bfloat16 in seen
    assert (torch.float32 in seen) == (loss == "wgan-gp")


def test_a_bf16_model_samples_in_bf16_close_to_its_float32_draws(tiny):
    X, y = _table()
    gan = CGAN(amp="bf16", device="cpu", random_state=0, **tiny).fit(X, y)
    fast = gan.sample(500, y=1, random_state=1)
    gan.amp = None  # the same networks and noise, sampled in float32
    exact = gan.sample(500, y=1, random_state=1)
    assert fast.dtype == exact.dtype == X.dtype and not np.array_equal(fast, exact)
    difference = np.abs(fast - exact) / X.std(axis=0)
    assert np.median(difference) < 0.01, "bf16 keeps two to three significant digits of a typical row"
    np.testing.assert_allclose(fast.mean(axis=0), exact.mean(axis=0), atol=0.02 * X.std(axis=0).max())


@pytest.mark.parametrize(("amp", "expected"), [(None, None), ("bf16", torch.bfloat16), ("fp16", None)])
def test_sampling_runs_under_the_training_autocast_where_the_device_has_it(amp, expected):
    # A model trained with fp16 on a GPU samples in float32 on a CPU, which has no fp16 autocast of its own here.
    with sampling_autocast(amp, torch.device("cpu")):
        enabled = torch.is_autocast_enabled("cpu")
        dtype = torch.get_autocast_dtype("cpu")
    assert enabled == (expected is not None)
    if expected is not None:
        assert dtype == expected


def test_fp16_off_cuda_is_refused_with_the_alternative_named(tiny):
    X, y = _table()
    with pytest.raises(ValueError, match=r"amp='fp16' needs a CUDA GPU.*amp='bf16'"):
        CGAN(amp="fp16", device="cpu", **tiny).fit(X, y)


@pytest.mark.slow  # torch.compile
def test_compile_trains_through_torch_compile_and_saves_plain_weights(monkeypatch, tmp_path, tiny):
    compile_ = torch.compile
    compiled = []

    def cheap_compile(module, **kwargs):
        # aot_eager traces like the default backend, without its minutes of C++ compilation on a CPU.
        compiled.append(type(module).__name__)
        return compile_(module, backend="aot_eager", **kwargs)

    monkeypatch.setattr(torch, "compile", cheap_compile)
    X, y = _table()
    gan = CGAN(loss="wgan-gp", compile=True, device="cpu", random_state=0, **tiny).fit(X, y)
    assert sorted(set(compiled)) == ["MLPDiscriminator", "MLPGenerator"]
    assert np.isfinite(gan.history_[-1]["d_loss"])
    assert not any("_orig_mod" in key for key in gan.generator_.state_dict())
    gan.save(tmp_path / "model.pt")
    loaded = CGAN.load(tmp_path / "model.pt", device="cpu")
    np.testing.assert_array_equal(loaded.sample(20, y=0), gan.sample(20, y=0))


def test_compile_must_be_a_boolean(tiny):
    X, y = _table()
    with pytest.raises(ValueError, match="compile"):
        CGAN(compile="yes", **tiny).fit(X, y)
