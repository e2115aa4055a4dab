"""augan.seeding: one seed per random_state, and torch streams that leave the caller's generators alone."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from augan import CGAN
from augan.seeding import SEED_MAX, TorchStream, draw_seed


def test_draw_seed_is_the_draw_augan_always_made():
    assert draw_seed(7) == np.random.RandomState(7).randint(np.iinfo(np.int32).max)
    rng, twin = np.random.RandomState(3), np.random.RandomState(3)
    assert [draw_seed(rng) for _ in range(3)] == list(twin.randint(SEED_MAX, size=3))
    assert isinstance(draw_seed(None), int)


def test_draw_seed_refuses_what_is_not_a_random_state():
    with pytest.raises(ValueError, match=r"random_state='x' must be None, an int"):
        draw_seed("x")


def test_a_stream_goes_on_where_it_stopped_and_gives_back_the_callers_state():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    stream = TorchStream(5)
    with stream:
        first = torch.rand(3)
    assert torch.equal(torch.get_rng_state(), before)
    with stream:
        second = torch.rand(3)
    torch.manual_seed(5)
    assert torch.equal(torch.cat([first, second]), torch.rand(6))


def test_a_stream_gives_back_the_callers_state_when_its_block_raises():
    before = torch.get_rng_state()
    with pytest.raises(RuntimeError), TorchStream(1):
        torch.rand(2)
        raise RuntimeError
    assert torch.equal(torch.get_rng_state(), before)


class _FakeAccelerator:
    """Stands in for the random-state functions of torch.cuda (or torch.mps) and records which are called."""

    def __init__(self, monkeypatch, kind: str = "cuda") -> None:
        self.calls: list[str] = []
        self.state = torch.zeros(4, dtype=torch.uint8)
        module = getattr(torch, kind)
        for name in ("get_rng_state", "set_rng_state", "manual_seed", "manual_seed_all", "seed", "seed_all"):
            monkeypatch.setattr(module, name, self._recorder(name), raising=False)
        if kind == "cuda":
            monkeypatch.setattr(torch.cuda, "device", lambda device: _Nothing())

    def _recorder(self, name):
        def record(*args, **kwargs):
            self.calls.append(name)
            if name == "manual_seed":
                self.state = torch.full((4,), args[0] % 256, dtype=torch.uint8)
            if name == "set_rng_state":
                self.state = args[0]
            return self.state.clone() if name == "get_rng_state" else None

        return record


class _Nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        return None


def _table() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], [30, 10])
    return rng.normal(size=(40, 3)) + y[:, None], y


def test_a_cpu_fit_and_sample_never_touch_the_cuda_generators(monkeypatch, tiny):
    cuda = _FakeAccelerator(monkeypatch)
    gan = CGAN(device="cpu", random_state=0, **tiny).fit(*_table())
    gan.sample(20)
    assert cuda.calls == []


@pytest.mark.parametrize("device", [torch.device("cuda", 1), torch.device("mps")], ids=["cuda", "mps"])
def test_an_accelerator_stream_seeds_and_restores_its_device_only(monkeypatch, device):
    fake = _FakeAccelerator(monkeypatch, device.type)
    fake.state = torch.full((4,), 9, dtype=torch.uint8)
    with TorchStream(300, [device]):
        assert torch.equal(fake.state, torch.full((4,), 300 % 256, dtype=torch.uint8))
    assert torch.equal(fake.state, torch.full((4,), 9, dtype=torch.uint8))
    assert "manual_seed_all" not in fake.calls


def test_fit_and_sample_leave_the_callers_cpu_generator_as_it_was(tiny):
    torch.manual_seed(42)
    before = torch.get_rng_state()
    gan = CGAN(device="cpu", random_state=0, **tiny).fit(*_table())
    assert torch.equal(torch.get_rng_state(), before)
    gan.sample(20)
    list(gan.iter_samples(20, chunk_size=8))
    assert torch.equal(torch.get_rng_state(), before)
