"""How close augan's training step and sampling come to what this CPU can do (speed.py's hardware section).

The floor of a piece of work is the time its matrix products alone take when each is run by itself at the
same shape, on the same threads: the products are read from ``torch.profiler`` (``aten::mm``, ``aten::addmm``
and ``aten::bmm`` with their input shapes, forward and backward), then every shape is timed in a loop of
``torch.mm`` / ``torch.addmm`` calls on contiguous tensors of the work's precision (float32, or bfloat16 for work
under bf16 autocast). The share is floor / measured time: 100% would mean that augan spends nothing on anything
but its matrix products, and that those run as fast as a bare call.

Each measurement of the work is followed by a measurement of its floor, and the share is the median of these
pairs' shares, so that a slow spell of a shared machine spoils the pairs it falls in, which the median leaves
out. It does not slow both sides alike: on a shared 2-core EPYC the step took 40% longer in one run than in another
12 minutes later, its floor 6-9% (benchmarks/NOTES.md), so shares from different runs differ more than the code does.
A training step is timed from the difference between two fits that differ only in their number of epochs (so
that setup, encoding and the first step's one-time costs cancel out); sampling from a draw of ``rows`` rows,
decoded to the user's columns.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

MATMUL_OPS = ("aten::mm", "aten::addmm", "aten::bmm")


def matmul_calls(run: Callable[[], Any]) -> Counter:
    """The matrix products ``run()`` calls: ``{(op, input shapes): calls}``."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        run()
    calls: Counter = Counter()
    for event in prof.key_averages(group_by_input_shape=True):
        if event.key in MATMUL_OPS:
            shapes = tuple(tuple(s) for s in event.input_shapes if isinstance(s, list) and s)  # scalars dropped
            calls[(event.key, shapes)] += event.count
    return calls


def seconds_per_call(op: str, shapes: tuple, min_seconds: float = 0.05, repeats: int = 5, dtype: Any = None) -> float:
    """Median seconds of one bare ``op`` at ``shapes`` (contiguous, of ``dtype``: float32 if None), on torch's
    current threads."""
    import torch

    generator = torch.Generator().manual_seed(0)
    tensors = [torch.randn(*shape, generator=generator).to(dtype or torch.float32) for shape in shapes]
    if op == "aten::addmm":
        bias, a, b = tensors
        call = lambda: torch.addmm(bias, a, b)  # noqa: E731 - the timed call
    elif op == "aten::bmm":
        call = lambda: torch.bmm(*tensors[:2])  # noqa: E731
    else:
        call = lambda: torch.mm(*tensors[:2])  # noqa: E731
    call()
    loops, elapsed = 1, 0.0
    while elapsed < min_seconds:  # enough calls per timing that the clock's resolution does not matter
        loops *= 2
        start = time.perf_counter()
        for _ in range(loops):
            call()
        elapsed = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(loops):
            call()
        times.append((time.perf_counter() - start) / loops)
    return float(np.median(times))


def floor_seconds(calls: Counter, dtype: Any = None) -> tuple[float, float]:
    """Seconds the products of ``calls`` take as bare calls in ``dtype`` (float32 if None), and their
    floating-point operations."""
    seconds = flops = 0.0
    for (op, shapes), count in calls.items():
        seconds += count * seconds_per_call(op, shapes, dtype=dtype)
        m, k = shapes[-2][-2], shapes[-2][-1]
        n = shapes[-1][-1]
        batch = shapes[-1][0] if op == "aten::bmm" else 1
        flops += count * 2.0 * batch * m * k * n
    return seconds, flops


def training_step_share(make_gan: Callable[[int], Any], X: Any, y: Any, steps_per_epoch: int,
                        epochs: tuple[int, int] = (1, 3), dtype: Any = None, repeats: int = 5,
                        clock: Callable[[], float] = time.perf_counter) -> dict:
    """Seconds per training step against the floor of its matrix products (timed bare in ``dtype``).

    ``make_gan(epochs)`` returns an unfitted CGAN that trains ``epochs`` full passes of ``steps_per_epoch``
    steps each (``max_steps=None``). Each of ``repeats`` pairs is a short fit, a long fit and then the floor; the
    share is the median of the pairs' shares, and the step and the floor the medians of theirs. A fit slowed by
    other work on the cores spoils its own pair only (one slow short fit made a single pair's step read 9.6 ms
    where the step takes 15-17 ms).
    """
    short, long = epochs
    calls = matmul_calls(lambda: make_gan(short).fit(X, y))
    per_step = Counter({key: count / (short * steps_per_epoch) for key, count in calls.items()})
    steps, floors = [], []
    for _ in range(repeats):
        seconds = {}
        for n_epochs in (short, long):
            start = clock()
            make_gan(n_epochs).fit(X, y)
            seconds[n_epochs] = clock() - start
        steps.append((seconds[long] - seconds[short]) / ((long - short) * steps_per_epoch))
        floor, flops = floor_seconds(per_step, dtype)
        floors.append(floor)
    step, floor = float(np.median(steps)), float(np.median(floors))
    return {"step_seconds": step, "floor_seconds": floor, "share": _median_share(floors, steps),
            "gflops": flops / step / 1e9, "floor_gflops": flops / floor / 1e9, "repeats": repeats,
            "pairs": list(zip(steps, floors))}


def sampling_share(gan: Any, rows: int, dtype: Any = None, repeats: int = 3,
                   clock: Callable[[], float] = time.perf_counter) -> dict:
    """Seconds of ``gan.sample(rows)`` against the floor of its matrix products (timed bare in ``dtype``): the
    medians of ``repeats`` pairs of a draw and then the floor, and the median of the pairs' shares."""
    gan.sample(min(rows, 1000))
    calls = matmul_calls(lambda: gan.sample(rows))
    draws, floors = [], []
    for _ in range(repeats):
        start = clock()
        gan.sample(rows)
        draws.append(clock() - start)
        floor, flops = floor_seconds(calls, dtype)
        floors.append(floor)
    seconds, floor = float(np.median(draws)), float(np.median(floors))
    return {"sample_seconds": seconds, "rows_per_second": rows / seconds, "floor_seconds": floor,
            "share": _median_share(floors, draws), "gflops": flops / seconds / 1e9,
            "floor_gflops": flops / floor / 1e9 if floor else float("nan"), "repeats": repeats,
            "pairs": list(zip(draws, floors))}


def _median_share(floors: list[float], measured: list[float]) -> float:
    """The median of the pairs' floor / measured (a pair whose measurement is not positive counts as the largest)."""
    return float(np.median([f / m if m > 0 else np.inf for f, m in zip(floors, measured)]))
