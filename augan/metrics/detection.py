"""Can synthetic rows be told from real ones, and do they copy real ones?

- :func:`c2st`: a classifier-two-sample test. Classifiers are trained to tell real from synthetic rows and
  scored by cross-validated ROC-AUC on rows they did not see: 0.5 means indistinguishable, 1.0 means every
  synthetic row is recognised. The detection score ``1 - (2 * max(AUC, 0.5) - 1)`` (as in SDMetrics) is
  1 for indistinguishable data and 0 for data told apart perfectly.
- :func:`discriminator_auc`: the same question asked of the GAN's own trained discriminator, on real rows
  it did not train on.
- :func:`privacy_scores`: distance of each synthetic row to its closest real training row (DCR) next to
  the distance of held-out real rows to their closest training row, and the share of exact copies.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.utils import check_random_state

from .._rows import take_rows
from .._validation import check_feature_names, check_labels, check_positive_int, feature_names
from ..data.images import ImageCodec, is_image_array
from ..seeding import draw_seed
from .encoding import as_rows, categorical_mask, encode, fit_encoder, make_preprocessor
from .results import C2ST, C2STClassifier, DiscriminatorAUC, Privacy
from .statistics import mean_ci, quantiles

_CLASS_COLUMN = "__augan_class__"


def detection_score(auc: float) -> float:
    """SDMetrics' detection score: ``1 - (2 * max(auc, 0.5) - 1)``; 1 = indistinguishable, 0 = told apart."""
    return float(1.0 - (2.0 * max(auc, 0.5) - 1.0))


def _subsample(X: Any, y: np.ndarray | None, max_samples: int, rng: np.random.RandomState) -> tuple[Any, Any]:
    n = len(X)
    if n <= max_samples:
        return X, y
    index = np.sort(rng.choice(n, max_samples, replace=False))
    return take_rows(X, index), (None if y is None else y[index])


def _as_frame(X: Any) -> pd.DataFrame:
    if is_image_array(X):
        return pd.DataFrame(as_rows(np.asarray(X, dtype=np.float64)))
    return X.reset_index(drop=True) if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))


def c2st(X_real: Any, X_synthetic: Any, *, y_real: Any = None, y_synthetic: Any = None, cv: int = 5,
         max_samples: int = 5000, categorical_features: Any = "auto", random_state: Any = None) -> C2ST:
    """Classifier two-sample test: cross-validated ROC-AUC of classifiers telling real from synthetic rows.

    Parameters
    ----------
    X_real, X_synthetic : DataFrame, array-like of shape (n, n_features), or image arrays
        Real and synthetic rows with the same columns (images are compared pixel by pixel).
    y_real, y_synthetic : array-like, optional
        Class labels; when given, the label is one more column, so a synthetic row that looks real for the
        wrong class is detected too.
    cv : int, default=5
        Stratified folds; every row is scored by a classifier that did not train on it.
    max_samples : int, default=5000
        At most this many rows of each side (a random subset) enter the test.
    categorical_features : "auto", None, list of column names or indices, or boolean mask, default="auto"
        Tables: which columns are categories, as in :func:`augan.data.tabular.categorical_mask` (``"auto"``: boolean,
        string, object and category columns).
    random_state : int, RandomState instance or None
        Seeds the subsets, the folds and the gradient boosting.

    Returns
    -------
    C2ST
        ``auc`` (the highest mean AUC of the classifiers), ``detection_score``, ``n_real``, ``n_synthetic``,
        ``conditional``, ``cv`` and ``classifiers``: per classifier, ``auc`` with its 95% interval over folds,
        ``fold_aucs`` and ``detection_score``. ``to_dict()`` gives plain values.

    Raises
    ------
    ValueError
        If the two sets do not have the same columns, or either is too small for ``cv`` folds.
    """
    check_positive_int(cv, "cv")
    rng = check_random_state(random_state)
    conditional = y_real is not None and y_synthetic is not None
    y_real = None if y_real is None else check_labels(y_real, len(X_real), "y_real")
    y_synthetic = None if y_synthetic is None else check_labels(y_synthetic, len(X_synthetic), "y_synthetic")
    X_real, y_real = _subsample(X_real, y_real, max_samples, rng)
    X_synthetic, y_synthetic = _subsample(X_synthetic, y_synthetic, max_samples, rng)
    if min(len(X_real), len(X_synthetic)) < cv:
        raise ValueError(f"c2st needs at least cv={cv} real and synthetic rows; got {len(X_real)} and "
                         f"{len(X_synthetic)}.")
    real = _as_frame(X_real)
    synthetic = check_feature_names(_as_frame(X_synthetic), feature_names(real), real.shape[1], "X_synthetic",
                                    "of X_real")
    mask = [False] * real.shape[1] if is_image_array(X_real) else categorical_mask(real, categorical_features)
    # Columns are read by position; uniform string names keep sklearn's feature-name checks quiet.
    names = [f"column_{j}" for j in range(real.shape[1])]
    table = pd.concat([real.set_axis(names, axis=1), synthetic.set_axis(names, axis=1)], ignore_index=True)
    if conditional:
        table[_CLASS_COLUMN] = np.concatenate([y_real, y_synthetic]).astype(str)
        mask = mask + [True]
    is_synthetic = np.r_[np.zeros(len(real), dtype=int), np.ones(len(synthetic), dtype=int)]
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=draw_seed(rng))
    classifiers = {"logistic_regression": LogisticRegression(max_iter=2000),
                   "hist_gradient_boosting": HistGradientBoostingClassifier(random_state=draw_seed(rng))}
    per_classifier = {}
    for name, clf in classifiers.items():
        pipeline = make_pipeline(make_preprocessor(mask), clone(clf))
        aucs = cross_val_score(pipeline, table, is_synthetic, cv=folds, scoring="roc_auc")
        summary = mean_ci(aucs)
        per_classifier[name] = C2STClassifier(auc=summary.mean, ci_low=summary.ci_low, ci_high=summary.ci_high,
                                              fold_aucs=[float(a) for a in aucs],
                                              detection_score=detection_score(summary.mean))
    best = max(entry.auc for entry in per_classifier.values())
    return C2ST(auc=best, detection_score=detection_score(best), n_real=len(real), n_synthetic=len(synthetic),
                conditional=conditional, cv=cv, classifiers=per_classifier)


def discriminator_auc(model: Any, X_real: Any, y_real: Any, X_synthetic: Any, y_synthetic: Any, *,
                      held_out: bool = True) -> DiscriminatorAUC:
    """ROC-AUC of a fitted :class:`~augan.CGAN`'s discriminator separating real from synthetic rows.

    Parameters
    ----------
    model : CGAN
        A fitted GAN; :meth:`~augan.CGAN.discriminator_scores` gives each row's "realness".
    X_real, y_real : real rows and labels, ideally rows the GAN did not train on
    X_synthetic, y_synthetic : synthetic rows and labels
    held_out : bool, default=True
        Whether ``X_real`` was held out of the GAN's training; recorded in the result, since a discriminator
        scores its own training rows as more real than unseen real rows.

    Returns
    -------
    DiscriminatorAUC
        ``auc`` (0.5: the discriminator cannot tell them apart; near 1: it can, so the generator has not
        caught up; below 0.5: it finds synthetic rows more real), ``n_real``, ``n_synthetic``, ``held_out``.
    """
    if not hasattr(model, "discriminator_scores"):
        raise TypeError(f"model must be a fitted CGAN (with discriminator_scores), got {type(model).__name__}.")
    real = np.asarray(model.discriminator_scores(X_real, y_real), dtype=float).ravel()
    fake = np.asarray(model.discriminator_scores(X_synthetic, y_synthetic), dtype=float).ravel()
    truth = np.r_[np.ones(len(real)), np.zeros(len(fake))]
    return DiscriminatorAUC(auc=float(roc_auc_score(truth, np.r_[real, fake])), n_real=int(len(real)),
                            n_synthetic=int(len(fake)), held_out=bool(held_out))


def _distance_space(X_train: Any, categorical_features: Any) -> Any:
    if is_image_array(X_train):
        codec = ImageCodec().fit(X_train)
        return lambda X: codec.to_unit(X).reshape(len(X), -1)
    encoder = fit_encoder(X_train, categorical_features)
    return lambda X: encode(encoder, X)


def privacy_scores(X_train: Any, X_synthetic: Any, X_holdout: Any = None, *, max_samples: int = 5000,
                   categorical_features: Any = "auto", random_state: Any = None) -> Privacy:
    """Distance to closest record (DCR) of synthetic rows, against the same distance for real rows.

    Distances are Euclidean in the encoded space of :func:`~augan.metrics.encoding.make_preprocessor`
    fitted on ``X_train`` (standardised numbers, one-hot categories, missing-value indicators), or between
    pixel values in [0, 1] for images.

    Parameters
    ----------
    X_train : the real rows the GAN was trained on
    X_synthetic : synthetic rows
    X_holdout : real rows the GAN did not see, optional
        Their distance to the closest training row is what "close" means for genuinely new real data. Without
        them, each training row's distance to its closest other training row is used.
    max_samples : int, default=5000
        At most this many synthetic (and held-out) rows are measured.
    categorical_features : "auto", None, list of column names or indices, or boolean mask, default="auto"
        Tables: which columns are categories, as in :func:`augan.data.tabular.categorical_mask` (``"auto"``: boolean,
        string, object and category columns).
    random_state : int, RandomState instance or None
        Seeds the subsets of rows measured.

    Returns
    -------
    Privacy
        ``dcr_synthetic`` and ``dcr_real`` (5th percentile, median, mean), ``median_ratio`` (synthetic /
        real; well below 1 means synthetic rows sit closer to training rows than new real rows do),
        ``share_closer_than_real_p5`` (share of synthetic rows nearer to a training row than 95% of real
        rows are), ``exact_copies`` and ``exact_copy_share`` of synthetic rows identical to a training row,
        the ``real_exact_share`` of real rows with an identical training row, and ``copies_flagged``: True when
        synthetic rows copy training rows more often than real rows repeat them.
    """
    rng = check_random_state(random_state)
    to_space = _distance_space(X_train, categorical_features)
    train = to_space(X_train)
    synthetic = to_space(_subsample(X_synthetic, None, max_samples, rng)[0])
    neighbours = NearestNeighbors(n_neighbors=1).fit(train)
    dcr_synthetic, synthetic_copy = _closest(neighbours, train, synthetic, 1)
    if X_holdout is not None:
        holdout = to_space(_subsample(X_holdout, None, max_samples, rng)[0])
        dcr_real, real_copy = _closest(neighbours, train, holdout, 1)
        reference = "held-out real rows to their closest training row"
    else:
        dcr_real, real_copy = _closest(neighbours, train, train, min(2, len(train)))
        reference = "training rows to their closest other training row"
    copies = int(synthetic_copy.sum())
    real_share = float(real_copy.mean())
    p5 = float(np.percentile(dcr_real, 5))
    median_real = float(np.median(dcr_real))
    return Privacy(
        dcr_synthetic=quantiles(dcr_synthetic), dcr_real=quantiles(dcr_real), reference=reference,
        median_ratio=float(np.median(dcr_synthetic) / median_real) if median_real > 0 else None,
        share_closer_than_real_p5=float((dcr_synthetic < p5).mean()),
        exact_copies=copies, exact_copy_share=copies / len(dcr_synthetic), real_exact_share=real_share,
        copies_flagged=bool(copies / len(dcr_synthetic) > real_share),
        n_train=int(len(train)), n_synthetic=int(len(dcr_synthetic)), n_real_reference=int(len(dcr_real)),
    )


def _closest(neighbours: NearestNeighbors, train: np.ndarray, rows: np.ndarray, k: int) -> tuple:
    """Distance of each row to its k-th closest training row, and whether that row is an exact copy.

    Equality is tested on the values themselves: distances of identical rows come out near, not at, zero.
    """
    distance, index = neighbours.kneighbors(rows, n_neighbors=k)
    copy = np.all(rows == train[index[:, -1]], axis=1)
    return np.where(copy, 0.0, distance[:, -1]), copy

