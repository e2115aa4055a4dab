"""Downstream gain: does oversampling help a classifier on the user's own data?

Stratified, repeated k-fold cross-validation on the real rows. In every fold each sampler (augan's, SMOTE,
random oversampling, or none) is fitted on the training rows of that fold only, each classifier is trained
on the resampled training rows and scored on the untouched test rows. "tstr" (train on synthetic, test on
real) trains the classifiers on rows drawn from the fold's GAN alone. Scores are reported as the mean over
folds with a 95% t-interval, and as the paired per-fold difference to "none" and to "smote".

The t-interval treats folds as independent draws; folds share training rows, so the true uncertainty is
somewhat larger than the interval says (Nadeau & Bengio, 2003). Read a difference whose interval only
just excludes zero as weak evidence.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pandas as pd
from imblearn.metrics import geometric_mean_score
from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC, RandomOverSampler
from sklearn.base import clone, is_classifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, balanced_accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils import check_random_state
from tqdm.auto import tqdm

from .._rows import take_rows
from .._validation import check_labels, check_positive_int, plain_value
from ..seeding import draw_seed
from .encoding import _to_float, _to_str, categorical_mask, make_preprocessor
from .results import DownstreamGain, GainEntry, GainSetup, MeanCI
from .statistics import mean_ci

METRICS = ("balanced_accuracy", "g_mean", "f1", "roc_auc", "pr_auc")
BASELINES = ("none", "smote", "random")
ALL_CLASSIFIERS = "all"


def default_classifiers(random_state: Any = None) -> dict[str, Any]:
    """Logistic regression, histogram gradient boosting and 5-nearest neighbours (unfitted, no preprocessing)."""
    seed = draw_seed(random_state)
    return {
        "logistic_regression": LogisticRegression(max_iter=2000),
        "hist_gradient_boosting": HistGradientBoostingClassifier(random_state=seed),
        "knn": KNeighborsClassifier(n_neighbors=5),
    }


def make_classifiers(classifiers: Any, mask: list[bool], random_state: Any = None) -> dict[str, Any]:
    """Name each classifier and put the shared preprocessor in front of it.

    Parameters
    ----------
    classifiers : "default", dict {name: classifier}, list of classifiers, or one classifier
        Scikit-learn classifiers. A :class:`~sklearn.pipeline.Pipeline` is used as given (it must read the
        raw table itself); any other classifier gets :func:`~augan.metrics.encoding.make_preprocessor` in front.
    mask : list of bool
        Which columns are categorical.

    Raises
    ------
    TypeError
        If ``classifiers`` is not one of the accepted forms or holds something that is not a classifier.
    """
    if isinstance(classifiers, str):
        if classifiers != "default":
            raise ValueError(f"classifiers={classifiers!r}: use 'default', a dict, a list or a classifier.")
        named = default_classifiers(random_state)
    elif isinstance(classifiers, dict):
        named = dict(classifiers)
    elif isinstance(classifiers, (list, tuple)):
        named = {}
        for clf in classifiers:
            name = type(clf).__name__
            named[name if name not in named else f"{name}_{len(named)}"] = clf
    elif hasattr(classifiers, "fit"):
        named = {type(classifiers).__name__: classifiers}
    else:
        raise TypeError(f"classifiers must be 'default', a dict, a list or a classifier, "
                        f"got {type(classifiers).__name__}.")
    if not named:
        raise ValueError("classifiers is empty; give at least one classifier.")
    for name, clf in named.items():
        if not (hasattr(clf, "fit") and hasattr(clf, "predict")) or not is_classifier(clf):
            raise TypeError(f"classifiers[{name!r}] is not a scikit-learn classifier: {clf!r}.")
    return {str(name): clf if isinstance(clf, Pipeline) else make_pipeline(make_preprocessor(mask), clf)
            for name, clf in named.items()}


def smote_class(mask: list[bool]) -> type:
    """SMOTE for numeric tables, SMOTENC for mixed ones, SMOTEN when every column is categorical."""
    return SMOTEN if all(mask) else SMOTENC if any(mask) else SMOTE


def smote_for(mask: list[bool], k_neighbors: int, random_state: int) -> Any:
    """The SMOTE variant :func:`smote_class` picks, configured for these columns."""
    cls = smote_class(mask)
    if cls is SMOTENC:
        return SMOTENC(categorical_features=[i for i, c in enumerate(mask) if c], k_neighbors=k_neighbors,
                       random_state=random_state)
    return cls(k_neighbors=k_neighbors, random_state=random_state)


def _complete_rows(X: Any, mask: list[bool]) -> Any:
    """Rows SMOTE can interpolate: numeric gaps filled with the column median, categories as strings."""
    frame = pd.DataFrame(X).copy() if not isinstance(X, pd.DataFrame) else X.copy()
    for j, (name, is_cat) in enumerate(zip(frame.columns, mask)):
        if is_cat:
            frame[name] = _to_str(frame.iloc[:, [j]])[:, 0]
        else:
            values = _to_float(frame.iloc[:, [j]])[:, 0]
            fill = np.nanmedian(values) if np.isfinite(values).any() else 0.0
            frame[name] = np.where(np.isnan(values), fill, values)
    if isinstance(X, pd.DataFrame):
        return frame
    return frame.to_numpy(dtype=object if any(mask) else float)


def _score_matrix(model: Any, X: Any, classes: np.ndarray) -> np.ndarray:
    """Per-class scores of ``model`` on ``X`` (probabilities, or decision values), columns in ``classes`` order."""
    if hasattr(model, "predict_proba"):
        raw = np.asarray(model.predict_proba(X), dtype=float)
    else:
        raw = np.asarray(model.decision_function(X), dtype=float)
        if raw.ndim == 1:
            raw = np.column_stack([-raw, raw])
    order = {c: i for i, c in enumerate(model.classes_.tolist())}
    scores = np.full((raw.shape[0], len(classes)), -np.inf if not hasattr(model, "predict_proba") else 0.0)
    for k, c in enumerate(classes.tolist()):
        if c in order:
            scores[:, k] = raw[:, order[c]]
    return scores


def classification_scores(model: Any, X_test: Any, y_test: np.ndarray, classes: np.ndarray,
                          positive: Any) -> dict[str, float]:
    """Balanced accuracy, G-mean, F1 (of ``positive`` for two classes, else macro), ROC-AUC and PR-AUC
    (of ``positive``, else one-vs-rest macro) of a fitted ``model`` on real test rows."""
    pred = model.predict(X_test)
    scores = _score_matrix(model, X_test, classes)
    if len(classes) == 2:
        k = int(np.flatnonzero(classes == positive)[0])
        truth = y_test == positive
        f1 = f1_score(y_test, pred, labels=classes, pos_label=positive, average="binary", zero_division=0)
        roc = roc_auc_score(truth, scores[:, k])
        pr = average_precision_score(truth, scores[:, k])
    else:
        f1 = f1_score(y_test, pred, labels=classes, average="macro", zero_division=0)
        roc = float(np.mean([roc_auc_score(y_test == c, scores[:, k]) for k, c in enumerate(classes)]))
        pr = float(np.mean([average_precision_score(y_test == c, scores[:, k]) for k, c in enumerate(classes)]))
    return {
        "balanced_accuracy": float(balanced_accuracy_score(y_test, pred)),
        "g_mean": float(geometric_mean_score(y_test, pred, labels=classes, average="multiclass")),
        "f1": float(f1), "roc_auc": float(roc), "pr_auc": float(pr),
    }


def _method_names(sampler: Any, baselines: Any) -> tuple[list[str], str | None]:
    baselines = (baselines,) if isinstance(baselines, str) else tuple(baselines)
    bad = [b for b in baselines if b not in BASELINES]
    if bad:
        raise ValueError(f"baselines holds unknown name(s) {bad}; valid names: {list(BASELINES)}.")
    methods = list(dict.fromkeys(baselines))
    if sampler is None:
        return methods, None
    if not hasattr(sampler, "fit_resample"):
        raise TypeError(f"sampler must have fit_resample (an imbalanced-learn sampler), got {type(sampler).__name__}.")
    # Recognised by its GAN parameter rather than its class: metrics sit below the oversampler and do not import it.
    name = "augan" if hasattr(sampler, "gan") else type(sampler).__name__.lower()
    while name in methods:
        name += "*"
    return methods + [name], name


def _check_folds(labels: np.ndarray, cv: int, n_repeats: int, methods: list[str],
                 gan_sampler: bool = False) -> tuple[np.ndarray, np.ndarray]:
    check_positive_int(cv, "cv")
    check_positive_int(n_repeats, "n_repeats")
    if cv < 2:
        raise ValueError(f"cv={cv}: cross-validation needs at least 2 folds.")
    classes, counts = np.unique(labels, return_counts=True)
    rarest = plain_value(classes[counts.argmin()])
    if len(classes) < 2:
        raise ValueError(f"y has a single class ({plain_value(classes[0])!r}); the evaluation needs at least two.")
    if counts.min() < cv:
        limit = f"cv must be at most {counts.min()}" if counts.min() >= 2 else "cross-validation needs at least 2"
        raise ValueError(f"cv={cv} folds need at least {cv} rows of every class, but class "
                         f"{rarest!r} has {counts.min()}; {limit}.")
    smallest = int(counts.min())
    if "smote" in methods and _training_rows(smallest, cv) < 2:
        # More folds leave more rows in each training fold; cv may not exceed the smallest class.
        workable = [k for k in range(cv + 1, smallest + 1) if _training_rows(smallest, k) >= 2]
        advice = f"use cv={workable[0]}" if workable else "no number of folds leaves it 2"
        raise ValueError(f"SMOTE needs at least 2 rows of each class in every training fold; class "
                         f"{rarest!r} has {smallest} rows, of which a training fold holds "
                         f"{_training_rows(smallest, cv)} at cv={cv}: {advice}, or drop 'smote' from baselines "
                         f"(CLI: --baselines).")
    if gan_sampler and _learnable(counts, cv) < 2:
        # A GAN learns the classes of at least 2 rows (it copies a single row); the training fold must hold two.
        workable = [k for k in range(cv + 1, smallest + 1) if _learnable(counts, k) >= 2]
        advice = f"use cv={workable[0]}" if workable else "no number of folds leaves two such classes"
        short = ", ".join(f"{_training_rows(n, cv)} row(s) of class {plain_value(c)!r} (of its {n})"
                          for c, n in zip(classes, counts.tolist()) if _training_rows(n, cv) < 2)
        raise ValueError(f"the GAN learns only the classes with at least 2 rows in a training fold, and "
                         f"needs two such classes; at cv={cv} a training fold holds as few as {short}: {advice}, "
                         f"or give more rows of the small classes.")
    return classes, counts


def _learnable(counts: np.ndarray, cv: int) -> int:
    """How many classes of ``counts`` rows keep at least 2 in every training fold of a ``cv``-fold split."""
    return sum(_training_rows(int(n), cv) >= 2 for n in counts)


def _training_rows(rows: int, cv: int) -> int:
    """The fewest of ``rows`` that a training fold of a stratified ``cv``-fold split holds."""
    return rows - int(np.ceil(rows / cv))


def downstream_gain(X: Any, y: Any, *, sampler: Any = None, baselines: tuple = BASELINES,
                    classifiers: Any = "default", cv: int = 5, n_repeats: int = 1, tstr: bool = True,
                    categorical_features: Any = "auto", random_state: Any = None,
                    verbose: bool = True) -> DownstreamGain:
    """Cross-validated classifier scores with and without oversampling, samplers fitted on training folds only.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_features)
        The real table (numeric, categorical and string columns, missing values allowed).
    y : array-like of shape (n_samples,)
        Class labels.
    sampler : imbalanced-learn sampler, optional
        The sampler under test, e.g. :class:`~augan.GANOversampler`; cloned in every fold.
    baselines : tuple of {"none", "smote", "random"}, default=("none", "smote", "random")
        Reference methods. "smote" is SMOTE, SMOTENC (mixed columns) or SMOTEN (all categorical) with
        ``k_neighbors = min(5, rows of the smallest class in the training fold - 1)``; "random" is
        :class:`~imblearn.over_sampling.RandomOverSampler`.
    classifiers : "default", dict, list or classifier, default="default"
        See :func:`make_classifiers`.
    cv : int, default=5
        Folds of :class:`~sklearn.model_selection.RepeatedStratifiedKFold`.
    n_repeats : int, default=1
        Repetitions of the k-fold split with different shuffles.
    tstr : bool, default=True
        Add the method "tstr": classifiers trained only on synthetic rows from the fold's GAN (as many rows
        per class as the training fold has; none of a class the GAN did not learn, which is a class of a single
        row in the fold that the sampler copies), tested on the real test rows. Needs a sampler with a fitted
        ``gan_`` (as :class:`~augan.GANOversampler` has).
    categorical_features : "auto" or list, default="auto"
        Which columns are categorical (see :func:`~augan.metrics.encoding.categorical_mask`).
    random_state : int, RandomState instance or None, default=None
        Seeds the splits, the baselines and the default classifiers (the ``sampler`` keeps its own).
    verbose : bool, default=True
        Progress bar over folds on stderr.

    Returns
    -------
    result : DownstreamGain
        ``setup`` (methods, classifiers, folds, SMOTE variant, positive class), ``folds`` (one record per
        fold, method and classifier), ``table`` (per method, classifier — ``"all"`` is the per-fold mean
        over classifiers — and metric: mean, 95% interval, and paired differences ``vs_none`` and ``vs_smote``)
        and ``history`` (the first fold GAN's training history); ``result.to_dict()`` gives plain values.

    Raises
    ------
    ValueError, TypeError
        On bad arguments, or classes too small for ``cv`` folds.
    """
    n_rows = X.shape[0] if hasattr(X, "shape") else len(X)
    labels = check_labels(y, n_rows)
    methods, sampler_name = _method_names(sampler, baselines)
    classes, counts = _check_folds(labels, cv, n_repeats, methods, gan_sampler=hasattr(sampler, "gan"))
    positive = classes[counts.argmin()]
    mask = categorical_mask(X, categorical_features)
    rng = check_random_state(random_state)
    models = make_classifiers(classifiers, mask, draw_seed(rng))
    splitter = RepeatedStratifiedKFold(n_splits=cv, n_repeats=n_repeats, random_state=draw_seed(rng))
    run_tstr = bool(tstr) and sampler_name is not None
    records: list[dict] = []
    history = None
    splits = list(splitter.split(np.zeros(n_rows), labels))
    with tqdm(total=len(splits), desc="augan evaluate: folds", unit="fold", file=sys.stderr,
              disable=not verbose, leave=False) as bar:
        for i, (train, test) in enumerate(splits):
            X_tr, y_tr, X_te, y_te = take_rows(X, train), labels[train], take_rows(X, test), labels[test]
            fold = {"repeat": i // cv, "fold": i % cv, "n_test": len(test)}
            for method in methods:
                bar.set_postfix(method=method, refresh=True)
                X_fit, y_fit, fitted = _resample(method, sampler if method == sampler_name else None, X_tr, y_tr,
                                                 mask, draw_seed(rng))
                records += _fit_and_score(models, X_fit, y_fit, X_te, y_te, classes, positive,
                                          {**fold, "method": method, "n_train": len(y_fit)})
                if method == sampler_name and getattr(fitted, "gan_", None) is not None:
                    history = history or getattr(fitted.gan_, "history_", None)
                    if run_tstr:
                        X_syn, y_syn = _synthetic_training_set(fitted, y_tr, draw_seed(rng))
                        records += _fit_and_score(models, X_syn, y_syn, X_te, y_te, classes, positive,
                                                  {**fold, "method": "tstr", "n_train": len(y_syn)})
            bar.update(1)
    if any(r["method"] == "tstr" for r in records):
        methods.append("tstr")
    setup = GainSetup(
        methods=methods, sampler=sampler_name, sampler_repr=repr(sampler) if sampler is not None else None,
        classifiers={name: repr(model[-1]) for name, model in models.items()}, cv=cv, n_repeats=n_repeats,
        n_folds=len(splits), metrics=list(METRICS),
        positive_class=plain_value(positive) if len(classes) == 2 else None,
        smote_variant=smote_class(mask).__name__ if "smote" in methods else None,
        f1="f1 of the minority class" if len(classes) == 2 else "macro f1",
        auc_average="minority class" if len(classes) == 2 else "one-vs-rest macro",
        interval="95% t-interval over folds",
    )
    return DownstreamGain(setup=setup, folds=records, table=summarize(records, methods, list(models)),
                          history=history)


def _resample(method: str, sampler: Any, X: Any, y: np.ndarray, mask: list[bool], seed: int) -> tuple:
    if method == "none":
        return X, y, None
    if method == "random":
        fitted = RandomOverSampler(random_state=seed)
        return (*fitted.fit_resample(X, y), fitted)
    if method == "smote":
        k = min(5, int(np.unique(y, return_counts=True)[1].min()) - 1)
        fitted = smote_for(mask, k, seed)
        return (*fitted.fit_resample(_complete_rows(X, mask), y), fitted)
    fitted = clone(sampler)
    return (*fitted.fit_resample(X, y), fitted)


def _synthetic_training_set(fitted: Any, y_train: np.ndarray, seed: int) -> tuple[Any, np.ndarray]:
    # A class the GAN did not learn (a single row in the fold, which the sampler copies) has no synthetic rows.
    learned = set(fitted.gan_.classes_.tolist())
    classes, counts = np.unique(y_train, return_counts=True)
    X_syn, y_syn = fitted.gan_.sample(y={c: int(k) for c, k in zip(classes, counts) if c in learned},
                                      return_y=True, random_state=seed)
    if getattr(fitted, "image_shape", None) is not None:
        X_syn = X_syn.reshape(X_syn.shape[0], -1)
    return X_syn, np.asarray(y_syn)


def _fit_and_score(models: dict, X_fit: Any, y_fit: np.ndarray, X_test: Any, y_test: np.ndarray,
                   classes: np.ndarray, positive: Any, context: dict) -> list[dict]:
    rows = []
    for name, model in models.items():
        fitted = clone(model).fit(X_fit, y_fit)
        rows.append({**context, "classifier": name,
                     **classification_scores(fitted, X_test, y_test, classes, positive)})
    return rows


def summarize(records: list[dict], methods: list[str], classifier_names: list[str]) -> list[GainEntry]:
    """Mean and 95% interval per method, classifier and metric, with paired differences to "none" and "smote".

    The classifier ``"all"`` is, fold by fold, the mean over classifiers.
    """
    frame = pd.DataFrame(records)
    per_fold = frame.groupby(["method", "repeat", "fold"], sort=True)[list(METRICS)].mean().reset_index()
    per_fold["classifier"] = ALL_CLASSIFIERS
    frame = pd.concat([frame, per_fold], ignore_index=True)
    table = []
    for classifier in [ALL_CLASSIFIERS] + list(classifier_names):
        subset = frame[frame["classifier"] == classifier]
        by_method = {m: g.sort_values(["repeat", "fold"]) for m, g in subset.groupby("method", sort=False)}
        for method in methods:
            if method not in by_method:
                continue
            rows = by_method[method]
            for metric in METRICS:
                paired = {base: _paired(rows, by_method[base], metric) if base in by_method and base != method
                          else None for base in ("none", "smote")}
                table.append(GainEntry(method=method, classifier=classifier, metric=metric,
                                       score=mean_ci(rows[metric].to_numpy()), vs_none=paired["none"],
                                       vs_smote=paired["smote"]))
    return table


def _paired(rows: pd.DataFrame, base: pd.DataFrame, metric: str) -> MeanCI:
    merged = rows[["repeat", "fold", metric]].merge(base[["repeat", "fold", metric]], on=["repeat", "fold"],
                                                    suffixes=("", "_base"))
    return mean_ci(merged[metric].to_numpy() - merged[f"{metric}_base"].to_numpy())

