"""augan.training_time: a fit says how long it will take once it has timed its first epochs."""

import logging

import numpy as np
import pytest

from augan import CGAN, training_time
from augan.training_time import TrainingClock, format_duration


class _FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def perf_counter(self) -> float:
        return self.now


@pytest.fixture
def fake_time(monkeypatch):
    fake = _FakeTime()
    monkeypatch.setattr(training_time, "time", fake)
    return fake


@pytest.mark.parametrize("seconds, text", [(0.4, "0 s"), (40, "40 s"), (200, "3 min 20 s"), (7500, "2 h 05 min")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_a_long_fit_is_a_warning_that_names_what_shortens_it(fake_time, caplog):
    clock = TrainingClock(epochs=300)
    fake_time.now += 3.0
    with caplog.at_level(logging.INFO, logger="augan"):
        clock.epoch_done(1, steps_per_epoch=200, batch_size=500)
        fake_time.now += 3.0
        clock.epoch_done(2, steps_per_epoch=200, batch_size=500)    # said once only
    assert clock.expected_seconds == pytest.approx(900.0)
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == ("training is expected to take about 15 min 00 s in all: 300 epochs of 200 steps "
                                   "of 500 rows (60,000 steps); lower max_steps or epochs for a shorter fit.")
    assert record.parameters == ("max_steps", "epochs")


def test_a_short_fit_is_information_and_waits_for_enough_time(fake_time, caplog):
    clock = TrainingClock(epochs=100)
    with caplog.at_level(logging.INFO, logger="augan"):
        for epoch in range(1, 6):
            fake_time.now += 0.5                                   # 2 s after the warm-up at the end of epoch 5
            clock.epoch_done(epoch, steps_per_epoch=1, batch_size=64)
            assert (clock.expected_seconds is None) == (epoch < 5)
    [record] = caplog.records
    assert record.levelno == logging.INFO
    assert "about 50 s in all" in record.getMessage()


def test_a_resumed_fit_counts_only_the_epochs_it_runs(fake_time):
    clock = TrainingClock(epochs=300)
    for epoch in (201, 202):                                     # resumed after 200 epochs: 100 left
        fake_time.now += 2.0
        clock.epoch_done(epoch, steps_per_epoch=1, batch_size=64)
    assert clock.expected_seconds == pytest.approx(200.0)


@pytest.mark.parametrize(("first_epoch", "long_warmup"), [(3.0, training_time.LONG_WARMUP_SECONDS), (40.0, None)])
def test_a_first_epoch_of_one_time_costs_is_not_extrapolated(fake_time, caplog, first_epoch, long_warmup):
    # Audit 12: a fresh process's first epoch pays torch's first calls (seconds, against 0.1 s for a later epoch):
    # `make demo` announced "about 13 min 38 s" for a fit of 30 s. A compiled fit spends tens of seconds compiling
    # in its first step, which once predicted 2 h 27 min for a fit of 8 s.
    clock = TrainingClock(epochs=300, long_warmup=long_warmup)  # eager (the default) / compiled
    with caplog.at_level(logging.INFO, logger="augan"):
        fake_time.now += first_epoch
        clock.epoch_done(1, steps_per_epoch=2, batch_size=256)     # one-time costs: not a rate
        assert clock.expected_seconds is None and not caplog.records
        for epoch in range(2, 12):
            fake_time.now += 0.25                                  # 2 s after the warm-up at the end of epoch 9
            clock.epoch_done(epoch, steps_per_epoch=2, batch_size=256)
    assert clock.expected_seconds == pytest.approx(first_epoch + 299 * 0.25)


def test_a_long_first_epoch_is_timed_as_a_rate_unless_it_may_be_compiling(fake_time):
    # A table whose epoch takes a minute is said after that minute, not after two.
    eager = TrainingClock(epochs=300)
    fake_time.now += 60.0
    eager.epoch_done(1, steps_per_epoch=4000, batch_size=256)
    assert eager.expected_seconds == pytest.approx(300 * 60.0)
    compiled = TrainingClock(epochs=300, long_warmup=None)
    fake_time.now += 60.0
    compiled.epoch_done(1, steps_per_epoch=4000, batch_size=256)
    assert compiled.expected_seconds is None


def test_a_compiling_epoch_is_counted_as_it_took(fake_time, caplog):
    clock = TrainingClock(epochs=300, long_warmup=None)
    with caplog.at_level(logging.INFO, logger="augan"):
        fake_time.now += 40.0
        clock.epoch_done(1, steps_per_epoch=2, batch_size=256)     # compiling: not a rate
        assert clock.expected_seconds is None and not caplog.records
        for epoch in range(2, 12):
            fake_time.now += 0.25                                  # 2 s after the warm-up at the end of epoch 9
            clock.epoch_done(epoch, steps_per_epoch=2, batch_size=256)
    assert clock.expected_seconds == pytest.approx(40.0 + 299 * 0.25)
    [record] = caplog.records
    assert record.levelno == logging.INFO and "about 1 min 55 s in all" in record.getMessage()


def test_a_fit_logs_its_expected_duration(tiny, monkeypatch, caplog):
    monkeypatch.setattr(training_time, "ANNOUNCE_AFTER_SECONDS", 0.0)
    X = np.random.default_rng(0).normal(size=(60, 3))
    y = np.repeat([0, 1], [45, 15])
    with caplog.at_level(logging.INFO, logger="augan"):
        CGAN(**{**tiny, "epochs": 3}, random_state=0).fit(X, y)
    [record] = [r for r in caplog.records if r.name == "augan"]
    assert record.levelno == logging.INFO
    assert tiny["batch_size"] == 32
    assert record.getMessage().endswith("in all: 3 epochs of 2 steps of 32 rows (6 steps).")
