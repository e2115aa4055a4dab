"""The progress bar of a fit: one line on stderr, the epochs done and the last epoch's losses."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

EpochCallback = Callable[[int, int, dict], None]


@contextlib.contextmanager
def progress_bar(epochs: int, enabled: bool = True) -> Iterator[EpochCallback | None]:
    """A tqdm bar over ``epochs``, closed on leaving; yields the per-epoch callback that moves it.

    The callback takes ``(epoch, epochs, row)`` as :class:`~augan.train.Trainer` calls it, ``row`` holding the
    epoch's mean ``d_loss``, ``g_loss``, ``d_acc_real`` and ``d_acc_fake``. With ``enabled=False`` nothing is
    shown and None is yielded.
    """
    if not enabled:
        yield None
        return
    from tqdm.auto import tqdm

    bar = tqdm(total=epochs, desc="augan fit", unit="epoch", file=sys.stderr, leave=False)

    def update(epoch: int, epochs: int, row: dict) -> None:
        bar.n = epoch
        bar.set_postfix(d=f"{row['d_loss']:.3f}", g=f"{row['g_loss']:.3f}",
                        acc=f"{row['d_acc_real']:.2f}/{row['d_acc_fake']:.2f}", refresh=False)
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()
