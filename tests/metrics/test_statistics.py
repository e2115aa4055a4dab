import numpy as np
import pytest
from scipy import stats

from augan.metrics.results import MeanCI, Quantiles
from augan.metrics.statistics import mean_ci, quantiles


def test_mean_ci_is_the_t_interval_over_values():
    summary = mean_ci([1.0, 2.0, 3.0, 4.0])
    half = stats.t.ppf(0.975, 3) * np.std([1, 2, 3, 4], ddof=1) / 2
    assert summary.mean == pytest.approx(2.5)
    assert summary.ci_low == pytest.approx(2.5 - half)
    assert summary.ci_high == pytest.approx(2.5 + half)
    assert summary.n == 4
    assert mean_ci([0.7]) == MeanCI(mean=0.7, ci_low=None, ci_high=None, n=1)


def test_mean_ci_leaves_nan_out_and_has_no_mean_of_nothing():
    assert mean_ci([0.2, float("nan"), 0.4]).n == 2
    assert mean_ci([float("nan")]) == MeanCI(mean=None, ci_low=None, ci_high=None, n=0)


def test_quantiles_are_the_5th_percentile_median_and_mean():
    values = np.arange(101, dtype=float)
    assert quantiles(values) == Quantiles(p5=5.0, median=50.0, mean=50.0)
