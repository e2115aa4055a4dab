"""How long a fit will take, said once the fit has timed its own first epochs.

Messages go to the ``"augan"`` logger: the expected duration at INFO, a WARNING when it is long. With no
logging set up, Python prints the warning on stderr; the CLI shows both as ``augan: ...`` lines (the warning
even with ``--quiet``). A record's ``parameters`` lists those of its arguments that are estimator parameter
names, so a front end can put its own flags in their place.
"""

from __future__ import annotations

import logging
import time

logger = logging.getLogger("augan")

ANNOUNCE_AFTER_SECONDS = 2.0
"""Training time measured before the estimate is made (short fits end before it and say nothing)."""
WARN_ABOVE_SECONDS = 180.0
"""Expected durations above this are a warning rather than information."""
SHORTENED_BY = ("max_steps", "epochs")
LONG_WARMUP_SECONDS = 30.0
"""A first epoch at least this long is timed as a rate (see :class:`TrainingClock`'s ``long_warmup``)."""


def format_duration(seconds: float) -> str:
    """``seconds`` as a person says it: ``"40 s"``, ``"3 min 20 s"``, ``"2 h 05 min"``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class TrainingClock:
    """Times the first epochs of a fit and says, once, how long all ``epochs`` will take.

    Parameters
    ----------
    epochs : int
        The epochs of the whole fit (a resumed fit counts from the first epoch it runs).
    warmup_epochs : int, default=1
        First epochs whose time is mostly one-time cost, not a rate: they count in the estimate as they took, and
        the rate is timed from their end. A process's first epoch pays torch's first calls (1-5 s on a CPU, against
        0.03-0.2 s for a later epoch of a table); ``torch.compile`` compiles in it.
    long_warmup : float or None, default=LONG_WARMUP_SECONDS (30)
        A warm-up epoch that takes at least this many seconds is timed as a rate after all (one-time costs of a few
        seconds are then a small part of it, and waiting for the next epoch would delay the estimate by as long).
        None times every warm-up epoch apart, as a compiled fit needs: compiling takes tens of seconds.
    """

    def __init__(self, epochs: int, warmup_epochs: int = 1, long_warmup: float | None = LONG_WARMUP_SECONDS) -> None:
        self.epochs = epochs
        self.warmup_epochs = warmup_epochs
        self.long_warmup = long_warmup
        self.warmup_seconds = 0.0
        self.started = time.perf_counter()
        self.first_epoch: int | None = None
        self.expected_seconds: float | None = None

    def epoch_done(self, epoch: int, steps_per_epoch: int, batch_size: int) -> None:
        """Record that ``epoch`` (1-based) ended; say the estimate once enough time has been measured."""
        if self.first_epoch is None:
            self.first_epoch = epoch
        if self.expected_seconds is not None or epoch >= self.epochs:
            return
        now = time.perf_counter()
        timed_from = self.first_epoch + self.warmup_epochs
        if epoch < timed_from:
            if self.long_warmup is None or now - self.started < self.long_warmup:
                self.warmup_seconds += now - self.started
                self.started = now
                return
            # A long warm-up epoch is timed as a rate after all, with any before it, from the fit's start.
            timed_from, self.started, self.warmup_seconds = self.first_epoch, self.started - self.warmup_seconds, 0.0
        elapsed = now - self.started
        if elapsed < ANNOUNCE_AFTER_SECONDS:
            return
        done = epoch - timed_from + 1
        self.expected_seconds = self.warmup_seconds + elapsed / done * (self.epochs - timed_from + 1)
        plan = (f"{self.epochs} epochs of {steps_per_epoch} steps of {batch_size} rows "
                f"({self.epochs * steps_per_epoch:,} steps)")
        expected = format_duration(self.expected_seconds)
        if self.expected_seconds > WARN_ABOVE_SECONDS:
            logger.warning("training is expected to take about %s in all: %s; lower %s or %s for a shorter fit.",
                           expected, plan, *SHORTENED_BY, extra={"parameters": SHORTENED_BY})
        else:
            logger.info("training is expected to take about %s in all: %s.", expected, plan)
