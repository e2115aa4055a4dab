"""The hardware-share measurement: the matrix products a piece of work calls, and what they cost bare."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
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


def test_each_training_step_pair_is_set_beside_a_floor_timed_after_it_and_the_median_pair_counts(monkeypatch):
    # Three pairs: (short, long) fits, then the floor. The second pair's short fit was slow (the cores shared for a
    # moment), so its step reads -0.1 and its share counts as the largest: the medians leave it out. The third pair
    # fell in a slow spell that slowed its fits and its floor: its share stays that of the first.
    now, fits = [0.0], iter([1.0, 3.0, 5.0, 3.0, 2.0, 6.0])
    floors = iter([0.08, 0.2, 0.16])
    order = []

    class Fit:
        def __init__(self, epochs: int) -> None:
            self.epochs = epochs

        def fit(self, X, y) -> None:
            order.append(self.epochs)
            if len(order) > 1:  # the first is the profiled fit that finds the products
                now[0] += next(fits)

    def floor(calls, dtype=None):
        order.append("floor")
        return next(floors), 1e9

    monkeypatch.setattr(hardware, "floor_seconds", floor)
    result = hardware.training_step_share(Fit, None, None, steps_per_epoch=10, repeats=3, clock=lambda: now[0])
    assert order == [1, 1, 3, "floor", 1, 3, "floor", 1, 3, "floor"]
    steps = [(3.0 - 1.0) / 20, (3.0 - 5.0) / 20, (6.0 - 2.0) / 20]  # 0.1, -0.1 (spoilt), 0.2
    assert result["step_seconds"] == sorted(steps)[1]
    assert result["floor_seconds"] == 0.16
    assert result["share"] == pytest.approx(0.8)  # the pairs read 0.8, inf (not a positive step) and 0.8
    assert result["pairs"] == list(zip(steps, [0.08, 0.2, 0.16]))


def test_each_draw_is_set_beside_a_floor_timed_after_it(monkeypatch):
    now, draws, floors = [0.0], iter([2.0, 1.0, 4.0]), iter([0.5, 0.6, 1.0])
    order = []

    class Gan:
        def sample(self, rows):
            order.append(rows)
            if len(order) > 2:  # the warm-up draw and the profiled one
                now[0] += next(draws)

    def floor(calls, dtype=None):
        order.append("floor")
        return next(floors), 1e9

    monkeypatch.setattr(hardware, "floor_seconds", floor)
    result = hardware.sampling_share(Gan(), 5000, clock=lambda: now[0])
    assert order == [1000, 5000, 5000, "floor", 5000, "floor", 5000, "floor"]
    assert result["sample_seconds"] == 2.0 and result["rows_per_second"] == 2500
    assert result["floor_seconds"] == 0.6
    assert result["share"] == pytest.approx(0.25)  # of 0.25, 0.6 and 0.25
    assert result["pairs"] == [(2.0, 0.5), (1.0, 0.6), (4.0, 1.0)]
