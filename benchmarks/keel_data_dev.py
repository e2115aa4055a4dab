"""Two development suites beside the benchmark's own, so that a lever is not tuned on 6 and 5 data sets (issue 19).

``multiclass-dev``
    cleveland, newthyroid, zoo, hayes-roth, led7digit, satimage: numeric features (zoo's 0/1 and leg-count
    attributes read as numbers), several classes, from 2:1 (hayes-roth, satimage) to 12:1 (cleveland) and
    classes of 4 and 5 rows (zoo).
``mixed-dev``
    automobile, lymphography, post-operative, nursery, splice, german, hepatitis as a user has them: a
    DataFrame with string categories and numbers. hepatitis keeps its missing values as NaN (167 cells);
    lymphography, post-operative and nursery have classes of 1 to 4 rows; splice is 60 categorical columns.

Kept in their own module because ``keel_records.fingerprint`` hashes keel_data.py whole: adding these there
would make every committed record (CTGAN's: hours of both cores) unusable, though none of their data changed.
The records of these suites are fingerprinted with this file as well (``keel_records.fingerprint``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from keel_data import Dataset, _classification_dir, _split, read_keel

MULTICLASS_DEV = ("cleveland", "newthyroid", "zoo", "hayes-roth", "led7digit", "satimage")
MIXED_DEV = ("automobile", "lymphography", "post-operative", "nursery", "splice", "german", "hepatitis")
DEV_SUITES = {"multiclass-dev": MULTICLASS_DEV, "mixed-dev": MIXED_DEV}

# german.data.txt (UCI Statlog): which of the 20 attributes (numbered from 1) are numbers; the others are codes
# such as "A11".
_GERMAN_NUMERIC = (2, 5, 8, 11, 13, 16, 18)
# hepatitis.data.txt (UCI): the class comes first; these attributes are numbers, the rest are codes 1 / 2.
_HEPATITIS_NAMES = ("AGE", "SEX", "STEROID", "ANTIVIRALS", "FATIGUE", "MALAISE", "ANOREXIA", "LIVER_BIG",
                    "LIVER_FIRM", "SPLEEN_PALPABLE", "SPIDERS", "ASCITES", "VARICES", "BILIRUBIN",
                    "ALK_PHOSPHATE", "SGOT", "ALBUMIN", "PROTIME", "HISTOLOGY")
_HEPATITIS_NUMERIC = ("AGE", "BILIRUBIN", "ALK_PHOSPHATE", "SGOT", "ALBUMIN", "PROTIME")


def _codes(column: pd.Series) -> pd.Series:
    """Integer codes of a category as strings ("1", "2"), missing values left as NaN (keel_data does the same for
    contraceptive inline; changing that file would void the committed records' fingerprint)."""
    return column.map(lambda v: v if pd.isna(v) else str(int(v))).astype(object)


def _raw_frame(name: str) -> pd.DataFrame:
    """The data set ``name`` as a DataFrame whose last column is the class."""
    folder = _classification_dir() / name
    if name == "satimage":  # the UCI training and test files together, as KEEL's satimage holds them
        parts = [pd.read_csv(folder / f"sat.{part}.txt", header=None, sep=r"\s+") for part in ("trn", "tst")]
        frame = pd.concat(parts, ignore_index=True)
        frame.columns = [f"x{j}" for j in range(frame.shape[1] - 1)] + ["class"]
        return frame
    if name == "german":
        frame = pd.read_csv(folder / "german.data.txt", header=None, sep=r"\s+")
        frame.columns = [f"a{j + 1}" for j in range(frame.shape[1] - 1)] + ["class"]
        for j in range(1, frame.shape[1]):
            if j not in _GERMAN_NUMERIC:
                frame[f"a{j}"] = frame[f"a{j}"].astype(object)
        return frame
    if name == "hepatitis":
        frame = pd.read_csv(folder / "hepatitis.data.txt", header=None, na_values=["?"],
                            names=["class", *_HEPATITIS_NAMES])
        for column in _HEPATITIS_NAMES:
            if column not in _HEPATITIS_NUMERIC:
                frame[column] = _codes(frame[column])
        return frame[[*_HEPATITIS_NAMES, "class"]]
    return read_keel(folder / f"{name}.dat")


def load_dev(name: str) -> Dataset:
    """Load the development data set ``name`` (a member of ``DEV_SUITES``).

    Raises
    ------
    ValueError
        If ``name`` belongs to no development suite.
    """
    if name not in MULTICLASS_DEV + MIXED_DEV:
        raise ValueError(f"unknown development data set {name!r}; valid names are "
                         + "; ".join(f"{suite}: {' '.join(names)}" for suite, names in DEV_SUITES.items()))
    X, y = _split(_raw_frame(name))
    if name in MULTICLASS_DEV:
        X = X.apply(pd.to_numeric, errors="raise").to_numpy(dtype=np.float64)
        return Dataset(name, "multiclass-dev", X, y, [False] * X.shape[1])
    categorical = [not pd.api.types.is_numeric_dtype(X[c]) for c in X.columns]
    return Dataset(name, "mixed-dev", X, y, categorical)
