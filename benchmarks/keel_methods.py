"""The resampling methods compared on the KEEL suites, each fitted on one training fold.

Every method balances the training fold (imbalanced-learn's ``sampling_strategy="auto"``: every class but
the majority is topped up to the majority count). Baselines see the table one-hot encoded (the
``encoded`` view); SMOTE sees the mixed table itself through SMOTENC / SMOTEN, CTGAN sees it with its
categorical columns as discrete columns, and augan gets it exactly as loaded (the ``raw`` view).

A method that raises, adds no rows although rows were needed, or returns non-finite values is recorded
as a failure and the fold falls back to no resampling: :func:`resample` never hides one.
"""

from __future__ import annotations

import ast
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

MISSING = "missing"
_CTGAN_LABEL = "__label__"
_CTGAN_ROUNDS = 10


@dataclass
class Fold:
    """The training rows of one fold, in both views, and what the methods need to know about them."""

    raw: np.ndarray | pd.DataFrame
    y: np.ndarray
    categorical: list[bool]
    seed: int
    ctgan_epochs: int
    encoder: Any = None
    encoded: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        if any(self.categorical):
            self.encoder = make_encoder(self.raw, self.categorical).fit(self.raw)
        self.encoded = self.encode(self.raw)

    def encode(self, X: Any) -> np.ndarray:
        if self.encoder is None:
            return np.asarray(X, dtype=np.float64)
        return np.asarray(self.encoder.transform(X), dtype=np.float64)

    @property
    def needed(self) -> dict[Any, int]:
        """Rows to add per class to reach the majority count."""
        labels, counts = np.unique(self.y, return_counts=True)
        return {label: int(counts.max() - n) for label, n in zip(labels, counts) if n < counts.max()}

    @property
    def k_neighbors(self) -> int:
        """min(5, n_minority - 1), where n_minority is the smallest class to be oversampled."""
        labels, counts = np.unique(self.y, return_counts=True)
        smallest = int(min(n for n in counts if n < counts.max())) if len(set(counts)) > 1 else int(counts.min())
        if smallest < 2:
            raise ValueError(f"a class has {smallest} training row(s): no neighbours to interpolate with "
                             f"(k_neighbors = min(5, n - 1) = {smallest - 1}).")
        return min(5, smallest - 1)


def make_encoder(X: pd.DataFrame, categorical: list[bool]) -> ColumnTransformer:
    """Numbers with missing values filled by the median; categories one-hot, missing as its own level."""
    numeric = [c for c, is_cat in zip(X.columns, categorical) if not is_cat]
    cats = [c for c, is_cat in zip(X.columns, categorical) if is_cat]
    return ColumnTransformer([
        ("numeric", SimpleImputer(strategy="median"), numeric),
        ("categorical", make_pipeline(SimpleImputer(strategy="constant", fill_value=MISSING),
                                      OneHotEncoder(handle_unknown="ignore", sparse_output=False)), cats),
    ])


def complete_rows(X: pd.DataFrame, categorical: list[bool]) -> pd.DataFrame:
    """The raw table without gaps (numbers: median; categories: a level of their own), as SMOTENC, SMOTEN
    and CTGAN's continuous columns require."""
    frame = X.copy()
    for column, is_cat in zip(frame.columns, categorical):
        if is_cat:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), MISSING).astype(str)
        elif frame[column].isna().any():
            frame[column] = frame[column].fillna(frame[column].median())
    return frame


# ----------------------------------------------------------------- methods
# Each takes a Fold and returns (X, y, view) with view "raw" or "encoded".
def _none(fold: Fold) -> tuple:
    return fold.encoded, fold.y, "encoded"


def _random(fold: Fold) -> tuple:
    from imblearn.over_sampling import RandomOverSampler

    return (*RandomOverSampler(random_state=fold.seed).fit_resample(fold.encoded, fold.y), "encoded")


def _smote(fold: Fold) -> tuple:
    from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC

    k = fold.k_neighbors
    if not any(fold.categorical):
        return (*SMOTE(k_neighbors=k, random_state=fold.seed).fit_resample(fold.encoded, fold.y), "encoded")
    complete = complete_rows(fold.raw, fold.categorical)
    if all(fold.categorical):
        sampler = SMOTEN(k_neighbors=k, random_state=fold.seed)
    else:
        sampler = SMOTENC(categorical_features=[j for j, c in enumerate(fold.categorical) if c], k_neighbors=k,
                          random_state=fold.seed)
    return (*sampler.fit_resample(complete, fold.y), "raw")


def _borderline(fold: Fold) -> tuple:
    from imblearn.over_sampling import BorderlineSMOTE

    sampler = BorderlineSMOTE(k_neighbors=fold.k_neighbors, random_state=fold.seed)
    return (*sampler.fit_resample(fold.encoded, fold.y), "encoded")


def _adasyn(fold: Fold) -> tuple:
    from imblearn.over_sampling import ADASYN

    return (*ADASYN(n_neighbors=fold.k_neighbors, random_state=fold.seed).fit_resample(fold.encoded, fold.y),
            "encoded")


def _smote_variant(name: str) -> Callable[[Fold], tuple]:
    def run(fold: Fold) -> tuple:
        import smote_variants

        logging.getLogger("smote_variants").setLevel(logging.ERROR)
        labels, codes = np.unique(fold.y, return_inverse=True)
        if len(labels) == 2:
            sampler = getattr(smote_variants, name)(random_state=fold.seed)
        else:
            sampler = smote_variants.MulticlassOversampling(oversampler=name,
                                                            oversampler_params={"random_state": fold.seed})
        X, y = sampler.sample(fold.encoded, codes)
        return X, labels[np.asarray(y, dtype=np.int64)], "encoded"

    return run


def _ctgan(fold: Fold) -> tuple:
    """CTGAN with the label as the first discrete column; each class's rows drawn by conditional sampling,
    keeping the rows generated with the requested label (rejection sampling, as SDV does)."""
    from ctgan import CTGAN

    raw = fold.raw if isinstance(fold.raw, pd.DataFrame) else pd.DataFrame(
        fold.raw, columns=[f"x{j}" for j in range(fold.raw.shape[1])])
    frame = complete_rows(raw, fold.categorical)
    labels = pd.Series(fold.y).astype(str).to_numpy()
    frame.insert(0, _CTGAN_LABEL, labels)
    discrete = [_CTGAN_LABEL] + [c for c, is_cat in zip(frame.columns[1:], fold.categorical) if is_cat]
    model = CTGAN(epochs=fold.ctgan_epochs, enable_gpu=False)
    model.set_random_state(fold.seed)
    model.fit(frame, discrete_columns=discrete)
    parts, relabelled = [], 0
    for label, count in fold.needed.items():
        kept, draws = [], 0
        for _ in range(_CTGAN_ROUNDS):
            draw = model.sample(max(2 * (count - draws), 100), condition_column=_CTGAN_LABEL,
                                condition_value=str(label))
            match = draw[draw[_CTGAN_LABEL] == str(label)]
            kept.append(match)
            draws += len(match)
            if draws >= count:
                break
        rows = pd.concat(kept, ignore_index=True).iloc[:count]
        if len(rows) < count:  # the conditional draw keeps missing the class: take its rows as they are
            relabelled += count - len(rows)
            rows = pd.concat([rows, draw.iloc[:count - len(rows)]], ignore_index=True)
        parts.append((rows.drop(columns=_CTGAN_LABEL), np.full(count, label, dtype=fold.y.dtype)))
    synthetic = pd.concat([p[0] for p in parts], ignore_index=True)
    if not isinstance(fold.raw, pd.DataFrame):
        synthetic = synthetic.to_numpy(dtype=np.float64)
        X = np.vstack([fold.raw, synthetic])
    else:
        X = pd.concat([fold.raw, synthetic.astype(fold.raw.dtypes.to_dict())], ignore_index=True)
    note = f"{relabelled} rows taken with another generated label" if relabelled else ""
    return X, np.concatenate([fold.y] + [p[1] for p in parts]), "raw", note


def _augan(fold: Fold, **params: Any) -> tuple:
    """augan on the fold, seeded by the fold's index; ``seed=K`` (a variant's key, not augan's) adds 1000 * K, a
    replicate of the same protocol that draws other random numbers.

    Variants that differ from one another only in the oversampler's parameters (``selection``, ``smote_share``,
    ``noise_scale``, ...) share one GAN fit per fold and seed (:func:`_shared_fit_cgan`): a screen of such
    variants costs one fit. The seconds of a variant that took a shared fit leave that fit out (its message
    says so and gives them); a fit-time comparison runs each variant on its own.
    """
    from augan import GANOversampler

    seed = fold.seed + 1000 * params.pop("seed", 0)
    own = {k: params.pop(k) for k in list(params) if k in GANOversampler().get_params()}
    sampler = GANOversampler(gan=_shared_fit_cgan(fold)(**params), random_state=seed, **own)
    X, y = sampler.fit_resample(fold.raw, fold.y)
    shared = getattr(sampler.gan_, "shared_fit_seconds_", None)
    if shared is None:
        return X, y, "raw"
    return X, y, "raw", f"GAN fit shared with an earlier variant of this fold ({shared:.1f} s, not in these seconds)"


def _shared_fit_cgan(fold: Fold) -> type:
    """A CGAN class whose ``fit`` on data and with parameters a GAN of ``fold`` was already fitted on and with
    takes a copy of that GAN instead of training it again.

    A fit is deterministic for given data, parameters and seed on one machine, so the copy is the GAN a new fit
    would train (tested). The copy is marked with ``shared_fit_seconds_``, the seconds of the fit it copies. The
    fits are kept on the fold object, as long as its methods run; not as a field of :class:`Fold`, whose source
    is part of the protocol's fingerprint (keel_records.py), which must not change for a benchmarking aid.
    """
    import copy
    import hashlib
    import pickle

    from augan import CGAN

    fits = vars(fold).setdefault("_gan_fits", {})

    class SharedFitCGAN(CGAN):
        def fit(self, X: Any, y: Any) -> SharedFitCGAN:
            data = hashlib.sha256(pickle.dumps((X, np.asarray(y)), protocol=4)).hexdigest()
            key = (data, repr(sorted(self.get_params().items())))
            if key in fits:
                state, seconds = fits[key]
                self.__dict__.update(copy.deepcopy(state))
                self.shared_fit_seconds_ = seconds
                return self
            start = time.perf_counter()
            super().fit(X, y)
            fits[key] = (copy.deepcopy(self.__dict__), time.perf_counter() - start)
            return self

    return SharedFitCGAN


def augan_variant(name: str) -> dict[str, Any] | None:
    """The parameters of a method named ``augan[key=value;...]`` (values as Python literals), else None.

    Each key is a parameter of :class:`~augan.CGAN` or of :class:`~augan.GANOversampler`, or ``seed``: a whole
    number K >= 0 that makes the variant a replicate drawing other random numbers (seeds fold index + 1000 K).

    Variants put a changed default beside the real one in a single run, e.g.
    ``--methods SMOTE augan "augan[epochs=100;generator_dims=(128, 128)]"``.
    """
    match = re.fullmatch(r"augan\[(.*)\]", name.strip())
    if match is None:
        return None
    params = {}
    for item in filter(None, (part.strip() for part in match.group(1).split(";"))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ValueError(f"method {name!r}: expected augan[key=value;...], got {item!r}.")
        try:
            params[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            raise ValueError(f"method {name!r}: {value.strip()!r} is not a Python literal.") from None
    from augan import CGAN, GANOversampler

    seed = params.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"method {name!r}: seed must be a whole number >= 0, got {seed!r}.")
    unknown = sorted(set(params) - {"seed"} - set(CGAN().get_params()) - set(GANOversampler().get_params()))
    if unknown:  # fail here, not after hours of folds
        raise ValueError(f"method {name!r}: neither CGAN nor GANOversampler has the parameter(s) {unknown}.")
    return params


METHODS: dict[str, Callable[[Fold], tuple]] = {
    "none": _none,
    "RandomOverSampler": _random,
    "SMOTE": _smote,
    "BorderlineSMOTE": _borderline,
    "ADASYN": _adasyn,
    "ProWSyn": _smote_variant("ProWSyn"),
    "polynom_fit_SMOTE_star": _smote_variant("polynom_fit_SMOTE_star"),
    "CTGAN": _ctgan,
    "augan": _augan,
}


def resolve_methods(names: list[str] | None) -> list[str]:
    """Canonical method names for ``names`` (case-insensitive), in the order of :data:`METHODS`."""
    if not names:
        return list(METHODS)
    lookup = {name.lower(): name for name in METHODS}
    variants = [n for n in names if augan_variant(n) is not None]
    unknown = [n for n in names if n.lower() not in lookup and n not in variants]
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}; valid: {' '.join(METHODS)}, or augan[key=value;...].")
    wanted = {lookup[n.lower()] for n in names if n not in variants}
    return [name for name in METHODS if name in wanted] + list(dict.fromkeys(variants))


def resample(method: str, fold: Fold) -> tuple[np.ndarray, np.ndarray, dict]:
    """Run ``method`` on ``fold``; return the encoded training set and a record of how it went.

    The record holds ``status`` ("ok", "error" or "no rows added"), ``message``, ``seconds`` (fit and
    sample) and ``added`` (synthetic rows). On anything but "ok" the fold's own rows are returned.
    """
    record = {"method": method, "status": "ok", "message": "", "seconds": 0.0, "added": 0}
    start = time.perf_counter()
    try:
        variant = augan_variant(method)
        X, y, view, *note = _augan(fold, **variant) if variant is not None else METHODS[method](fold)
        record["seconds"] = time.perf_counter() - start
        X = fold.encode(X) if view == "raw" else np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        record["message"] = note[0] if note else ""
        record["added"] = len(y) - len(fold.y)
        if X.shape[0] != len(y):
            raise ValueError(f"returned {X.shape[0]} rows but {len(y)} labels")
        if not np.isfinite(X).all():
            raise ValueError("returned non-finite values")
    except Exception as exc:  # any failure of a third-party sampler is recorded, never raised
        record.update(status="error", message=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
                      seconds=time.perf_counter() - start, added=0)
        return fold.encoded, fold.y, record
    if method != "none" and fold.needed and record["added"] <= 0:
        record.update(status="no rows added", message=record["message"] or "returned the training rows unchanged")
        return fold.encoded, fold.y, record
    return X, y, record
