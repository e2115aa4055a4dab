"""evaluate: one call that measures whether a GAN oversampler helps, and how good its synthetic data is."""

from __future__ import annotations

import contextlib
import numbers
import os
import sys
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from ._rows import take_rows
from ._validation import check_bool, check_feature_names, check_labels, check_n_samples, plain_value
from .data.images import is_image_array
from .data.labels import LabelCodec
from .metrics.detection import c2st, discriminator_auc, privacy_scores
from .metrics.encoding import as_rows, categorical_mask
from .metrics.results import Quality
from .metrics.utility import BASELINES, downstream_gain
from .oversampler import GANOversampler
from .report import Report, made_from_real_rows
from .seeding import checked_random_state, draw_seed
from .synthesizer import CGAN



def evaluate(X: Any, y: Any, *, sampler: Any = None, baselines: tuple = BASELINES, classifiers: Any = "default",
             cv: int = 5, n_repeats: int = 1, tstr: bool = True, quality: bool = True, model: CGAN | None = None,
             holdout: float = 0.2, weights_path: str | None = None, categorical_features: Any = "auto",
             random_state: Any = None, verbose: bool = True) -> Report:
    """Measure what a GAN oversampler does for classifiers on ``X, y``, and how real its synthetic data looks.

    Two parts:

    1. Downstream gain (:func:`~augan.metrics.utility.downstream_gain`): stratified repeated k-fold
       cross-validation; ``sampler`` and each baseline are fitted on the training folds only; classifiers are
       scored on the untouched test folds. Includes "tstr" (classifiers trained on synthetic rows only).
    2. Quality (``quality=True``): a clone of the sampler (a :class:`~augan.GANOversampler`) is fitted on a
       stratified ``1 - holdout`` share of the rows and asked to add as many rows to each class as the class has
       there; the synthetic rows it adds, drawn, kept and interpolated as it makes its new rows (its
       ``noise_scale``, ``selection``, ``candidates``, ``smote_share``, ``interpolation``), are scored. Real rows it
       would copy (``max_synthetic_ratio``, one-row classes) are not, and the real rows of a class it leaves
       alone (``isolated_classes``) are not compared. With ``model``, an already fitted CGAN,
       its own draws (``CGAN.sample`` at noise_scale 1, no selection or interpolation) are scored instead, as
       many per class as ``X`` holds. Then: FID / KID / precision-recall through torch-fidelity (overall and per
       class), a classifier two-sample test, the GAN discriminator's AUC on held-out real rows, and distances to
       the closest training row (privacy). The report's "Synthetic rows scored" table says which rows these are.

    Parameters
    ----------
    X : DataFrame, array-like of shape (n_samples, n_features), or image array
        A table (numeric, categorical, string columns; missing values allowed), or images of shape
        (n, H, W), (n, H, W, C) or (n, C, H, W).
    y : array-like of shape (n_samples,)
        Class labels.
    sampler : imbalanced-learn sampler, optional
        What to evaluate; default ``GANOversampler(random_state=random_state)``. For images a
        :class:`~augan.GANOversampler` gets ``image_shape`` set, since classifiers see images as pixel rows.
    baselines : tuple of {"none", "smote", "random"}, default=("none", "smote", "random")
        Reference methods (see :func:`~augan.metrics.utility.downstream_gain`).
    classifiers : "default", dict, list or classifier, default="default"
        Logistic regression, histogram gradient boosting and kNN by default.
    cv : int, default=5
        Cross-validation folds.
    n_repeats : int, default=1
        Repetitions of the k-fold split.
    tstr : bool, default=True
        Add the "train on synthetic, test on real" row.
    quality : bool, default=True
        Compute fidelity, detection and privacy scores.
    model : CGAN, optional
        A fitted CGAN to judge instead of fitting one; its training rows are unknown, so all of ``X`` serves as
        the real reference (the report says so). It must have been fitted on the classes and columns of ``X``
        (a categorical column of ``X`` holding only levels it saw in training), or on images of its shape and
        pixel scale (uint8 or floats in [0, 255], or floats in [0, 1]: its samples come back on its own scale).
    holdout : float, default=0.2
        Share of rows kept out of the quality GAN's training: the real rows that fidelity, the C2ST, the
        discriminator and privacy compare the synthetic rows with. 0 fits it on every row and compares with
        those, which favours a GAN that copies them.
    weights_path : str or os.PathLike, optional
        Images: local Inception-v3 weights for torch-fidelity's ``inception-v3-compat`` extractor
        (``weights-inception-2015-12-05-6726825d.pth``). Checked before any training: read with
        ``torch.load(weights_only=True)``, which runs no code from it, and its tensors compared with the network's.
        torch-fidelity itself would load it with ``weights_only=False`` (which can run code); it is given a copy
        of the checked tensors instead.
    categorical_features : "auto" or list, default="auto"
        Which columns are categorical, for SMOTENC and the classifiers' one-hot encoding.
    random_state : int, RandomState instance or None, default=None
        Seeds the splits, baselines, classifiers and metric computations.
    verbose : bool, default=True
        Progress bars on stderr.

    Returns
    -------
    Report
        ``print(report.summary())``; ``report.to_html(path)``, ``to_json``, ``to_markdown``, or ``save(path)``.

    Raises
    ------
    ValueError, TypeError
        On bad arguments or data too small for ``cv`` folds, all before any training.
    FileNotFoundError
        If ``weights_path`` names no file.
    """
    tstr, quality, verbose = (check_bool(value, name) for name, value in
                              (("tstr", tstr), ("quality", quality), ("verbose", verbose)))
    n_rows = check_n_samples(X)
    labels = check_labels(y, n_rows)
    if not isinstance(holdout, numbers.Real) or isinstance(holdout, bool) or not 0 <= holdout < 0.5:
        raise ValueError(f"holdout must be a number in [0, 0.5), got {holdout!r}.")
    if weights_path is not None:
        _check_weights_path(weights_path, X, quality)
    if model is not None:
        _check_model_type(model)
        check_is_fitted(model, "generator_")
        X = _check_model_matches(model, X, labels)
    rng = checked_random_state(random_state)
    sampler = _prepare_sampler(sampler, X, random_state)
    rows = as_rows(X)
    utility = downstream_gain(rows, labels, sampler=sampler, baselines=baselines, classifiers=classifiers, cv=cv,
                              n_repeats=n_repeats, tstr=tstr, categorical_features=categorical_features,
                              random_state=draw_seed(rng), verbose=verbose)
    history = utility.history
    notes = ["Intervals are t-intervals over CV folds; folds share training rows, so the real uncertainty is "
             "somewhat wider (Nadeau & Bengio, 2003)."]
    quality_results, artifacts = None, {}
    if quality:
        quality_results, artifacts, note = _quality(X, labels, sampler, model, holdout, weights_path,
                                                    categorical_features, rng, verbose)
        if quality_results is None:  # otherwise the note is quality_results.source, shown with the scores
            notes.append(note)
    history = artifacts.get("history") or history
    results = {
        "augan_version": _version(),
        "data": _describe(X, labels, categorical_features),
        "settings": {"cv": cv, "n_repeats": n_repeats, "tstr": bool(tstr), "quality": bool(quality),
                     "baselines": [baselines] if isinstance(baselines, str) else list(baselines), "holdout": holdout,
                     "random_state": random_state if isinstance(random_state, numbers.Integral) else None},
        "utility": utility,
        "quality": quality_results,
        "training": {"history": history} if history else None,
        "notes": notes,
    }
    return Report(results, {**artifacts, "history": history})


def _check_weights_path(weights_path: Any, X: Any, quality: bool) -> None:
    """Refuse, before the cross-validation, a ``weights_path`` the quality part would refuse or not use."""
    if not quality:
        raise ValueError("weights_path is used by the quality part, which quality=False skips; drop one of them.")
    from .metrics.fidelity import WEIGHTS_FOR_TABLE, check_inception_weights  # imports torch-fidelity: seconds

    if not is_image_array(X):
        raise ValueError(WEIGHTS_FOR_TABLE)
    check_inception_weights(weights_path)


def _check_model_type(model: Any) -> None:
    """Refuse a ``model`` that is not a CGAN, pointing to what to pass instead: scikit-learn's check names neither."""
    if isinstance(model, CGAN):
        return
    if isinstance(model, (str, os.PathLike)):
        raise TypeError(f"model must be a fitted CGAN, got the path {os.fspath(model)!r}: load it with "
                        f"augan.CGAN.load(path) and pass the result (the CLI's --model reads the file itself).")
    if isinstance(model, GANOversampler):
        raise TypeError("model must be a fitted CGAN, got a GANOversampler; its fitted GAN is its gan_ attribute, "
                        "or pass the oversampler as sampler=.")
    raise TypeError(f"model must be a fitted CGAN, got an object of type {type(model).__name__}.")


def _check_model_matches(model: CGAN, X: Any, labels: np.ndarray) -> Any:
    """Refuse, before the cross-validation, a ``model`` trained on other classes, other columns or other levels of
    a categorical column than ``X, y`` hold.

    Returns ``X`` with a DataFrame's columns in the model's order: its samples come in that order, which
    every comparison with ``X`` then shares.
    """
    images, model_images = is_image_array(X), model.codec_.kind == "image"
    if images != model_images or (images and tuple(X.shape[1:]) != model.input_shape_):
        trained_on = f"images of shape {model.input_shape_}" if model_images else "a table"
        holds = f"images of shape {tuple(X.shape[1:])}" if images else "a table"
        raise ValueError(f"the model (CLI: --model) was trained on {trained_on}, but the data holds {holds}; give "
                         f"the model trained on this data.")
    data_classes = LabelCodec().fit(labels).classes_.tolist()
    model_classes = model.classes_.tolist()
    if set(data_classes) != set(model_classes):
        listed = _listed if _listed(model_classes) != _listed(data_classes) else _listed_as_values
        raise ValueError(f"the model (CLI: --model) was trained on the classes {listed(model_classes)}, but the "
                         f"data holds {listed(data_classes)}; give the model trained on this data.")
    if images:
        # Its samples come back on the model's scale and the metrics read both sets on X's.
        model.codec_.check_scale(X, "the model (CLI: --model)")
        return X
    X = check_feature_names(X, getattr(model, "feature_names_in_", None), model.n_features_in_, "X",
                            "of the model (CLI: --model)")
    model.codec_.check_levels(X, "the model (CLI: --model)")
    return X


def _listed(values: list) -> str:
    return ", ".join(map(str, values))


def _listed_as_values(values: list) -> str:
    """The values as Python writes them, for two lists whose text is the same (text '0' against the number 0)."""
    return ", ".join(repr(plain_value(v)) for v in values)


def _prepare_sampler(sampler: Any, X: Any, random_state: Any) -> Any:
    if sampler is None:
        sampler = GANOversampler(random_state=random_state)
    if is_image_array(X) and isinstance(sampler, GANOversampler) and sampler.image_shape is None:
        sampler = clone(sampler).set_params(image_shape=tuple(X.shape[1:]))
    return sampler


class _Steps:
    """Runs named steps behind one progress bar on stderr."""

    def __init__(self, total: int, verbose: bool) -> None:
        self.bar = tqdm(total=total, desc="augan evaluate: quality", file=sys.stderr, disable=not verbose,
                        leave=False)

    def __call__(self, name: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        self.bar.set_postfix(step=name, refresh=True)
        out = function(*args, **kwargs)
        self.bar.update(1)
        return out

    def close(self) -> None:
        self.bar.close()


def _quality(X: Any, labels: np.ndarray, sampler: Any, model: CGAN | None, holdout: float, weights_path: Any,
             categorical_features: Any, rng: np.random.RandomState, verbose: bool) -> tuple[Quality | None, dict, str]:
    from .metrics.fidelity import fidelity_scores  # torch-fidelity takes seconds to import; only load it here

    if model is None and not isinstance(sampler, GANOversampler):
        return None, {}, (f"Quality scores need a GAN: pass model= (a fitted CGAN) or a GANOversampler as sampler; "
                          f"{type(sampler).__name__} has none.")
    seeds = iter([draw_seed(rng) for _ in range(6)])
    train, test = np.arange(len(labels)), np.arange(0)
    if model is None and holdout > 0:
        train, test = train_test_split(train, test_size=holdout, stratify=labels, random_state=next(seeds))
    X_train, y_train, X_test, y_test = take_rows(X, train), labels[train], take_rows(X, test), labels[test]
    held_out = len(test) > 0
    classes, counts = np.unique(y_train, return_counts=True)
    options = {"categorical_features": categorical_features}
    with contextlib.closing(_Steps(5, verbose)) as step:
        if model is None:
            gan, X_syn, y_syn, synthetic = step("fit the sampler, draw its rows", _sampler_rows, sampler, X_train,
                                                y_train)
            next(seeds)
        else:
            gan = model
            X_syn, y_syn = step("sample", gan.sample, y={c: int(k) for c, k in zip(classes, counts)},
                                return_y=True, random_state=next(seeds))
            synthetic = {"drawn_by": "model", "noise_scale": 1.0, "selection": None, "candidates": None,
                         "smote_share": 0.0, "interpolation": None, "n_generated": int(len(y_syn)),
                         "n_interpolated": 0, "n_copies_left_out": 0, "classes_left_alone": []}
        y_syn = np.asarray(y_syn)
        # The real rows every score compares with: the held-out ones, when there are. The training rows would
        # favour a GAN that copies them (a copy is never detected against the rows it copies).
        # Only the classes that have synthetic rows: not those the sampler copied (a single training row, which its
        # GAN did not learn) or left alone (isolated_classes), whose real rows nothing would match.
        X_ref, y_ref = _rows_of_classes(*((X_test, y_test) if held_out else (X_train, y_train)), np.unique(y_syn))
        # A class of 2-4 rows can have none held out: its synthetic rows would then be told from the real ones by
        # their label alone, so the comparisons leave them out.
        X_cmp, y_cmp = _rows_of_classes(X_syn, y_syn, np.unique(y_ref))
        scores = {
            "fidelity": step("fidelity", fidelity_scores, X_ref, y_ref, X_cmp, y_cmp, weights_path=weights_path,
                             random_state=next(seeds), **options),
            "c2st": step("c2st", c2st, X_ref, X_cmp, y_real=y_ref, y_synthetic=y_cmp, random_state=next(seeds),
                         **options),
            "discriminator": step("discriminator", discriminator_auc, gan, X_ref, y_ref, X_syn, y_syn,
                                  held_out=held_out),
            "privacy": step("privacy", privacy_scores, X_train, X_syn, X_test if held_out else None,
                            random_state=next(seeds), **options),
        }
    source = _quality_source(synthetic, holdout, len(test))
    results = Quality(source=source, n_train=int(len(train)), n_holdout=int(len(test)), **scores,
                      synthetic=synthetic)
    artifacts = {"X_real": X_train, "y_real": y_train, "X_synthetic": X_syn, "y_synthetic": y_syn, "model": gan,
                 "history": getattr(gan, "history_", None)}
    return results, artifacts, source


def _rows_of_classes(X: Any, y: np.ndarray, classes: Any) -> tuple[Any, np.ndarray]:
    """The rows of ``X, y`` whose class is one of ``classes``."""
    keep = np.isin(y, classes)
    return (X, y) if keep.all() else (take_rows(X, np.flatnonzero(keep)), y[keep])


def _sampler_rows(sampler: GANOversampler, X: Any, y: np.ndarray) -> tuple[CGAN, Any, np.ndarray, dict]:
    """Fit a clone of ``sampler`` on ``X, y`` and return its GAN, the synthetic rows it adds, and how they were made.

    The clone is asked to add as many rows to each class as the class has, so the synthetic rows mirror the
    real classes; they are drawn, kept and interpolated as the sampler makes its new rows. Real rows the sampler
    would copy (``max_synthetic_ratio``, one-row classes) are not synthetic and are left out, and a class it leaves
    alone (``isolated_classes``) has none.
    """
    classes, counts = np.unique(y, return_counts=True)
    oversampler = clone(sampler).set_params(sampling_strategy={c: 2 * int(k) for c, k in zip(classes, counts)},
                                            max_synthetic_ratio=None)
    images = is_image_array(X)
    X_out, y_out = oversampler.fit_resample(as_rows(X) if images else X, y)
    lone, isolated = oversampler.copied_classes_, oversampler.isolated_classes_
    new = len(y) + np.flatnonzero(~np.isin(np.asarray(y_out)[len(y):], lone))
    X_new, y_new = take_rows(X_out, new), np.asarray(y_out)[new]
    if images:
        X_new = np.asarray(X_new).reshape((len(new),) + X.shape[1:])
    made = {c: int(k) for c, k in zip(classes, counts) if c not in lone and c not in isolated}
    interpolated = sum(round(k * oversampler.smote_share_) for k in made.values())
    synthetic = {"drawn_by": "sampler", "noise_scale": float(oversampler.noise_scale_),
                 "selection": oversampler.selection_,
                 "candidates": float(oversampler.candidates) if oversampler.selection_ is not None else None,
                 "smote_share": float(oversampler.smote_share_),
                 "interpolation": oversampler._interpolation_kind() if interpolated else None,
                 "n_generated": int(len(y_new) - interpolated), "n_interpolated": int(interpolated),
                 "n_copies_left_out": int(np.isin(y, lone).sum()) if len(lone) else 0,
                 "classes_left_alone": [str(plain_value(c)) for c in isolated]}
    return oversampler.gan_, X_new, y_new, synthetic


def _quality_source(synthetic: dict, holdout: float, n_holdout: int) -> str:
    if synthetic["drawn_by"] == "model":
        return ("model passed in: scored its own draws (CGAN.sample at noise_scale=1, no selection, no "
                "interpolation; the sampler's settings do not apply), as many per class as X holds; its training "
                "rows are unknown, so every row of X is the real reference and no real row counts as held out.")
    where = (f"a stratified {1 - holdout:.0%} of the rows" if n_holdout else "every row (holdout=0)")
    text = (f"quality GAN fitted on {where} by a clone of the sampler; scored: the rows the sampler adds, made as "
            f"it makes them ({_how_drawn(synthetic)}), as many per class as the GAN trained on")
    if synthetic["n_copies_left_out"]:
        text += f"; {synthetic['n_copies_left_out']} copies of one-row classes' real rows are not scored"
    if synthetic.get("classes_left_alone"):
        text += (f"; the sampler adds no rows to class(es) {', '.join(synthetic['classes_left_alone'])} "
                 f"(isolated_classes), whose real rows are not compared")
    if synthetic["selection"] == "discriminator":
        text += ("; the discriminator chose these rows among its candidates, so its AUC leans towards 'real'")
    if n_holdout:
        return text + (f"; the other {n_holdout} rows are held out: the real rows that fidelity, the two-sample test, "
                       f"the discriminator and privacy compare with.")
    return text + "; no real row is held out, so every score compares with the training rows, which favours copies."


def _how_drawn(synthetic: dict) -> str:
    selection = synthetic["selection"]
    kept = (f"selection={selection!r} keeping the best of {synthetic['candidates']} candidates per row"
            if selection is not None else "selection=None")
    made = f"{synthetic['n_generated']} drawn by the GAN"
    if synthetic["n_interpolated"]:
        made += f", {synthetic['n_interpolated']} {made_from_real_rows(synthetic['interpolation'])}"
    return (f"noise_scale={synthetic['noise_scale']}, {kept}, smote_share={synthetic['smote_share']}: "
            f"{made}")


def _describe(X: Any, labels: np.ndarray, categorical_features: Any) -> dict:
    classes, counts = np.unique(labels, return_counts=True)
    data = {"kind": "image" if is_image_array(X) else "table", "n_samples": int(len(labels)),
            "classes": {str(c): int(k) for c, k in zip(classes.tolist(), counts)}}
    if is_image_array(X):
        data.update(n_features=int(np.prod(X.shape[1:])), image_shape=list(X.shape[1:]))
    else:
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
        mask = categorical_mask(frame, categorical_features)
        data.update(n_features=int(frame.shape[1]),
                    categorical_columns=[str(c) for c, m in zip(frame.columns, mask) if m])
    return data


def _version() -> str:
    from . import __version__

    return __version__
