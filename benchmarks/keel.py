"""Downstream gain of oversampling on imbalanced KEEL data (BENCHMARK.md, section 1).

For every data set of the chosen suites (``keel_data``): ``RepeatedStratifiedKFold(n_splits=5, n_repeats=2,
random_state=0)``; in each fold every method of ``keel_methods`` balances the training rows (the method's
seed is the fold's index), then logistic regression and 5-NN (both behind a StandardScaler) and a decision
tree are fitted on the result and scored on the untouched test rows: balanced accuracy, G-mean (geometric
mean of the per-class recalls), F1 of the minority class (macro F1 for several classes) and ROC-AUC
(one-vs-rest macro for several classes); multiclass metrics average over the classes present in the test fold.
A method that fails on a fold falls back to no resampling there, and is counted and named in the report.

Reported per suite: the mean of each metric over data sets x folds x classifiers; the mean rank of each
method (ranked within each data set x classifier x metric on the fold-mean, 1 = best, ties averaged);
augan's margins: each augan (default or variant) ranked in place of the default among the other methods,
its rank margin over the best of them and over SMOTE, and the paired differences of balanced accuracy and
G-mean, each with a 95% t-interval over data sets; each augan variant against the default, paired by seed
(rank in place and every metric, variant minus default, with intervals over data sets; then every data set where
the variant moved a metric, and how many it left exactly as they were); augan's wins / ties /
losses against SMOTE and CTGAN (same cells; a tie is a difference below 0.0005); the resampling time per fold
(fit + sample); every failure, with its reason.

One run of the folds is one draw of every method's random numbers: a single run's mean rank moves by a few
tenths when augan's numbers change (benchmarks/NOTES.md). ``augan[seed=K]`` is a replicate of augan that draws
other numbers (its seeds are the fold's index + 1000 K); the margins average a method over its replicates, so

    PYTHONPATH=. .venv-bench/bin/python benchmarks/keel.py --suite binary --jobs 2 --seeds 3 --reuse ...

runs augan, ``augan[seed=1]`` and ``augan[seed=2]`` (and the same for each variant named) beside the other
methods, and reports the default over three seeds. A run with fewer data sets, folds,
methods or CTGAN epochs than the protocol writes a "(partial run)" section, never the full one.

    PYTHONPATH=. .venv-bench/bin/python benchmarks/keel.py --suite binary --jobs 2   # ~1-2 hours on 2 cores
    PYTHONPATH=. .venv-bench/bin/python benchmarks/keel.py --datasets ecoli1 yeast4 --folds 2 --ctgan-epochs 10

A slow method need not run at every commit: ``--records DIR`` keeps a run's per-fold rows, and ``--reuse DIR``
reports the folds of methods other than augan from there instead of running them, when the protocol
(data, splits, classifiers, scoring, the method's code, package versions) is the same (keel_records.py).
The committed ``benchmarks/records/`` folders hold such runs; the section's header names their commits.

    PYTHONPATH=. .venv-bench/bin/python benchmarks/keel.py --suite binary --jobs 2 --reuse benchmarks/records/*

A screen of new augan variants need not fit the default again either: ``--reuse-augan`` also takes augan's folds
(the default's and its replicates') from the ``--reuse`` folders, as the augan of their commit made them; the
variants' table pairs each new variant with them seed by seed:

    PYTHONPATH=. .venv-bench/bin/python benchmarks/keel.py --suite binary --jobs 2 --seeds 3 --no-results
        --reuse DEFAULT_RUN benchmarks/records/ctgan-binary --reuse-augan --methods <the others> augan "augan[...]"

Such a run writes RESULTS.md only when the augan of the records' commits is this checkout's, docstrings and
comments aside (keel_records.augan_code); so a section is written again from a run's records, in seconds, when
only the reporting or the documentation changed since (the section's header names the records' commit):

    PYTHONPATH=. .venv-bench/bin/python benchmarks/keel.py --suite binary --seeds 3 --reuse-augan
        --reuse benchmarks/records/keel-binary benchmarks/records/ctgan-binary --methods <the run's methods>

Variants named in a run that writes a section are screened beside it: the headline tables (means, ranks, wins,
G-mean per data set) hold the protocol's methods only, and each variant is ranked in place of the default in the
variants' tables, so a screen that shares the default's fits (keel_methods.py) costs a section run little and
moves none of its headline numbers.

Two development suites (keel_data_dev.py: ``multiclass-dev``, 6 numeric multiclass sets, and ``mixed-dev``, 7
mixed-type sets, missing values included) widen the multiclass and mixed suites for tuning, so that a lever is
judged on 12 data sets of each kind rather than 6 and 5 (``--suite dev``). They are not part of the protocol of
BENCHMARK.md; CTGAN is not run on them (300 epochs on nursery's 12,960 rows alone would take hours), so their
sections are partial runs.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from imblearn.metrics import geometric_mean_score
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

import keel_records
import keel_data
from keel_data import Dataset
from keel_data_dev import DEV_SUITES, load_dev
from keel_methods import METHODS, Fold, augan_variant, resample, resolve_methods
from results import git_commit, hardware, interval, markdown_table, section_header, update_section

METRICS = ("balanced_accuracy", "g_mean", "f1", "roc_auc")
METRIC_NAMES = {"balanced_accuracy": "bal. acc.", "g_mean": "G-mean", "f1": "minority F1", "roc_auc": "ROC-AUC"}
F1_NAMES = {(True, False): "minority F1", (False, True): "macro F1",
            (True, True): "F1 (minority; macro for the multiclass sets)"}  # by (any binary set, any multiclass set)
RANK_DIGITS = 12  # fold means equal up to float rounding are ties
N_SPLITS, N_REPEATS = 5, 2
FULL_CTGAN_EPOCHS = 300
TIE = 0.0005
# The benchmark's suites (BENCHMARK.md), then the development suites that widen the multiclass and mixed ones.
SUITES = {**keel_data.SUITES, **DEV_SUITES}


def load(name: str) -> Dataset:
    """The data set ``name`` of any suite, the development ones included."""
    return load_dev(name) if any(name in names for names in DEV_SUITES.values()) else keel_data.load(name)


def classifiers() -> dict:
    return {
        "LR": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        "kNN": make_pipeline(StandardScaler(), KNeighborsClassifier(5)),
        "DT": DecisionTreeClassifier(random_state=0),
    }


def splits(dataset: Dataset, folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    cv = RepeatedStratifiedKFold(n_splits=N_SPLITS, n_repeats=N_REPEATS, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # classes with fewer rows than folds (abalone, ecoli): reported by data
        return list(cv.split(np.zeros(len(dataset.y)), dataset.y))[:folds]


def _take(X: np.ndarray | pd.DataFrame, index: np.ndarray) -> np.ndarray | pd.DataFrame:
    return X.iloc[index].reset_index(drop=True) if isinstance(X, pd.DataFrame) else X[index]


def _probabilities(model, X: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """predict_proba with one column per class of the whole data set (0 for classes the fold lacked)."""
    raw = model.predict_proba(X)
    out = np.zeros((len(X), len(classes)))
    where = {c: k for k, c in enumerate(classes.tolist())}
    for j, c in enumerate(model.classes_.tolist()):
        out[:, where[c]] = raw[:, j]
    return out


def score(model, X_test: np.ndarray, y_test: np.ndarray, classes: np.ndarray, minority) -> dict[str, float]:
    pred = model.predict(X_test)
    proba = _probabilities(model, X_test, classes)
    present = np.unique(y_test)
    if len(classes) == 2:
        f1 = f1_score(y_test, pred, pos_label=minority, average="binary", zero_division=0)
        auc = roc_auc_score(y_test == minority, proba[:, list(classes).index(minority)])
    else:
        f1 = f1_score(y_test, pred, labels=present, average="macro", zero_division=0)
        auc = np.mean([roc_auc_score(y_test == c, proba[:, k]) for k, c in enumerate(classes)
                       if c in present and (y_test != c).any()])
    return {"balanced_accuracy": balanced_accuracy_score(y_test, pred),
            "g_mean": geometric_mean_score(y_test, pred, labels=present, average="multiclass"),
            "f1": f1, "roc_auc": auc}


def run_fold(dataset: Dataset, index: int, train: np.ndarray, test: np.ndarray, methods: list[str],
             ctgan_epochs: int, threads: int) -> tuple[list[dict], list[dict], float]:
    """Every method and classifier on one fold; returns score rows, sampler rows and the seconds taken."""
    from threadpoolctl import threadpool_limits

    start = time.perf_counter()
    torch.set_num_threads(threads)
    classes, counts = np.unique(dataset.y, return_counts=True)
    minority = classes[np.argmin(counts)]
    key = {"dataset": dataset.name, "fold": index}
    scores, samplers = [], []
    with threadpool_limits(threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fold = Fold(_take(dataset.X, train), dataset.y[train], dataset.categorical, seed=index,
                    ctgan_epochs=ctgan_epochs)
        X_test, y_test = fold.encode(_take(dataset.X, test)), dataset.y[test]
        for method in methods:
            X_fit, y_fit, record = resample(method, fold)
            samplers.append({**key, **record})
            for name, classifier in classifiers().items():
                model = clone(classifier).fit(X_fit, y_fit)
                scores.append({**key, "method": method, "classifier": name,
                               **score(model, X_test, y_test, classes, minority)})
    return scores, samplers, time.perf_counter() - start


# ----------------------------------------------------------------- report
def metric_names(n_classes: Iterable[int]) -> dict[str, str]:
    """The table headers of the metrics for data sets of these numbers of classes: ``f1`` is the minority class's F1
    on a binary set and the macro F1 on a multiclass one, and a header says which the column averages."""
    counts = list(n_classes)
    kind = (any(k == 2 for k in counts), any(k > 2 for k in counts))
    return {**METRIC_NAMES, "f1": F1_NAMES.get(kind, METRIC_NAMES["f1"])}


def fold_mean_cells(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per data set x classifier x method x metric: the metric's mean over the folds, rounded to
    ``RANK_DIGITS`` decimals so that means equal up to the order of a float sum rank as ties."""
    cells = (scores.groupby(["dataset", "classifier", "method"])[list(METRICS)].mean().reset_index()
             .melt(id_vars=["dataset", "classifier", "method"], var_name="metric", value_name="value"))
    return cells.assign(value=cells["value"].round(RANK_DIGITS))


def mean_ranks(cells: pd.DataFrame, methods: list[str]) -> pd.DataFrame:
    """Rank of each method within every data set x classifier x metric (1 = best, ties averaged)."""
    ranks = cells.groupby(["dataset", "classifier", "metric"])["value"].rank(ascending=False, method="average")
    table = cells.assign(rank=ranks).pivot_table(index="method", columns="metric", values="rank", aggfunc="mean")
    table["all"] = cells.assign(rank=ranks).groupby("method")["rank"].mean()
    return table.reindex(methods)


def wins_ties_losses(cells: pd.DataFrame, ours: str, other: str) -> dict[str, tuple[int, int, int]]:
    wide = cells.pivot_table(index=["dataset", "classifier", "metric"], columns="method", values="value")
    diff = (wide[ours] - wide[other]).dropna()
    out = {}
    for metric in [*METRICS, "all"]:
        d = diff if metric == "all" else diff.xs(metric, level="metric")
        out[metric] = (int((d >= TIE).sum()), int((d.abs() < TIE).sum()), int((d <= -TIE).sum()))
    return out


def augan_params(method: str) -> dict | None:
    """The parameters of an augan method, ``seed`` included (none for the default ``augan``); None for a method
    that is not augan's."""
    return {} if method == "augan" else augan_variant(method)


def is_variant(method: str) -> bool:
    """Whether ``method`` is an augan variant other than the default and its ``seed=K`` replicates."""
    params = augan_params(method)
    return params is not None and any(name != "seed" for name in params)


def replicate_groups(methods: list[str]) -> dict[str, list[str]]:
    """augan's methods grouped by what they run: a variant and its ``seed=K`` replicates form one group, named by
    the member without a seed (``augan`` for the default and ``augan[seed=K]``)."""
    groups: dict[str, list[str]] = {}
    for method in methods:
        params = augan_params(method)
        if params is None:
            continue
        rest = {k: v for k, v in params.items() if k != "seed"}
        name = "augan" if not rest else "augan[" + ";".join(f"{k}={v!r}" for k, v in rest.items()) + "]"
        groups.setdefault(name, []).append(method)
    return groups


def ranks_in_place(cells: pd.DataFrame, mine: str, others: list[str]) -> pd.DataFrame:
    """Mean rank per data set (rows) of ``mine`` (column ``"ours"``) and of each of ``others``, ``mine`` ranked
    with ``others`` alone, as if it were the only augan of the run."""
    own = cells[cells["method"].isin([*others, mine])]
    rank = own.groupby(["dataset", "classifier", "metric"])["value"].rank(ascending=False, method="average")
    table = own.assign(rank=rank, method=own["method"].replace(mine, "ours"))
    return table.pivot_table(index="dataset", columns="method", values="rank", aggfunc="mean")


def per_data_set(scores: pd.DataFrame) -> pd.DataFrame:
    """Each metric's mean over folds and classifiers, per data set and method (the index)."""
    return scores.groupby(["dataset", "method"])[list(METRICS)].mean()


def margin_rows(per_set: pd.DataFrame, cells: pd.DataFrame, methods: list[str]) -> list[list]:
    """Per augan group: its mean rank in place (replicates averaged; their spread), the best other method, and
    the margins over it and over SMOTE with 95% t-intervals over data sets (``per_set``: :func:`per_data_set`)."""
    others = [m for m in methods if not keel_records.depends_on_augan(m)]
    rows = []
    for name, members in replicate_groups(methods).items():
        tables = [ranks_in_place(cells, m, others) for m in members]
        ranks = sum(tables) / len(tables)
        each = [table["ours"].mean() for table in tables]
        spread = f"{min(each):.3f}–{max(each):.3f}" if len(each) > 1 else "—"
        best = ranks[others].mean().idxmin()
        row = [name, len(members), ranks["ours"].mean(), spread, f"{best} {ranks[best].mean():.3f}"]
        for other in (best, "SMOTE"):
            if other not in others:
                row += ["—"] * 3
                continue
            diffs = {metric: (sum(per_set[metric].xs(m, level="method") for m in members) / len(members)
                              - per_set[metric].xs(other, level="method"))
                     for metric in ("balanced_accuracy", "g_mean")}
            row += [interval(ranks[other] - ranks["ours"]), interval(diffs["balanced_accuracy"]),
                    interval(diffs["g_mean"])]
        rows.append(row)
    return rows


def _variant_pairs(methods: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Per augan variant group (not the default): its replicates, each with the default's replicate of the same seed,
    which drew its folds' other random numbers alike; a group with no such pair is left out."""
    groups = replicate_groups(methods)
    if "augan" not in groups:
        return {}
    seed = lambda method: augan_params(method).get("seed", 0)  # noqa: E731
    default = {seed(m): m for m in groups["augan"]}
    pairs = {name: [(m, default[seed(m)]) for m in members if seed(m) in default]
             for name, members in groups.items() if name != "augan"}
    return {name: found for name, found in pairs.items() if found}


def _paired_differences(per_set: pd.DataFrame, pairs: list[tuple[str, str]]) -> dict[str, pd.Series]:
    """Per metric, the per-data-set differences variant minus default of ``per_set`` (data set x method means),
    averaged over the ``pairs``."""
    return {metric: sum(per_set[metric].xs(m, level="method") - per_set[metric].xs(d, level="method")
                        for m, d in pairs) / len(pairs) for metric in METRICS}


def variant_rows(per_set: pd.DataFrame, cells: pd.DataFrame, methods: list[str]) -> list[list]:
    """Per augan variant group (not the default), each replicate paired with the default's of the same seed
    (:func:`_variant_pairs`): the pairs' mean rank in place of the default against the methods that are not
    augan's, and, per data set, the differences variant minus default of the rank and of each metric's mean over
    folds and classifiers (``per_set``: :func:`per_data_set`), pairs averaged, with 95% t-intervals over data sets."""
    others = [m for m in methods if not keel_records.depends_on_augan(m)]
    rows = []
    for name, pairs in _variant_pairs(methods).items():
        row = [name, len(pairs)]
        if others:
            ranks = [(ranks_in_place(cells, m, others)["ours"], ranks_in_place(cells, d, others)["ours"])
                     for m, d in pairs]
            row += [f"{np.mean([v.mean() for v, _ in ranks]):.3f}", f"{np.mean([d.mean() for _, d in ranks]):.3f}",
                    interval(sum(v - d for v, d in ranks) / len(ranks), signed=True)]
        else:
            row += ["—"] * 3
        diffs = _paired_differences(per_set, pairs)
        better = diffs["balanced_accuracy"]
        rows.append(row + [interval(diffs[k], digits=4, signed=True) for k in METRICS]
                    + [f"{int((better > 0).sum())} / {int((better < 0).sum())}"])
    return rows


def variant_set_rows(scores: pd.DataFrame, per_set: pd.DataFrame, methods: list[str]) -> list[list]:
    """Per augan variant group, the data sets where it moved a score of ``scores`` from the default's, in any fold,
    classifier, metric or seed pair (pairs as in :func:`variant_rows`), balanced accuracy's worst first, each with
    its four mean differences (``per_set``: :func:`per_data_set`); then one row for the data sets where every score
    of every pair is the default's, which a lever that acts on some tables only leaves as they were."""
    cell_scores = scores.set_index(["method", "dataset", "fold", "classifier"])[list(METRICS)]
    rows = []
    for name, pairs in _variant_pairs(methods).items():
        diffs = pd.DataFrame(_paired_differences(per_set, pairs))
        differs = [(cell_scores.loc[m] != cell_scores.loc[d].reindex(cell_scores.loc[m].index)).any(axis=1)
                   for m, d in pairs]
        changed = pd.concat(differs).groupby(level="dataset").any().reindex(diffs.index, fill_value=True)
        moved = diffs[changed].sort_values("balanced_accuracy", kind="stable")
        rows += [[name, dataset, *(f"{value:+.4f}" for value in values)] for dataset, values in moved.iterrows()]
        if len(moved) < len(diffs):
            which = f"the other {len(diffs) - len(moved)}" if len(moved) else f"all {len(diffs)}"
            rows.append([name, f"{which}: unchanged", *(["0"] * len(METRICS))])
    return rows


def report(scores: pd.DataFrame, samplers: pd.DataFrame, methods: list[str],
           names: dict[str, str] | None = None) -> str:
    """The tables of one suite; ``names`` are the metrics' headers (:func:`metric_names`)."""
    names = names or METRIC_NAMES
    cells = fold_mean_cells(scores)
    per_set = per_data_set(scores)
    # augan's variants are screened in their own tables, in place of the default: ranked beside it here, they would
    # move every other method's rank, and the headline tables would not be those of the protocol's methods.
    screened = [m for m in methods if is_variant(m)]
    headline = [m for m in methods if m not in screened]
    means = scores.groupby("method")[list(METRICS)].mean().reindex(headline)
    ranks = mean_ranks(cells[cells["method"].isin(headline)], headline)
    among = f"{len(headline)} methods of the run" + (
        f"; augan's {len(screened)} variant runs are ranked in the tables below" if screened else "")
    parts = ["### Mean over data sets x folds x classifiers\n",
             markdown_table([[m, *means.loc[m], ranks.loc[m, "all"]] for m in headline],
                            ["method", *(names[k] for k in METRICS), "mean rank"]),
             f"\n### Mean rank (1 = best; within data set x classifier x metric, on the fold-mean, among the "
             f"{among})\n",
             markdown_table([[m, ranks.loc[m, "all"], *(ranks.loc[m, k] for k in METRICS)] for m in headline],
                            ["method", "all", *(names[k] for k in METRICS)], digits=2)]
    if any(not keel_records.depends_on_augan(m) for m in methods) and replicate_groups(methods):
        parts += ["\n### Margins, with 95% intervals over data sets: each augan (replicates averaged) ranked in place "
                  "of the default, against the other method that then ranks best and against SMOTE (rank margin: "
                  "their mean rank minus augan's, positive when augan leads; differences: augan minus them, of the "
                  "per-data-set means over folds and classifiers)\n",
                  markdown_table(margin_rows(per_set, cells, methods),
                                 ["augan", "replicates", "mean rank", "replicates' ranks", "best other",
                                  "rank margin", "bal. acc. diff.", "G-mean diff.", "rank margin over SMOTE",
                                  "bal. acc. diff. to SMOTE", "G-mean diff. to SMOTE"])]
    variants = variant_rows(per_set, cells, methods)
    if variants:
        parts += ["\n### augan's variants against the default, paired by seed (rank: in place of the default among the "
                  "methods that are not augan's; differences: variant minus default, per data set over folds and "
                  "classifiers, mean [95% interval] over data sets; negative rank and positive scores favour the "
                  "variant)\n",
                  markdown_table(variants, ["variant", "pairs", "mean rank", "the default's", "rank diff.",
                                            *(f"{names[k]} diff." for k in METRICS),
                                            "data sets: bal. acc. up / down"])]
        parts += ["\n### augan's variants against the default, per data set that moved (variant minus default, mean "
                  "over folds, classifiers and seed pairs)\n",
                  markdown_table(variant_set_rows(scores, per_set, methods),
                                 ["variant", "data set", *(f"{names[k]} diff." for k in METRICS)])]
    ours = [m for m in headline if keel_records.depends_on_augan(m)]
    for mine, other in ((m, o) for m in ours for o in ("SMOTE", "CTGAN") if o in methods):
        wtl = wins_ties_losses(cells, mine, other)
        parts += [f"\n### {mine} against {other}: wins / ties / losses (data set x classifier cells; tie: "
                  f"|difference| < {TIE})\n",
                  markdown_table([["/".join(map(str, wtl[k])) for k in [*METRICS, "all"]]],
                                 [*(names[k] for k in METRICS), "all"])]
    parts += ["\n### Resampling (fit + sample) seconds per fold, and failures\n", sampler_table(samplers, methods)]
    failures = samplers[samplers["status"] != "ok"]
    if len(failures):
        grouped = failures.groupby(["method", "dataset", "status", "message"]).size().reset_index(name="folds")
        parts += ["\nFailures fall back to no resampling for that fold (their scores are those of `none`):\n\n",
                  markdown_table(grouped.values.tolist(), ["method", "data set", "status", "reason", "folds"])]
    notes = samplers[(samplers["status"] == "ok") & (samplers["message"] != "")]
    if len(notes):
        parts += ["\nNotes:\n\n", markdown_table(note_rows(notes), ["method", "data set", "note", "folds"])]
    g = scores.groupby(["dataset", "method"])["g_mean"].mean().unstack("method").reindex(columns=headline)
    parts += ["\n### G-mean per data set (mean over folds and classifiers)\n",
              markdown_table([[d, *g.loc[d]] for d in g.index], ["data set", *headline])]
    return "".join(parts)


def note_rows(notes: pd.DataFrame) -> list[list]:
    """One row per method, data set and note, notes that differ only in their numbers joined, each number shown
    as the range of its values: "6.1–7.1 s" for the folds' "6.1 s" ... "7.1 s"."""
    number = re.compile(r"\d+(?:\.\d+)?")
    rows = []
    shape = notes["message"].str.replace(number, "#", regex=True)
    for (method, dataset, _), group in notes.groupby(["method", "dataset", shape], sort=True):
        columns = zip(*(number.findall(message) for message in group["message"]))
        ranges = iter([min(c, key=float) if len(set(c)) == 1 else f"{min(c, key=float)}–{max(c, key=float)}"
                       for c in columns])
        rows.append([method, dataset, number.sub(lambda _: next(ranges), group["message"].iloc[0]), len(group)])
    return rows


def sampler_table(samplers: pd.DataFrame, methods: list[str]) -> str:
    rows = []
    for method in methods:
        own = samplers[samplers["method"] == method]
        ok = own[own["status"] == "ok"]
        rows.append([method, float(own["seconds"].mean()), float(own["seconds"].max()),
                     f"{len(own) - len(ok)} / {len(own)}", float(ok["added"].mean()) if len(ok) else None])
    return markdown_table(rows, ["method", "mean s / fold", "max s / fold", "failed folds", "rows added / fold"],
                          digits=2)


# -------------------------------------------------------------------- main
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", choices=[*SUITES, "all", "dev"], default="binary",
                        help="all: the benchmark's binary, multiclass and mixed suites; dev: the two development "
                             "suites (keel_data_dev.py)")
    parser.add_argument("--datasets", nargs="+", help="only these data sets (of the chosen suites, or any suite)")
    parser.add_argument("--methods", nargs="+", help=f"only these methods (default all: {' '.join(METHODS)})")
    parser.add_argument("--folds", type=int, default=N_SPLITS * N_REPEATS, help="use only the first N of the 10 folds")
    parser.add_argument("--jobs", type=int, default=1, help="parallel data set x fold tasks (joblib)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch and BLAS threads per task; more threads than free cores make torch spin and "
                             "fit times balloon, so keep jobs x threads at most the number of cores")
    parser.add_argument("--ctgan-epochs", type=int, default=FULL_CTGAN_EPOCHS)
    parser.add_argument("--records", type=Path, help="folder for the per-fold scores and sampler records (CSV)")
    parser.add_argument("--reuse", type=Path, nargs="+", default=[],
                        help="--records folders of earlier runs: their folds of methods other than augan are "
                             "reported instead of run again, if made under the same protocol (keel_records.py)")
    parser.add_argument("--reuse-augan", action="store_true",
                        help="take augan's folds (the default's, a variant's) from the --reuse folders too, made by "
                             "the augan of their commit: a screen of new variants against a default already run; "
                             "RESULTS.md is written only when that augan is this checkout's (docstrings aside)")
    parser.add_argument("--seeds", type=int, default=1,
                        help="run augan and each augan variant this many times, the k-th as a replicate seeded "
                             "1000 k later (augan[seed=k]; the margins average them)")
    parser.add_argument("--no-results", action="store_true", help="print the tables, leave RESULTS.md alone")
    parser.add_argument("--tag", help="name a partial run's own RESULTS.md section (keel-<suite>-partial-<tag>), "
                                      "so it sits beside other partial runs instead of replacing them")
    args = parser.parse_args(argv)
    if not 1 <= args.folds <= N_SPLITS * N_REPEATS:
        parser.error(f"--folds must be between 1 and {N_SPLITS * N_REPEATS}.")
    if args.tag is not None and not args.tag.replace("-", "").isalnum():
        parser.error("--tag takes letters, digits and dashes.")
    if args.reuse_augan and not args.reuse:
        parser.error("--reuse-augan needs --reuse folders.")
    if min(args.jobs, args.threads, args.ctgan_epochs, args.seeds) < 1:
        parser.error("--jobs, --threads, --ctgan-epochs and --seeds must be positive.")
    try:
        args.methods = resolve_methods(args.methods)
    except ValueError as exc:
        parser.error(str(exc))
    replicates = [replicate(m, k) for m in args.methods
                  if keel_records.depends_on_augan(m) and "seed" not in (augan_variant(m) or {})
                  for k in range(1, args.seeds)]
    args.methods = list(dict.fromkeys([*args.methods, *replicates]))
    return args


def replicate(method: str, k: int) -> str:
    """The name of the ``k``-th seed replicate of an augan method: ``augan[seed=k]``, ``augan[...;seed=k]``."""
    return f"augan[seed={k}]" if method == "augan" else f"{method[:-1]};seed={k}]"


def chosen_datasets(args: argparse.Namespace) -> dict[str, list[str]]:
    suites = {"all": list(keel_data.SUITES), "dev": list(DEV_SUITES)}.get(args.suite, [args.suite])
    if not args.datasets:
        return {suite: list(SUITES[suite]) for suite in suites}
    owner = {name: suite for suite, names in SUITES.items() for name in names}
    unknown = [n for n in args.datasets if n not in owner]
    if unknown:
        raise SystemExit(f"unknown data set(s) {unknown}; valid: "
                         + "; ".join(f"{s}: {' '.join(n)}" for s, n in SUITES.items()))
    return {s: [n for n in SUITES[s] if n in args.datasets]
            for s in SUITES if any(owner[n] == s for n in args.datasets)}


def partial_notes(args: argparse.Namespace, suite: str, names: list[str]) -> list[str]:
    notes = []
    if names != list(SUITES[suite]):
        notes.append(f"data sets: {' '.join(names)} only")
    if args.folds < N_SPLITS * N_REPEATS:
        notes.append(f"first {args.folds} of {N_SPLITS * N_REPEATS} folds")
    if not set(METHODS) <= set(args.methods):
        notes.append(f"methods: {' '.join(args.methods)} only")
    if args.ctgan_epochs != FULL_CTGAN_EPOCHS and "CTGAN" in args.methods:
        notes.append(f"CTGAN trained {args.ctgan_epochs} epochs instead of {FULL_CTGAN_EPOCHS}")
    return notes


def check_reused_augan(commits: list[str]) -> None:
    """Refuse (``SystemExit``) to write RESULTS.md from augan folds of a commit whose augan is not this checkout's:
    a section must show what this code does."""
    here = keel_records.augan_code()
    for commit in sorted(set(commits)):
        if keel_records.augan_code(commit) != here:
            raise SystemExit(f"--reuse-augan: augan's folds of commit {commit} were made by other augan code than "
                             "this checkout's (or git cannot show that commit), so they cannot make a RESULTS.md "
                             "section; add --no-results for a screen.")


def cross_machine_note(machines: set[str], here: str) -> str | None:
    """What to say when augan's folds reused from records made on ``machines`` ("" for records that do not name
    theirs) are paired with augan fits made here, on ``here``; None when every one was made on this machine."""
    others = sorted(machines - {here})
    if not others:
        return None
    where = ", ".join(m or "a machine the records do not name" for m in others)
    return (f"augan's reused folds were made on {where}, this run's augan fits on {here}: the same augan code scores "
            "a little differently on another CPU model (benchmarks/NOTES.md, 2026-12-06), so the variants fitted "
            "here are paired with the reused default across machines")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    chosen = chosen_datasets(args)
    data = {name: load(name) for names in chosen.values() for name in names}
    for dataset in data.values():
        print(dataset.describe(), flush=True)
    threads = args.threads
    torch.set_num_threads(threads)  # also what the header reports
    if args.records is not None:
        keel_records.check_new(args.records)
    protocols = {suite: keel_records.fingerprint(dev=suite in DEV_SUITES) for suite in chosen}
    reused = {suite: keel_records.load(args.reuse, suite, names, args.folds, args.methods, args.ctgan_epochs,
                                       protocols[suite], augan=args.reuse_augan)
              for suite, names in chosen.items()}
    if not args.no_results:
        check_reused_augan([c for r in reused.values() for c in r.augan_commits])
    owner = {name: suite for suite, names in chosen.items() for name in names}
    tasks = [(d, i, tr, te, [m for m in args.methods if not reused[owner[d.name]].covers(d.name, i, m)])
             for d in data.values() for i, (tr, te) in enumerate(splits(d, args.folds))]
    tasks = sorted((t for t in tasks if t[4]), key=lambda t: -len(t[0].y))
    fits_augan = {owner[d.name] for d, _, _, _, methods in tasks if any(map(keel_records.depends_on_augan, methods))}
    here = hardware()
    crossed = {suite: cross_machine_note(reused[suite].augan_machines, here) if suite in fits_augan else None
               for suite in chosen}
    for suite, note in crossed.items():
        if note is not None:
            print(f"warning ({suite}): {note}", file=sys.stderr, flush=True)
    start = time.perf_counter()
    scores, samplers = [], []
    runs = Parallel(n_jobs=args.jobs, return_as="generator_unordered")(
        delayed(run_fold)(d, i, tr, te, methods, args.ctgan_epochs, threads) for d, i, tr, te, methods in tasks)
    for done, (fold_scores, fold_samplers, seconds) in enumerate(runs, 1):
        scores += fold_scores
        samplers += fold_samplers
        failed = [f"{r['method']} ({r['status']})" for r in fold_samplers if r["status"] != "ok"]
        print(f"[{done}/{len(tasks)} {time.perf_counter() - start:7.0f}s] {fold_samplers[0]['dataset']} fold "
              f"{fold_samplers[0]['fold']}: {seconds:.1f}s" + (f"; failed: {', '.join(failed)}" if failed else ""),
              flush=True)
    wall = round(time.perf_counter() - start)
    ran = (f"wall {wall} s for the whole run" if tasks
           else "no fold run here: every fold reused (the machine above only wrote this section from the records)")
    scores, samplers = pd.DataFrame(scores), pd.DataFrame(samplers)
    for suite, names in chosen.items():
        own_scores = scores[scores["dataset"].isin(names)] if len(scores) else scores
        own_samplers = samplers[samplers["dataset"].isin(names)] if len(samplers) else samplers
        notes = partial_notes(args, suite, names)
        body = report(pd.concat([own_scores, reused[suite].scores], ignore_index=True),
                      pd.concat([own_samplers, reused[suite].samplers], ignore_index=True), args.methods,
                      metric_names(data[name].n_classes for name in names))
        header = section_header(
            f"KEEL {suite} suite" + (" (partial run)" if notes else ""),
            [f"{len(names)} data sets, {args.folds} folds, {len(args.methods)} methods, classifiers LR / kNN(5) / DT; "
             f"CTGAN epochs {args.ctgan_epochs}; {args.jobs} job(s) x {threads} thread(s); {ran}",
             *reused[suite].notes, *([crossed[suite]] if crossed[suite] else []), *notes])
        text = header + "\n" + body
        print("\n" + text)
        if args.records is not None and len(own_samplers):
            keel_records.write(args.records, suite, own_scores, own_samplers, commit=git_commit(), machine=here,
                               jobs=args.jobs, threads=threads, ctgan_epochs=args.ctgan_epochs, wall=wall,
                               fingerprint=protocols[suite])
        if not args.no_results:
            name = f"keel-{suite}-partial" + (f"-{args.tag}" if args.tag else "") if notes else f"keel-{suite}"
            update_section(name, text)


if __name__ == "__main__":
    sys.exit(main())
