"""The hardware-share measurement: the matrix products a piece of work calls, and what they cost bare."""

from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import hardware  # noqa: E402  (the benchmarks are scripts, not a package)


def test_forward_and_backward_products_are_found_with_their_shapes():
    layer = torch.nn.Linear(6, 4)
    x = torch.randn(5, 6)

    def work() -> None:
        layer(x).sum().backward()

    calls = hardware.matmul_calls(work)
    assert calls[("aten::addmm", ((4,), (5, 6), (6, 4)))] == 1  # forward: bias + x @ W.T
    assert sum(count for (op, _), count in calls.items() if op == "aten::mm") == 1  # backward: the weight's gradient


def test_floor_counts_every_call_and_its_flops(monkeypatch):
    monkeypatch.setattr(hardware, "seconds_per_call", lambda op, shapes, dtype=None: 0.5 if op == "aten::mm" else 2.0)
    seconds, flops = hardware.floor_seconds({("aten::mm", ((3, 4), (4, 5))): 2,
                                             ("aten::bmm", ((7, 3, 4), (7, 4, 5))): 1})
    assert seconds == 2 * 0.5 + 2.0
    assert flops == 2 * (2 * 3 * 4 * 5) + 2 * 7 * 3 * 4 * 5


def test_a_bare_product_is_timed_at_its_shape():
    seconds = hardware.seconds_per_call("aten::addmm", ((64,), (32, 16), (16, 64)), min_seconds=0.001, repeats=2)
    assert 0 < seconds < 0.01


def test_a_bare_product_is_timed_in_the_precision_asked(monkeypatch):
    seen = []
    addmm = torch.addmm
    monkeypatch.setattr(torch, "addmm", lambda *tensors: seen.append({t.dtype for t in tensors}) or addmm(*tensors))
    hardware.seconds_per_call("aten::addmm", ((8,), (4, 6), (6, 8)), min_seconds=0.0, repeats=1, dtype=torch.bfloat16)
    hardware.seconds_per_call("aten::addmm", ((8,), (4, 6), (6, 8)), min_seconds=0.0, repeats=1)
    assert seen[0] == {torch.bfloat16} and seen[-1] == {torch.float32}


def test_a_training_step_is_timed_from_the_fastest_fit_of_each_length(monkeypatch):
    # A slow short fit (the cores shared for a moment) must not shrink the step: the first pair alone reads 5 - 3.
    now, fits = [0.0], iter([5.0, 3.0, 1.0, 3.4, 1.2, 9.0])  # short, long, alternating
    lengths = []

    class Fit:
        def __init__(self, epochs: int) -> None:
            self.epochs = epochs

        def fit(self, X, y) -> None:
            lengths.append(self.epochs)
            if len(lengths) <= 6:  # the seventh is the profiled fit that finds the products
                now[0] += next(fits)

    monkeypatch.setattr(hardware, "floor_seconds", lambda calls, dtype=None: (0.001, 1e9))
    result = hardware.training_step_share(Fit, None, None, steps_per_epoch=10, clock=lambda: now[0])
    assert lengths == [1, 3, 1, 3, 1, 3, 1]
    assert result["step_seconds"] == (3.0 - 1.0) / 20
    assert result["share"] == 0.001 / result["step_seconds"]
