"""Imbalanced small images: MNIST and sklearn's 8x8 digits (BENCHMARK.md, section 2).

Settings (``images_data.py``): ``mnist-10pct`` (25 training digits of each of 5-9 beside 250 of each of
0-4), ``mnist-5`` (5 of each of 5-9: 50:1) and ``digits-10pct`` (sklearn's 8x8 digits, 9 of each of 5-9).
Methods: ``none``; ``oracle`` (the untouched training half, every digit complete: the ceiling);
RandomOverSampler; SMOTE on pixels (``k_neighbors = min(5, rare digits - 1)``); ``augan``
(``GANOversampler(image_shape=(side, side), gan=CGAN(architecture=...))``, every other setting at its default,
as a user gets it: DCGAN networks for 28 px, the MLP for 8 px, which augan's DCGAN does not build), and any
augan variant named on the command line, ``--variant 'NAME={"smote_share": 0, "gan": {"loss": "wgan-gp"}}'``
(GANOversampler keyword arguments, a nested ``"gan"`` dict for CGAN's). Every resampler is seeded with each of
``--gan-seeds`` (the GAN's ``random_state``, RandomOverSampler's and SMOTE's). Classifiers, each trained on
every method's set: logistic regression on pixels / 255 (deterministic) and :class:`SmallCNN` seeded with each
of ``--clf-seeds``. Metrics on the test half: balanced accuracy, macro F1, accuracy on the digits 5-9.

Reported per setting: each method's mean and 95% t-interval over its sampler seeds, each the mean of its
classifier seeds (the records of one sampler seed share its resampled set, so they are one draw of the
resampler, not several; a method without sampler randomness gets its interval over the classifier seeds); the
paired difference of every augan method to RandomOverSampler and to SMOTE (paired by sampler seed and
classifier seed, averaged per sampler seed) with its interval over the sampler seeds; the quality of the new images of the rare digits against the real test
digits of each (mean over sampler seeds): FID and KID through augan's extractor ``augan-image-cnn`` (a small
CNN trained on the real test digits; Inception weights cannot be downloaded here, so the values compare the
methods of one setting only) and augan's own discriminator AUC on held-out real digits against the new ones
(0.5 = indistinguishable); the GAN fit seconds per seed, flagged when one exceeds the 3-minute budget. The
classifier two-sample test on pixels is left out: it scored 1.000 for every method in the last one-seed run
(even for RandomOverSampler's copies of real digits), so it told the methods apart not at all, and it cost
more CPU time than the rest of the quality measures.

Records (``image_records.py``): ``--records DIR`` appends each result as it is made; ``--reuse DIR ...`` takes
the results whose configuration matches from earlier runs instead of computing them again.

    PYTHONPATH=. .venv-bench/bin/python benchmarks/mnist.py --records /tmp/mnist-records       # the protocol
    PYTHONPATH=. .venv-bench/bin/python benchmarks/mnist.py --reuse /tmp/mnist-records \\
        --methods none oracle RandomOverSampler SMOTE augan-raw --variant 'augan-raw={"smote_share": 0}'
    PYTHONPATH=. .venv-bench/bin/python benchmarks/mnist.py --gan-epochs 5 --cnn-epochs 2 --gan-seeds 0 \\
        --clf-seeds 0    # a quick check (partial run)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from augan.train import BUDGET_EPOCHS
from image_methods import BUILTIN, classify, is_augan, method_config, parse_variant, resample, sampler_values
from image_records import RecordStore, difference_rows, score_frame, summary_rows
from images_data import MINORITY, SETTINGS, Split, load_setting
from results import RESULTS_PATH, git_commit, interval, markdown_table, section_header, update_section

BASELINES = ("RandomOverSampler", "SMOTE")
CLASSIFIERS = ("LogisticRegression", "SmallCNN")  # image_methods.classify trains them
METRICS = ("balanced_accuracy", "macro_f1", "rare_accuracy")
METRIC_NAMES = ("bal. acc.", "macro F1", "accuracy on 5-9")
DEFAULTS = {"gan_epochs": BUDGET_EPOCHS, "cnn_epochs": 10, "seeds": 3}  # CGAN's default epochs
FIT_BUDGET_S = 180
SECTIONS = {"mnist": ("Imbalanced MNIST digits", ("mnist-10pct", "mnist-5")),
            "digits": ("Imbalanced 8x8 digits (sklearn load_digits)", ("digits-10pct",))}
GRIDS = {"mnist-10pct": "mnist_samples.png", "mnist-5": "mnist5_samples.png", "digits-10pct": "digits_samples.png"}
DRAWS = ", GAN draws only"


# ----------------------------------------------------------------- one setting
def run_setting(name: str, args: argparse.Namespace, store: RecordStore, commit: str) -> tuple[str, list[str]]:
    """Every chosen method on setting ``name``, computing only what ``store`` lacks; its report and notes.

    Sampler seeds are the outer loop, so that a run cut short leaves whole seeds of every method, which pair.
    """
    setting = SETTINGS[name]
    data = load_setting(name)
    print(f"{name}: {data.describe()}", flush=True)
    start = time.perf_counter()
    score_records, sampler_records, grids = [], {}, []
    for seed in args.gan_seeds:
        for method in args.methods:
            if method in ("none", "oracle") and seed != args.gan_seeds[0]:
                continue  # no randomness: one set for every seed
            scores, sampler_record, sampler = run_method(name, method, None if method in ("none", "oracle")
                                                         else seed, data, args, store, commit)
            score_records += scores
            if sampler_record is not None:
                sampler_records.setdefault(method, []).append(sampler_record)
            if method == "augan" and sampler is not None and seed == args.gan_seeds[0] and args.grids:
                grids.append(save_grid(sampler, name, args))
    wall = time.perf_counter() - start
    return report(name, score_records, sampler_records, args), setting_notes(
        name, data, setting.architecture, sampler_records, args, wall, store, score_records, grids)


def run_method(name: str, method: str, seed: int | None, data: Split, args: argparse.Namespace,
               store: RecordStore, commit: str) -> tuple[list[dict], dict | None, object]:
    """The score records of ``method`` with sampler ``seed`` (every classifier and classifier seed), its sampler
    record (None for ``none`` and ``oracle``), and its fitted GANOversampler when one was fitted here."""
    setting = SETTINGS[name]
    config = method_config(method, data, setting.architecture, args.variants)
    base = {"setting": name, "method": method, "config": config, "sampler_seed": seed,
            **({"gan_epochs": args.gan_epochs} if is_augan(method, args.variants) else {})}
    cnn = {"cnn_epochs": args.cnn_epochs * setting.cnn_epochs_factor}
    keys = [{**base, "classifier": clf, "clf_seed": cs, **(cnn if clf == "SmallCNN" else {})}
            for clf in CLASSIFIERS for cs in (args.clf_seeds if clf == "SmallCNN" else [None])]
    found = [store.get(key) for key in keys]
    sampler_record = None if seed is None else store.get(base)
    if all(found) and (seed is None or sampler_record):
        return found, sampler_record, None
    tic = time.perf_counter()
    X_fit, y_fit, sampler = resample(method, config, data, setting.side, seed, args.gan_epochs, args.variants)
    seconds = time.perf_counter() - tic
    print(f"  {method} seed {seed}: resampled in {seconds:.0f} s", flush=True)
    if seed is not None and sampler_record is None:
        # The seconds depend on the cores' other work: the threads and the load when fitted are kept beside them.
        values = {**sampler_values(X_fit, y_fit, sampler, data, setting.side, seconds),
                  "threads": torch.get_num_threads(), "load_average": os.getloadavg()[0]}
        sampler_record = store.add("sampler", base, values, commit)
    records = []
    for key, record in zip(keys, found):
        if record is None:
            record = store.add("score", key, classify(key, X_fit, y_fit, data, setting.side), commit)
            print(f"    {key['classifier']} seed {key['clf_seed']}: "
                  f"bal. acc. {record['values']['balanced_accuracy']:.3f}", flush=True)
        records.append(record)
    return records, sampler_record, sampler


def grid_path(name: str, args: argparse.Namespace) -> Path:
    """Where the grid of setting ``name``'s digits goes: beside RESULTS.md, its own name for a partial run."""
    path = RESULTS_PATH.parent / GRIDS[name]
    if partial_notes(args, SECTIONS[SETTINGS[name].section][1]):  # a quick run must not replace the full run's grid
        path = path.with_name(f"{path.stem}-partial{path.suffix}")
    return path


def check_grid_paths(args: argparse.Namespace) -> None:
    """Refuse the run before any training if a grid it would write may not be replaced: a file there that augan
    did not write (the ledger of the files it wrote in benchmarks/ is committed with the grids)."""
    from augan.storage import check_output_path

    if args.grids:
        for name in args.settings:
            try:
                check_output_path(grid_path(name, args), overwrite=True)
            except OSError as exc:
                raise SystemExit(f"mnist.py: {exc}") from None


def save_grid(sampler: Any, name: str, args: argparse.Namespace) -> str:
    from augan.plot import save_sample_grid

    path = grid_path(name, args)
    save_sample_grid(sampler.gan_, path, per_class=10, overwrite=True, random_state=0).chmod(0o644)
    return path.name


def report(name: str, score_records: list[dict], sampler_records: dict[str, list[dict]],
           args: argparse.Namespace) -> str:
    frame = score_frame(score_records)
    ours = [m for m in args.methods if is_augan(m, args.variants)]
    baselines = [b for b in BASELINES if b in args.methods]
    parts = [f"### {name}: classifiers on the test half (mean [95% interval] over sampler seeds, each the mean of "
             "its classifier seeds; over classifier seeds for a method without sampler randomness)\n",
             markdown_table(summary_rows(frame, args.methods, list(METRICS)),
                            ["method", "classifier", *METRIC_NAMES, "draws / records"])]
    if ours and baselines:
        parts += [f"\n### {name}: paired differences (pairs of the same sampler seed and classifier seed, averaged "
                  "per sampler seed; mean [95% interval] over sampler seeds)\n",
                  markdown_table(difference_rows(frame, ours, baselines, list(METRICS)),
                                 ["difference", "classifier", *METRIC_NAMES, "wins / sampler seeds"])]
    rows = []
    for method, records in sampler_records.items():
        for field, label in (("quality", method), ("draws", method + DRAWS)):
            quality = [r["values"][field] for r in records if r["values"].get(field)]
            if not quality:
                continue
            fid = np.array([[q["fid"][str(d)] for d in MINORITY] for q in quality], dtype=float)
            kid = np.array([[q["kid"][str(d)] for d in MINORITY] for q in quality], dtype=float)
            disc = [q["discriminator_auc"] for q in quality if q["discriminator_auc"] is not None]
            rows.append([label, *fid.mean(axis=0).tolist(), interval(fid.mean(axis=1)), float(kid.mean()),
                         *(_mean_over_digits(quality, field) for field in ("precision", "recall")),
                         float(np.mean(disc)) if disc else None, len(quality)])
    if rows:
        parts += [f"\n### {name}: new images of the rare digits against the real test digits (mean over sampler "
                  "seeds)\n", markdown_table(rows, ["new images of", *(f"FID {d}" for d in MINORITY),
                                                    "mean FID [95% interval]", "mean KID", "precision",
                                                    "recall", "discriminator AUC", "seeds"])]
    return "".join(parts)


def _mean_over_digits(quality: list[dict], field: str) -> float | None:
    """The mean of ``field`` over the rare digits and the seeds; None when a record predates the field or a digit
    had too few images for it."""
    values = [q.get(field, {}).get(str(d)) for q in quality for d in MINORITY]
    return None if any(v is None for v in values) else float(np.mean(values))


def setting_notes(name: str, data: Split, architecture: str, sampler_records: dict[str, list[dict]],
                  args: argparse.Namespace, wall: float, store: RecordStore, score_records: list[dict],
                  grids: list[str]) -> list[str]:
    notes = [f"{name}: {data.describe()}; wall {wall:.0f} s for this setting in this run"]
    if SETTINGS[name].cnn_epochs_factor != 1:
        notes.append(f"{name}: SmallCNN trained {SETTINGS[name].cnn_epochs_factor} x --cnn-epochs = "
                     f"{args.cnn_epochs * SETTINGS[name].cnn_epochs_factor} epochs (a third of MNIST's images per "
                     f"epoch; at 10 epochs the oracle's CNN reached only 0.83 balanced accuracy)")
    if architecture != "dcgan":
        notes.append(f"{name}: augan's DCGAN networks build square images of 28, 32 or 64 px only "
                     f"(augan/nn/conv.py), so these {SETTINGS[name].side} px digits use CGAN's MLP networks "
                     f"(architecture={architecture!r}) on the flattened pixels")
    for method in (m for m in sampler_records if is_augan(m, args.variants)):
        seconds = [r["values"]["seconds"] for r in sampler_records[method]]
        loads = [r["values"].get("load_average") for r in sampler_records[method]]
        threads = sorted({str(r["values"].get("threads", "?")) for r in sampler_records[method]})
        over = [s for s in seconds if s > FIT_BUDGET_S]
        config = method_config(method, data, architecture, args.variants)
        options = "".join(f"{k}={v!r}, " for k, v in config.items() if k != "gan")
        gan = "".join(f"{k}={v!r}, " for k, v in {"epochs": args.gan_epochs, **config["gan"]}.items())
        notes.append(f"{name}: {method} = GANOversampler(image_shape=({SETTINGS[name].side}, "
                     f"{SETTINGS[name].side}), {options}gan=CGAN({gan}random_state=seed)); fit + "
                     f"sample {np.mean(seconds):.0f} s per seed (mean of {len(seconds)}, max {max(seconds):.0f} s; "
                     f"torch threads {'/'.join(threads)}, load average when fitted "
                     f"{', '.join('?' if v is None else f'{v:.1f}' for v in loads)} on {os.cpu_count()} cores)"
                     + (f"; **over the {FIT_BUDGET_S} s budget in {len(over)} seed(s)**" if over else
                        f", within the {FIT_BUDGET_S} s budget"))
    reused = store.reused_commits(score_records + [r for rs in sampler_records.values() for r in rs])
    if reused:
        notes.append(f"{name}: records reused from earlier runs: "
                     + ", ".join(f"{n} made at commit {c}" for c, n in sorted(reused.items())))
    notes += [f"grid of augan's digits (seed {args.gan_seeds[0]}, one row per class): `{g}`" for g in grids]
    return notes


# -------------------------------------------------------------------- main
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--settings", nargs="+", choices=list(SETTINGS), default=list(SETTINGS))
    parser.add_argument("--methods", nargs="+", help=f"default: {' '.join(BUILTIN)} and every --variant")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=JSON",
                        help="an augan method: GANOversampler keyword arguments as JSON, CGAN's under \"gan\"")
    parser.add_argument("--gan-seeds", nargs="+", type=int, default=list(range(DEFAULTS["seeds"])))
    parser.add_argument("--clf-seeds", nargs="+", type=int, default=list(range(DEFAULTS["seeds"])))
    parser.add_argument("--gan-epochs", type=int, default=DEFAULTS["gan_epochs"])
    parser.add_argument("--cnn-epochs", type=int, default=DEFAULTS["cnn_epochs"])
    parser.add_argument("--threads", type=int, default=2, help="torch threads (the budget is 2 cores)")
    parser.add_argument("--records", type=Path, help="folder whose records.jsonl gets every result as it is made")
    parser.add_argument("--reuse", type=Path, nargs="+", default=[],
                        help="--records folders of earlier runs: results with the same key are taken from there")
    parser.add_argument("--no-results", action="store_true", help="print the tables, leave RESULTS.md alone")
    args = parser.parse_args(argv)
    if min(args.gan_epochs, args.cnn_epochs, args.threads) < 1:
        parser.error("--gan-epochs, --cnn-epochs and --threads must be positive.")
    try:
        args.variants = dict(parse_variant(v) for v in args.variant)
    except ValueError as exc:
        parser.error(str(exc))
    known = [*BUILTIN, *args.variants]
    args.methods = args.methods or known
    unknown = [m for m in args.methods if m not in known]
    if unknown:
        parser.error(f"unknown method(s) {unknown}; valid: {' '.join(known)}")
    args.grids = not args.no_results
    return args


def partial_notes(args: argparse.Namespace, settings: tuple[str, ...]) -> list[str]:
    """Why a run of these settings is partial (fewer settings, methods, seeds or epochs than the protocol)."""
    notes = []
    if any(s not in args.settings for s in settings):
        notes.append(f"settings: {' '.join(s for s in settings if s in args.settings)} only")
    if any(m not in args.methods for m in BUILTIN):
        notes.append(f"methods: {' '.join(args.methods)} only")
    for option in ("gan_seeds", "clf_seeds"):
        if len(getattr(args, option)) < DEFAULTS["seeds"]:
            notes.append(f"--{option.replace('_', '-')} {' '.join(map(str, getattr(args, option)))}")
    for option in ("gan_epochs", "cnn_epochs"):
        if getattr(args, option) != DEFAULTS[option]:
            notes.append(f"--{option.replace('_', '-')} {getattr(args, option)}")
    return notes


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    check_grid_paths(args)
    torch.set_num_threads(args.threads)
    store = RecordStore(args.records, args.reuse)
    commit = git_commit()
    for section, (title, names) in SECTIONS.items():
        chosen = [n for n in names if n in args.settings]
        if not chosen:
            continue
        bodies, notes = [], []
        for name in chosen:
            body, own = run_setting(name, args, store, commit)
            bodies.append(body)
            notes += own
        partial = partial_notes(args, names)
        notes += [
            "FID / KID extractor: `augan-image-cnn` (augan's small CNN trained on the real test digits of the "
            "setting; values compare the methods of one setting only); RandomOverSampler's new images are copies "
            "of the real training digits, the floor a generator could reach with that little data; precision and "
            "recall (in the same features: the share of the new images inside the real digits' 3-NN manifold, and "
            "of the real digits inside theirs) tell faithful but few shapes from varied but wrong ones, which FID "
            "alone mixes (— for records made before they were kept)",
            f"augan's new images are those GANOversampler adds (by default half of them real training digits of "
            f"the class under random smooth deformations, interpolation='deform'); \"augan{DRAWS}\" are the GAN's "
            f"own draws of the same digits, with the sampler's noise_scale and no selection",
            f"seeds: sampler {args.gan_seeds}, classifier {args.clf_seeds} (logistic regression is deterministic: "
            f"one record per sampler seed); GAN epochs {args.gan_epochs}, SmallCNN epochs {args.cnn_epochs} (x the "
            f"setting's factor), "
            f"torch threads of this process {args.threads} (a reused record's fit ran with its own, noted above)",
            *(["partial run: " + "; ".join(partial)] if partial else [])]
        text = section_header(title + (" (partial run)" if partial else ""), notes) + "\n" + "\n".join(bodies)
        print("\n" + text, flush=True)
        if not args.no_results:
            update_section(section + ("-partial" if partial else ""), text)


if __name__ == "__main__":
    sys.exit(main())
