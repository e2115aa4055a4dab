"""Small demo data that ships with augan."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

def make_loans(n_samples: int = 1200, default_rate: float = 0.08, random_state: Any = 0) -> pd.DataFrame:
    """An imbalanced loan table of mixed types, the kind a user has: numbers, integers, strings, booleans,
    and missing values. The target column ``default`` is ``"yes"`` for about ``default_rate`` of the rows.

    Defaulters are younger, earn less, borrow more relative to income and have more past delinquencies, so
    a classifier can learn the minority class but needs examples of it.
    """
    rng = check_random_state(random_state)
    default = rng.random_sample(n_samples) < default_rate
    age = np.clip(rng.normal(np.where(default, 33, 45), 11), 18, 85).round().astype(np.int64)
    income = np.round(np.exp(rng.normal(np.where(default, 10.2, 10.8), 0.5)), 2)
    loan = np.round(income * rng.gamma(np.where(default, 4.0, 2.0), 0.15), 2)
    delinquencies = rng.poisson(np.where(default, 1.6, 0.3)).astype(np.int64)
    purpose = np.where(rng.random_sample(n_samples) < np.where(default, 0.5, 0.2), "debt",
                       rng.choice(["car", "home", "education", "business"], n_samples))
    employment = rng.choice(["salaried", "self-employed", "unemployed"], n_samples,
                            p=[0.75, 0.2, 0.05]).astype(object)
    employment[default & (rng.random_sample(n_samples) < 0.25)] = "unemployed"
    homeowner = rng.random_sample(n_samples) < np.where(default, 0.25, 0.55)
    months_employed = np.where(rng.random_sample(n_samples) < 0.1, np.nan,
                               np.round(rng.exponential(np.where(default, 24, 60))))
    return pd.DataFrame({
        "age": age, "income": income, "loan_amount": loan, "delinquencies": delinquencies,
        "purpose": purpose, "employment": employment, "homeowner": homeowner,
        "months_employed": months_employed, "default": np.where(default, "yes", "no"),
    })

