"""Summary statistics shared by the metrics: a mean with its t-interval, and quantiles of distances."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from .results import MeanCI, Quantiles


def mean_ci(values: Any, confidence: float = 0.95) -> MeanCI:
    """Mean of ``values`` and its two-sided t-interval; NaN values are left out.

    Parameters
    ----------
    values : array-like of float
    confidence : float, default=0.95
        Coverage of the interval.

    Returns
    -------
    summary : MeanCI
        ``mean``, ``ci_low``, ``ci_high`` and ``n``; the bounds are None with fewer than two values.
    """
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = int(values.size)
    if n == 0:
        return MeanCI(None, None, None, 0)
    mean = float(values.mean())
    if n < 2:
        return MeanCI(mean, None, None, n)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * values.std(ddof=1) / np.sqrt(n))
    return MeanCI(mean, mean - half, mean + half, n)


def quantiles(values: Any) -> Quantiles:
    """5th percentile, median and mean of ``values``."""
    values = np.asarray(values, dtype=float)
    return Quantiles(float(np.percentile(values, 5)), float(np.median(values)), float(values.mean()))
