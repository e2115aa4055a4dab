"""augan.seeding: one seed per random_state, and torch streams that leave the caller's generators alone."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from augan import CGAN
from augan.seeding import SEED_MAX, CPUNormal, TorchStream, draw_seed


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


def test_cpu_normal_values_depend_on_the_seed_and_chunk_alone():
    # Slice i of every chunk comes from generator i: neither the threads nor how many chunks a call fills
    # change a value, which is what lets a large draw take the noise of many chunks at once on every core.
    chunk, rows = 40, 130  # a last chunk that is partial, and slices that do not divide it evenly
    serial = CPUNormal(3).fill_(torch.empty(rows, 5), chunk)
    with ThreadPoolExecutor(3) as pool:
        threaded = CPUNormal(3).fill_(torch.empty(rows, 5), chunk, pool)
    pieces, normal = [], CPUNormal(3)
    for start in range(0, rows, 2 * chunk):  # two chunks a call, then the rest
        pieces.append(normal.fill_(torch.empty(min(2 * chunk, rows - start), 5), chunk))
    assert torch.equal(threaded, serial) and torch.equal(torch.cat(pieces), serial)
    assert not torch.equal(CPUNormal(4).fill_(torch.empty(rows, 5), chunk), serial)
    streams = len(normal.generators)
    slices = serial[:chunk].reshape(streams, -1, 5)  # 8 slices of 5 rows
    assert len({float(part.std()) for part in slices}) == streams, "every slice has draws of its own"
    assert abs(float(serial.mean())) < 0.2 and 0.8 < float(serial.std()) < 1.2


def test_cpu_normal_fills_an_inference_tensor_from_its_threads():
    with torch.inference_mode():
        out = torch.empty(64, 3)
    with ThreadPoolExecutor(2) as pool:
        CPUNormal(0).fill_(out, 16, pool)
    assert torch.isfinite(out).all() and out.std() > 0.5


def test_a_stream_keeps_its_cpu_normal_across_entries():
    stream = TorchStream(9)
    first = stream.cpu_normal.fill_(torch.empty(8, 2), 8)
    second = stream.cpu_normal.fill_(torch.empty(8, 2), 8)
    whole = CPUNormal(9).fill_(torch.empty(16, 2), 8)
    assert torch.equal(torch.cat([first, second]), whole)


def test_a_draw_does_not_depend_on_torchs_number_of_threads(tiny):
    gan = CGAN(device="cpu", random_state=0, **tiny).fit(*_table())
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = gan.sample(9000, random_state=2)
        torch.set_num_threads(3)
        three = gan.sample(9000, random_state=2)
    finally:
        torch.set_num_threads(threads)
    np.testing.assert_allclose(one, three, rtol=1e-5)
