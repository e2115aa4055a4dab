"""Summary statistics shared by the metrics: a mean with its t-interval, and quantiles of distances."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats


def mean_ci(values: Any, confidence: float = 0.95) -> dict[str, float | int | None]:
    """Mean of ``values`` and its two-sided t-interval; NaN values are left out.

    Parameters
    ----------
    values : array-like of float
    confidence : float, default=0.95
        Coverage of the interval.

    Returns
    -------
    summary : dict
        ``mean``, ``ci_low``, ``ci_high`` and ``n``; the bounds are None with fewer than two values.
    """
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = int(values.size)
    if n == 0:
        return {"mean": None, "ci_low": None, "ci_high": None, "n": 0}
    mean = float(values.mean())
    if n < 2:
        return {"mean": mean, "ci_low": None, "ci_high": None, "n": n}
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * values.std(ddof=1) / np.sqrt(n))
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "n": n}


def quantiles(values: Any) -> dict[str, float]:
    """5th percentile, median and mean of ``values``."""
    values = np.asarray(values, dtype=float)
    return {"p5": float(np.percentile(values, 5)), "median": float(np.median(values)), "mean": float(values.mean())}
