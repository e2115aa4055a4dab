"""Where augan's randomness comes from: one seed drawn from a ``random_state``, and torch streams seeded from it
that leave the caller's own random generators as they found them.

scikit-learn's convention is that ``random_state`` (None, an int or a ``numpy.random.RandomState``) controls
every draw; :func:`draw_seed` turns it into the int that seeds torch or a nested estimator, and
:class:`TorchStream` seeds torch's generators for the devices a computation uses and restores them afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Executor
from typing import Any

import numpy as np
import torch
from sklearn.utils import check_random_state

SEED_MAX = np.iinfo(np.int32).max
"""Seeds are drawn from ``[0, SEED_MAX)``: what every numpy and scikit-learn ``random_state`` accepts."""


def draw_seed(random_state: Any) -> int:
    """One seed drawn from ``random_state``, advancing it when it is a ``RandomState``.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        As scikit-learn's ``random_state``: an int always gives the same seed, None a fresh one.

    Returns
    -------
    seed : int
        In ``[0, SEED_MAX)``.

    Raises
    ------
    ValueError
        If ``random_state`` is none of these.
    """
    return int(checked_random_state(random_state).randint(SEED_MAX))


def checked_random_state(random_state: Any) -> np.random.RandomState:
    """scikit-learn's ``check_random_state``, refusing what it cannot use with a message that names
    ``random_state`` (``ValueError``)."""
    try:
        return check_random_state(random_state)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"random_state={random_state!r} must be None, an int in [0, 2**32 - 1] or a "
                         f"numpy RandomState.") from exc


class TorchStream:
    """A seeded stream of torch draws that leaves the caller's generators untouched.

    Inside ``with stream:`` torch's CPU generator, and the generator of each CUDA or MPS device in
    ``devices``, draw from the stream; on leaving, each of them is put back as it was. No other
    generator is read, seeded or restored: a computation on the CPU never touches CUDA's. Entered
    again, the stream goes on where it stopped, so a draw made in pieces equals one made at once.

    Parameters
    ----------
    seed : int
        Seed of every generator the stream uses (the value ``torch.manual_seed`` would give them).
    devices : iterable of torch.device, default=()
        The devices the computation draws on; CPU devices add nothing (the CPU generator is always used).
    """

    def __init__(self, seed: int, devices: Iterable[torch.device | str] = ()) -> None:
        self.seed = int(seed)
        accelerators = (torch.device(d) for d in devices)
        self.devices = list(dict.fromkeys(_indexed(d) for d in accelerators if d.type in ("cuda", "mps")))
        self._own: list[torch.Tensor] | None = None
        self._callers: list[torch.Tensor] | None = None
        self._cpu_normal: CPUNormal | None = None

    @property
    def cpu_normal(self) -> CPUNormal:
        """The stream's :class:`CPUNormal`: seeded from :attr:`seed` at the first use, then going on where it
        stopped, as the stream's generators do."""
        if self._cpu_normal is None:
            self._cpu_normal = CPUNormal(self.seed)
        return self._cpu_normal

    def __enter__(self) -> TorchStream:
        self._callers = self._states()
        if self._own is None:
            seed_devices(self.seed, self.devices)
        else:
            self._set_states(self._own)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._own = self._states()
        self._set_states(self._callers)

    def _states(self) -> list[torch.Tensor]:
        return [torch.get_rng_state(), *(_backend(d).get_rng_state(d) for d in self.devices)]

    def _set_states(self, states: list[torch.Tensor]) -> None:
        torch.set_rng_state(states[0])
        for device, state in zip(self.devices, states[1:]):
            _backend(device).set_rng_state(state, device)


class CPUNormal:
    """Standard normal draws on the CPU from ``streams`` generators that fill their parts of a buffer on
    parallel threads.

    torch draws normal numbers on the CPU on one thread (its Mersenne Twister is sequential): 15% of a large
    table's draw on 2 cores went to the generator's input noise. Here the rows of each chunk of ``chunk`` rows
    are cut into ``streams`` slices, and slice ``i`` of every chunk is drawn by generator ``i``, so the values
    depend on the seed and the chunk size alone, not on the number of threads or on how many chunks one call
    fills.

    Parameters
    ----------
    seed : int
        Seed of the whole set of generators; each gets a seed of its own derived from it.
    streams : int, default=8
        Number of generators, and the most threads a fill uses.
    """

    def __init__(self, seed: int, streams: int = 8) -> None:
        seeds = np.random.SeedSequence([int(seed), 0x6E6F697A]).generate_state(streams, dtype=np.uint64)
        self.generators = [torch.Generator().manual_seed(int(s) >> 1) for s in seeds]

    def fill_(self, out: torch.Tensor, chunk: int, pool: Executor | None = None) -> torch.Tensor:
        """Fill the float32 CPU tensor ``out`` (rows first, contiguous) with standard normal numbers and
        return it; with ``pool``, the generators draw on its threads."""
        streams = len(self.generators)
        part = -(-chunk // streams)
        inference = out.is_inference()  # inference mode is per thread: the pool's threads are told

        def draw(i: int) -> None:
            with torch.inference_mode(inference):
                for start in range(i * part, len(out), chunk):
                    piece = out[start:min(start + part, len(out), start - i * part + chunk)]
                    if len(piece):
                        torch.randn(piece.shape, generator=self.generators[i], out=piece)

        if pool is None:
            for i in range(streams):
                draw(i)
        else:
            for done in [pool.submit(draw, i) for i in range(streams)]:
                done.result()
        return out


def seed_devices(seed: int, devices: Iterable[torch.device]) -> None:
    """Seed torch's CPU generator and those of the CUDA or MPS ``devices`` with ``seed``, and no other.

    Unlike ``torch.manual_seed``, which seeds every device it knows, this leaves the generators of devices
    a computation does not use alone; call it inside a :class:`TorchStream` to have them restored.
    """
    torch.default_generator.manual_seed(int(seed))
    for device in dict.fromkeys(_indexed(torch.device(d)) for d in devices):
        if device.type in ("cuda", "mps"):
            _seed(device, int(seed))


def _indexed(device: torch.device) -> torch.device:
    if device.type == "cuda" and device.index is None:
        return torch.device("cuda", torch.cuda.current_device())
    return device


def _backend(device: torch.device) -> Any:
    return torch.cuda if device.type == "cuda" else torch.mps


def _seed(device: torch.device, seed: int) -> None:
    if device.type == "cuda":
        with torch.cuda.device(device):
            torch.cuda.manual_seed(seed)
    else:
        torch.mps.manual_seed(seed)
